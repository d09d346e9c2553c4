// One workspace's codebase index at work (issue 17): a pass lists the folders' files
// (walker.ts), reads only those whose size or time changed since the last pass (and re-chunks
// only those whose content hash changed), drops the ones that are gone, and commits in batches,
// yielding to the event loop between them so chat and the socket stay responsive. Progress is
// reported at most every PROGRESS_MS and at every change of state; a pass can be cancelled (what
// it committed stays, the next pass goes on from there). Changes the window reports while a
// pass runs wait for it. Searches run on what is committed, during a pass too.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CodeIndexFolder, CodeIndexHit, CodeIndexState, CodeIndexStatus, ErrorInfo } from '../../protocol';
import { redactSecrets } from '../../common/privacy/redact';
import { resolveInside } from '../../common/workspace-path';
import { AlisaError, toAlisaError } from '../errors';
import type { Embedder } from '../llm/embedder';
import { matchExpression } from './code-terms';
import { chunksOf, embedChunks, readIndexable } from './file-chunks';
import { fuse, nearest } from './hybrid-rank';
import { IndexStore, type ChunkRow, type NewChunk, type StoredFile } from './index-store';
import { walkFolder, type FoundFile, type SkipReason } from './walker';

/** Files per transaction: big enough that commits do not dominate, small enough to yield often. */
const BATCH_FILES = 40;
/** Chunks per transaction (a commit's FTS5 work grows with them; a file's chunks are never split). */
const BATCH_CHUNKS = 200;
/** The most a batch may hold the event loop before yielding (ms). */
const BATCH_MS = 30;
/** Files read at once. */
const READ_AHEAD = 8;
const PROGRESS_MS = 200;

/** A file to read: its folder's name, what the walk found, and what the index had of it. */
interface Work {
  folder: string;
  file: FoundFile;
  had: StoredFile | undefined;
}

export interface IndexOptions {
  folders: CodeIndexFolder[];
  privacyGlobs: string[];
  excludeGlobs: string[];
  maxFileBytes: number;
  /** Store chunk vectors and search by meaning too (when the companion has an embedder). */
  embeddings: boolean;
}

export interface WorkspaceIndexDeps {
  workspace: string;
  file: string;
  emit: (status: CodeIndexStatus) => void;
  log: (line: string) => void;
  embedder: () => Embedder | null;
}

export class WorkspaceIndex {
  private store: IndexStore | null = null;
  private options: IndexOptions | null = null;
  private state: CodeIndexState = 'idle';
  private filesDone = 0;
  private filesTotal = 0;
  private skipped: Record<string, number> = {};
  private builtAt: number | null = null;
  private rebuilt: string | null = null;
  private error: ErrorInfo | null = null;
  private running: Promise<void> | null = null;
  private controller: AbortController | null = null;
  private pendingPaths = new Set<string>();
  private pendingBuild: { rebuild: boolean } | null = null;
  private lastProgress = 0;
  private embeddingsProblem: string | null = null;

  constructor(private readonly deps: WorkspaceIndexDeps) {}

  status(): CodeIndexStatus {
    let counts = { files: 0, chunks: 0 };
    let bytes = 0;
    try {
      if (this.store) {
        counts = this.store.counts();
        bytes = this.store.sizeOnDisk();
      }
    } catch {
      // Reported by the pass that meets it; a status is still answered.
    }
    return {
      workspace: this.deps.workspace,
      state: this.state,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      ...counts,
      skipped: { ...this.skipped },
      bytes,
      builtAt: this.builtAt,
      rebuilt: this.rebuilt,
      embeddings: this.embedder() !== null,
      embeddingsProblem: this.embeddingsProblem,
      error: this.error,
    };
  }

  /** The embedder, when the window asked for embeddings and the companion has one. */
  private embedder(): Embedder | null {
    return this.options?.embeddings ? this.deps.embedder() : null;
  }

  /** Starts a pass over `options.folders` (after the running one, which is cancelled when the folders changed). */
  build(options: IndexOptions, rebuild: boolean): void {
    const changedFolders = JSON.stringify(this.options) !== JSON.stringify(options);
    this.options = options;
    if (this.running) {
      if (changedFolders || rebuild) this.controller?.abort();
      this.pendingBuild = { rebuild: rebuild || (this.pendingBuild?.rebuild ?? false) };
      return;
    }
    this.start(() => this.pass(rebuild));
  }

  /** Files the window saw change: each is looked at after the running pass. */
  update(paths: readonly string[]): void {
    const opts = this.requireOptions();
    const roots = opts.folders.map((f) => f.path);
    for (const p of paths) {
      const inside = resolveInside(roots, p, 'the indexed folders');
      if (!inside.ok || !path.isAbsolute(p)) throw new AlisaError('invalid_argument', inside.ok ? `${p} is not an absolute path.` : inside.reason);
    }
    for (const p of paths) this.pendingPaths.add(p);
    if (!this.running) this.start(() => this.applyUpdates());
  }

  cancel(): boolean {
    if (!this.running) return false;
    this.pendingBuild = null;
    this.pendingPaths.clear();
    this.controller?.abort();
    return true;
  }

  /** Resolves when no pass is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async dispose(): Promise<void> {
    this.cancel();
    await this.idle();
    this.store?.close();
    this.store = null;
  }

  /** The best `limit` chunks for `query`: BM25, fused with cosine similarity when chunks have vectors. */
  async search(query: string, limit: number, signal?: AbortSignal): Promise<CodeIndexHit[]> {
    const store = this.openStore();
    const match = matchExpression(query);
    const wide = Math.max(limit * 4, 20);
    const lexical = match ? store.search(match, wide) : [];
    let rows: Array<ChunkRow & { score: number }> = lexical.map((r) => ({ ...r, score: -r.rank }));
    const embedder = this.embedder();
    if (embedder && store.getMeta('embedModel') === embedder.model) {
      try {
        const [q] = await embedder.embed([query], signal);
        if (q) rows = fuse(lexical, nearest(store.vectors(), q, wide), store);
      } catch (err) {
        // By words alone: the model's failure is in the status of the passes.
        if (signal?.aborted) throw err;
      }
    }
    const hits: CodeIndexHit[] = [];
    for (const r of rows) {
      if (hits.length >= limit) break;
      signal?.throwIfAborted();
      const hit = await this.readHit(r);
      if (hit) hits.push(hit);
    }
    return hits;
  }

  /** The chunk's lines as the file has them now, secrets redacted; null when the file is gone or its folder is no longer indexed. */
  private async readHit(r: ChunkRow & { score: number }): Promise<CodeIndexHit | null> {
    const folders = this.options?.folders ?? JSON.parse(this.store?.getMeta('folders') ?? '[]');
    const folder = (folders as CodeIndexFolder[]).find((f) => f.name === r.folder);
    if (!folder) return null;
    let text: string;
    try {
      text = await fs.readFile(path.join(folder.path, r.rel), 'utf8');
    } catch {
      return null;
    }
    const lines = text.split(/\r?\n/).slice(r.startLine - 1, r.endLine);
    if (lines.length === 0) return null;
    const shown = (folders as CodeIndexFolder[]).length > 1 ? `${r.folder}/${r.rel}` : r.rel;
    return { path: shown, startLine: r.startLine, endLine: r.startLine + lines.length - 1, text: redactSecrets(lines.join('\n')).text, score: r.score };
  }

  private requireOptions(): IndexOptions {
    if (!this.options) throw new AlisaError('invalid_argument', 'The codebase index of this workspace has not been started.', 'Send codeIndex.build first.');
    return this.options;
  }

  /** The open index (opened, and started again when damaged, on first use). */
  private openStore(): IndexStore {
    if (this.store) return this.store;
    const { store, rebuilt } = IndexStore.open(this.deps.file);
    this.store = store;
    if (rebuilt) {
      this.rebuilt = `The codebase index was damaged (${rebuilt}), so Alisa started it again.`;
      this.deps.log(`code index: ${this.rebuilt}`);
    }
    if (!this.options && store.counts().files === 0) {
      throw new AlisaError(
        'not_found',
        'The codebase index of this workspace is not built yet.',
        'Open the workspace in VS Code with Alisa, or run "Alisa: Rebuild Codebase Index".',
      );
    }
    return store;
  }

  private start(job: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    this.controller = controller;
    this.running = (async () => {
      let final: CodeIndexState = 'ready';
      try {
        await job(controller.signal);
        await this.store?.compact(this.filesDone, controller.signal);
        this.builtAt = Date.now();
      } catch (err) {
        final = controller.signal.aborted ? 'cancelled' : this.fail(err);
      }
      // Idle before the final state is told: whoever hears it may start the next pass at once.
      this.running = null;
      this.controller = null;
      const next = this.pendingBuild;
      this.pendingBuild = null;
      // A pass cut short for a newer one is not "cancelled" to the user: the newer one just goes on.
      if (!(final === 'cancelled' && next)) this.setState(final);
      // A listener of that event may have started a pass already: what was pending waits for it.
      if (this.running) {
        if (next) this.pendingBuild = next;
        return;
      }
      if (next) this.start(() => this.pass(next.rebuild));
      else if (this.pendingPaths.size > 0) this.start(() => this.applyUpdates());
    })();
  }

  private fail(err: unknown): 'error' {
    const e = toAlisaError(err);
    // A file that turns out damaged in use (SQLite finds a bad page only when it reads it): started again next pass.
    const code = (err as { code?: unknown })?.code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'))) {
      this.store?.close();
      this.store = null;
      this.deps.log(`code index: damaged in use (${e.message}); it is started again on the next pass`);
    }
    this.deps.log(`code index: ${e.message}`);
    this.error = e.toInfo();
    return 'error';
  }

  private setState(state: CodeIndexState): void {
    this.state = state;
    if (state !== 'error') this.error = null;
    this.progress(true);
  }

  private progress(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastProgress < PROGRESS_MS) return;
    this.lastProgress = now;
    this.deps.emit(this.status());
  }

  /** One full pass: list, compare, read what changed, drop what is gone. */
  private async pass(rebuild: boolean, signal = this.controller!.signal): Promise<void> {
    const opts = this.requireOptions();
    this.filesDone = 0;
    this.filesTotal = 0;
    this.setState('scanning');
    // A damage reported by an earlier pass is old news once a pass starts on a healthy file.
    if (this.store) this.rebuilt = null;
    const store = this.openStore();
    const embedder = this.embedder();
    this.embeddingsProblem =
      opts.embeddings && !embedder ? 'No embedding model is configured (alisa.memory.embeddingModel): the index searches by words alone.' : null;
    // Vectors of another model (or none, when they are now asked for) are not comparable: every file is read again.
    if (rebuild || (embedder && store.getMeta('embedModel') !== embedder.model)) store.clear();
    store.setMeta('folders', JSON.stringify(opts.folders));
    if (embedder) store.setMeta('embedModel', embedder.model);
    const skipped: Record<SkipReason, number> = { privacy: 0, excluded: 0, binary: 0, tooLarge: 0, linkOut: 0 };
    const work: Work[] = [];
    const gone: number[] = [];
    for (const folder of opts.folders) {
      const listed = await walkFolder(folder.path, {
        privacyGlobs: opts.privacyGlobs,
        excludeGlobs: opts.excludeGlobs,
        maxFileBytes: opts.maxFileBytes,
        signal,
      });
      for (const [k, v] of Object.entries(listed.skipped)) skipped[k as SkipReason] += v;
      const stored = store.filesOf(folder.name);
      for (const file of listed.files) {
        const had = stored.get(file.rel);
        stored.delete(file.rel);
        if (!had || had.size !== file.size || had.mtimeMs !== file.mtimeMs) work.push({ folder: folder.name, file, had });
      }
      for (const s of stored.values()) gone.push(s.id);
    }
    // Files of folders no longer in the workspace.
    const names = new Set(opts.folders.map((f) => f.name));
    for (const other of store.folders()) if (!names.has(other)) for (const s of store.filesOf(other).values()) gone.push(s.id);
    this.skipped = skipped;
    store.batch(() => {
      for (const id of gone) store.deleteFile(id);
    });
    this.filesTotal = work.length;
    this.setState('indexing');
    await this.indexFiles(store, work, signal);
  }

  /** Reads, chunks and commits `work` in batches, yielding between them. */
  private async indexFiles(store: IndexStore, work: readonly Work[], signal: AbortSignal): Promise<void> {
    let embedder = this.embedder();
    for (let i = 0; i < work.length; ) {
      signal.throwIfAborted();
      const started = Date.now();
      const batch: Array<Work & { hash: string; chunks: NewChunk[] | null }> = [];
      let chunks = 0;
      while (i < work.length && batch.length < BATCH_FILES && chunks < BATCH_CHUNKS && Date.now() - started < BATCH_MS) {
        // Several reads in flight at once: the disk works while the last group is chunked.
        const group = work.slice(i, i + READ_AHEAD);
        i += group.length;
        const reads = await Promise.all(group.map((w) => readIndexable(w.file)));
        for (const [k, w] of group.entries()) {
          const read = reads[k];
          // A binary or unreadable file is kept with no chunks, so the next pass does not read it again until it changes.
          if (!read) batch.push({ ...w, hash: '', chunks: [] });
          // Same content (a touch, a checkout of the same text): only its size and time are updated.
          else {
            const made = w.had?.hash === read.hash ? null : await chunksOf(w.file.rel, read.text);
            chunks += made?.length ?? 0;
            batch.push({ ...w, hash: read.hash, chunks: made });
          }
        }
      }
      if (embedder) {
        try {
          await embedChunks(embedder, batch, signal);
        } catch (err) {
          signal.throwIfAborted();
          // The words are indexed all the same; the next pass tries the model again.
          this.embeddingsProblem = `The embedding model failed (${err instanceof Error ? err.message : String(err)}): this pass indexed words only.`;
          this.deps.log(`code index: ${this.embeddingsProblem}`);
          embedder = null;
          // Files indexed without vectors from here on: the next pass with a working model reads them all again.
          store.setMeta('embedModel', '');
        }
      }
      store.batch(() => {
        for (const b of batch) {
          if (b.chunks === null && b.had) store.touchFile(b.had.id, b.file.size, b.file.mtimeMs);
          else store.putFile(b.folder, b.file.rel, b.file.size, b.file.mtimeMs, b.hash, b.chunks ?? []);
        }
      });
      this.filesDone += batch.length;
      this.progress();
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Looks at each changed path: indexes it again if it is (still) an indexable file, drops it if not. */
  private async applyUpdates(signal = this.controller!.signal): Promise<void> {
    const opts = this.requireOptions();
    const store = this.openStore();
    const paths = [...this.pendingPaths];
    this.pendingPaths.clear();
    const work: Work[] = [];
    const gone: number[] = [];
    let needsPass = false;
    for (const p of paths) {
      const folder = opts.folders.find((f) => p === f.path || p.startsWith(f.path.endsWith(path.sep) ? f.path : f.path + path.sep));
      if (!folder) continue;
      const rel = path.relative(folder.path, p).split(path.sep).join('/');
      const stored = store.filesOf(folder.name);
      let st;
      try {
        st = await fs.lstat(p);
      } catch {
        st = null;
      }
      if (st?.isDirectory()) {
        // A folder appeared (a checkout, an unzip): a pass finds what is in it and what .gitignore says of it.
        needsPass = true;
        continue;
      }
      if (!st) {
        // Deleted: the file, or everything under a deleted folder.
        for (const [r, s] of stored) if (r === rel || r.startsWith(`${rel}/`)) gone.push(s.id);
        continue;
      }
      const listed = await walkFolder(folder.path, {
        privacyGlobs: opts.privacyGlobs,
        excludeGlobs: opts.excludeGlobs,
        maxFileBytes: opts.maxFileBytes,
        signal,
        only: [rel],
      });
      const file = listed.files[0];
      const had = stored.get(rel);
      // The watcher also reports files that were only opened or saved unchanged.
      if (!file) {
        // No longer indexable (now ignored, private, binary or too large).
        if (had) gone.push(had.id);
      } else if (!had || had.size !== file.size || had.mtimeMs !== file.mtimeMs) work.push({ folder: folder.name, file, had });
    }
    this.filesDone = 0;
    this.filesTotal = work.length;
    store.batch(() => {
      for (const id of gone) store.deleteFile(id);
    });
    this.setState('indexing');
    await this.indexFiles(store, work, signal);
    if (needsPass) this.pendingBuild = { rebuild: false };
  }
}
