// The codebase index (issue 17) on real files in a temporary folder with real SQLite: which files
// the walker lists (.gitignore in and outside git, privacy globs, binaries, size, links out), how
// each language is chunked, what a search finds, incremental passes that read only what changed,
// a damaged index file started again, progress ending in 'ready', and cancelling.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CodeIndexStatus } from '../protocol';
import { chunkFile } from '../companion/code-index/chunker';
import { identifierParts, indexText, queryTerms } from '../companion/code-index/code-terms';
import { CodeIndexService } from '../companion/code-index/code-index-service';
import { walkFolder } from '../companion/code-index/walker';
import type { Embedder } from '../companion/llm/embedder';
import { changedPaths, excludeGlobsOf, progressText, uniqueNames } from '../extension/code-index/code-index-logic';
import { DEFAULT_EXCLUDE_GLOBS } from '../common/privacy/exclude-globs';
import { tempDir } from './helpers/companion';

const WS = { id: 'file:///test/ws', name: 'ws' };
const hasGit = (() => {
  try {
    execFileSync('git', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

const cleanup: string[] = [];
const services: CodeIndexService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.dispose();
  for (const d of cleanup.splice(0)) rmSync(d, { recursive: true, force: true });
});

function write(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
}

function folder(files: Record<string, string | Buffer>): string {
  const root = tempDir('alisa-code-');
  cleanup.push(root);
  write(root, files);
  return root;
}

/** A service whose progress events are collected; `until` waits for the event that matches. */
function service() {
  const data = tempDir('alisa-code-data-');
  cleanup.push(data);
  const events: CodeIndexStatus[] = [];
  const waiters: Array<{ test: (e: CodeIndexStatus) => boolean; resolve: (e: CodeIndexStatus) => void }> = [];
  const logs: string[] = [];
  const svc = new CodeIndexService({
    dir: path.join(data, 'code-index'),
    emit: (e) => {
      if (process.env.DBG) console.log(e.state, e.filesDone, e.filesTotal, e.files);
      events.push(e);
      for (const w of [...waiters]) if (w.test(e)) waiters.splice(waiters.indexOf(w), 1), w.resolve(e);
    },
    log: (l) => logs.push(l),
  });
  services.push(svc);
  const until = (test: (e: CodeIndexStatus) => boolean, from = 0) => {
    const seen = events.slice(from).find(test);
    return seen ? Promise.resolve(seen) : new Promise<CodeIndexStatus>((resolve) => waiters.push({ test, resolve }));
  };
  const done = (from = 0) => until((e) => e.state === 'ready' || e.state === 'error' || e.state === 'cancelled', from);
  return { svc, events, until, done, logs };
}

const build = (svc: CodeIndexService, root: string, extra: Partial<Parameters<CodeIndexService['build']>[1]> = {}) =>
  svc.build(WS, { folders: [{ path: root, name: 'ws' }], privacyGlobs: [...DEFAULT_EXCLUDE_GLOBS], ...extra });

describe('walker', () => {
  const tree = {
    '.gitignore': 'dist/\n*.log\n!keep.log\n',
    'src/app.ts': 'export const app = 1;\n',
    'src/nested/.gitignore': 'generated.ts\n',
    'src/nested/generated.ts': 'x\n',
    'src/nested/real.ts': 'y\n',
    'dist/out.js': 'built\n',
    'debug.log': 'log\n',
    'keep.log': 'kept\n',
    '.env': 'SECRET=1\n',
    'config/secrets.json': '{}\n',
    'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    'big.txt': 'x'.repeat(5000),
  };

  for (const git of [false, true]) {
    it.skipIf(git && !hasGit)(`lists what ${git ? 'git' : 'the .gitignore files'} would, minus privacy globs, binaries, big files and links out`, async () => {
      const root = folder(tree);
      const outside = folder({ 'passwd.txt': 'not yours\n' });
      symlinkSync(path.join(outside, 'passwd.txt'), path.join(root, 'src', 'link-out.txt'));
      symlinkSync(path.join(root, 'src', 'app.ts'), path.join(root, 'src', 'link-in.ts'));
      if (git) execFileSync('git', ['init', '-q'], { cwd: root });
      const r = await walkFolder(root, { privacyGlobs: DEFAULT_EXCLUDE_GLOBS, maxFileBytes: 4096 });
      expect(r.lister).toBe(git ? 'git' : 'walk');
      expect(r.files.map((f) => f.rel)).toEqual(['.gitignore', 'keep.log', 'src/app.ts', 'src/link-in.ts', 'src/nested/.gitignore', 'src/nested/real.ts']);
      expect(r.skipped).toMatchObject({ privacy: 2, binary: 1, tooLarge: 1, linkOut: 1 });
    });
  }

  it('lists only the changed paths it was given, still by the .gitignore rules', async () => {
    const root = folder(tree);
    const r = await walkFolder(root, {
      privacyGlobs: DEFAULT_EXCLUDE_GLOBS,
      maxFileBytes: 1 << 20,
      only: ['src/nested/generated.ts', 'src/nested/real.ts', 'dist/out.js', '.env'],
    });
    expect(r.files.map((f) => f.rel)).toEqual(['src/nested/real.ts']);
  });
});

describe('chunker and terms', () => {
  const fn = (name: string, body: number) => [
    `/** ${name} does things. */`,
    `export function ${name}(a: number) {`,
    ...Array.from({ length: body }, (_, i) => `  a += ${i};`),
    '  return a;',
    '}',
    '',
  ];

  it('TypeScript: top-level declarations with their doc comments, a big class cut at its methods', () => {
    const lines = [
      ...fn('alpha', 40),
      ...fn('beta', 40),
      'export class Big {',
      ...fn('one', 70).map((l) => `  ${l.replace('export function', 'method')}`),
      ...fn('two', 70).map((l) => `  ${l.replace('export function', 'method')}`),
      '}',
      '',
    ];
    const chunks = chunkFile('src/a.ts', lines.join('\n'));
    const starts = chunks.map((c) => lines[c.startLine - 1]!.trim());
    expect(starts[0]).toBe('/** alpha does things. */');
    expect(starts).toContain('/** beta does things. */');
    expect(starts.some((s) => s.startsWith('/** two'))).toBe(true);
    // Every line is in some chunk, in order, and no chunk is cut inside a function.
    for (const c of chunks) expect(c.endLine - c.startLine + 1).toBeLessThanOrEqual(120);
    expect(chunks[0]!.startLine).toBe(1);
  });

  it('Python by indentation, Markdown by headings, other files by overlapping windows', () => {
    const py = Array.from({ length: 4 }, (_, k) => [`def f${k}(x):`, ...Array.from({ length: 30 }, (_, i) => `    x = x + ${i}`), '    return x', '']).flat();
    const pyChunks = chunkFile('m.py', py.join('\n'));
    expect(pyChunks.length).toBeGreaterThan(1);
    for (const c of pyChunks) expect(py[c.startLine - 1]).toMatch(/^def f\d/);

    const md = ['# Title', 'intro', ...Array.from({ length: 3 }, (_, k) => [`## Part ${k}`, ...Array.from({ length: 30 }, (_, i) => `text ${k}.${i}`)]).flat()];
    const mdChunks = chunkFile('README.md', md.join('\n'));
    expect(mdChunks.map((c) => md[c.startLine - 1])).toEqual(['# Title', '## Part 1', '## Part 2']);

    const txt = Array.from({ length: 130 }, (_, i) => `line ${i}`).join('\n');
    const win = chunkFile('notes.txt', txt);
    expect(win.map((c) => [c.startLine, c.endLine])).toEqual([
      [1, 60],
      [51, 110],
      [101, 130],
    ]);
  });

  it('splits identifiers so a word finds them and they find their parts', () => {
    expect(identifierParts('getUserName')).toEqual(['get', 'user', 'name']);
    expect(identifierParts('parseHTTPResponse2')).toEqual(['parse', 'http', 'response', '2']);
    expect(identifierParts('MAX_FILE_SIZE')).toEqual(['max', 'file', 'size']);
    expect(identifierParts('plain')).toEqual([]);
    expect(indexText('const x = getUserName();')).toContain('get user name');
    expect(queryTerms('where is getUser validated?')).toEqual(['getuser', 'get', 'user', 'validated']);
  });
});

describe('the index', () => {
  const files = {
    'src/auth.ts': 'export function validateToken(token: string) {\n  return token.length > 10;\n}\n',
    'src/users.ts': 'export function getUserName(id: number) {\n  return `user-${id}`;\n}\n',
    'src/billing/invoice.py': 'def compute_invoice_total(items):\n    return sum(i.price for i in items)\n',
    'docs/guide.md': '# Guide\n\nHow the payment retries work.\n',
    '.env': 'API_TOKEN=validateToken\n',
  };

  it('finds the right chunk for identifiers and words, cites path and lines, never a private file', async () => {
    const root = folder(files);
    const { svc, done } = service();
    build(svc, root);
    const end = await done();
    expect(end).toMatchObject({ state: 'ready', files: 4, filesDone: 4, filesTotal: 4, error: null });
    const [hit] = await svc.search(WS, 'user name', 3);
    expect(hit).toMatchObject({ path: 'src/users.ts', startLine: 1, endLine: 3 });
    expect(hit!.text).toContain('getUserName');
    expect((await svc.search(WS, 'compute_invoice_total'))[0]?.path).toBe('src/billing/invoice.py');
    expect((await svc.search(WS, 'invoice total'))[0]?.path).toBe('src/billing/invoice.py');
    expect((await svc.search(WS, 'payment retries'))[0]?.path).toBe('docs/guide.md');
    const token = await svc.search(WS, 'validateToken', 10);
    expect(token.map((h) => h.path)).toEqual(['src/auth.ts']);
    expect(await svc.retrieve(WS.id, 'zzzunknownword', 5)).toEqual([]);
  });

  it('a secret in the code is neither stored nor returned', async () => {
    const key = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const root = folder({ 'src/config.ts': `export const githubToken = '${key}';\nexport function loadConfig() {}\n` });
    const { svc, done } = service();
    build(svc, root);
    await done();
    const [hit] = await svc.search(WS, 'loadConfig');
    expect(hit?.text).not.toContain(key);
    expect(hit?.text).toContain('[REDACTED');
    expect(await svc.search(WS, key)).toEqual([]);
    await svc.dispose();
    expect(readFileSync(svc.fileOf(WS.id)).includes(Buffer.from('A1b2C3d4E5f6'))).toBe(false);
  });

  it('incremental: after one change, one deletion and one addition only those are read again', async () => {
    const root = folder(files);
    const { svc, events, done } = service();
    build(svc, root);
    await done();
    writeFileSync(path.join(root, 'src/auth.ts'), 'export function checkSignature(sig: string) {\n  return !!sig;\n}\n');
    rmSync(path.join(root, 'src/users.ts'));
    write(root, { 'src/orders.ts': 'export function placeOrder() {}\n' });
    let from = events.length;
    build(svc, root);
    const second = await done(from);
    expect(second).toMatchObject({ state: 'ready', filesTotal: 2, filesDone: 2, files: 4 });
    expect(await svc.search(WS, 'validateToken')).toEqual([]);
    expect((await svc.search(WS, 'checkSignature'))[0]?.path).toBe('src/auth.ts');
    expect(await svc.search(WS, 'getUserName')).toEqual([]);
    expect((await svc.search(WS, 'placeOrder'))[0]?.path).toBe('src/orders.ts');

    // The same through codeIndex.update's paths: only the named file is read.
    writeFileSync(path.join(root, 'src/orders.ts'), 'export function cancelOrder() {}\n');
    from = events.length;
    svc.update(WS, { paths: [path.join(root, 'src/orders.ts'), path.join(root, 'docs/guide.md')] });
    expect(await done(from)).toMatchObject({ state: 'ready', filesTotal: 1, files: 4 });
    expect((await svc.search(WS, 'cancelOrder'))[0]?.path).toBe('src/orders.ts');
    rmSync(path.join(root, 'src/orders.ts'));
    from = events.length;
    svc.update(WS, { paths: [path.join(root, 'src/orders.ts')] });
    expect(await done(from)).toMatchObject({ state: 'ready', files: 3 });
    expect(() => svc.update(WS, { paths: ['/etc/passwd'] })).toThrow(/outside the indexed folders/);
  });

  it('a damaged index file is started again, and the progress event says why', async () => {
    const root = folder(files);
    const { svc, events } = service();
    const file = svc.fileOf(WS.id);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'this is not an SQLite database, just text that happens to be here '.repeat(100));
    build(svc, root);
    await svc.idle();
    const last = events.at(-1)!;
    expect(last).toMatchObject({ state: 'ready', files: 4 });
    expect(last.rebuilt).toMatch(/damaged .*not an SQLite database/);
    expect((await svc.search(WS, 'validateToken'))[0]?.path).toBe('src/auth.ts');
  });

  it('progress arrives while it builds and ends in ready; cancel ends a pass as cancelled and the next pass completes the index', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 400; i++) many[`src/f${String(i).padStart(3, '0')}.ts`] = `export function handler${i}() {\n  return ${i};\n}\n`;
    const root = folder(many);
    const { svc, events, done } = service();
    build(svc, root);
    const first = await done();
    expect(first.state).toBe('ready');
    const states = events.map((e) => e.state);
    expect(states[0]).toBe('scanning');
    expect(states).toContain('indexing');
    expect(first).toMatchObject({ filesDone: 400, filesTotal: 400, files: 400 });

    // A rebuild cancelled as it starts says 'cancelled' and has read fewer than all the files.
    const from = events.length;
    build(svc, root, { rebuild: true });
    expect(svc.cancel(WS)).toBe(true);
    const end = await done(from);
    expect(end.state).toBe('cancelled');
    expect(end.filesDone).toBeLessThan(400);
    // The next pass goes on from there and ends ready with every file.
    const again = events.length;
    build(svc, root);
    expect(await done(again)).toMatchObject({ state: 'ready', files: 400 });
    expect((await svc.search(WS, 'handler399'))[0]?.path).toBe('src/f399.ts');
  });

  it('a client without a workspace, or a folder that does not exist, gets a clear error', () => {
    const { svc } = service();
    expect(() => svc.build(null, { folders: [{ path: '/tmp', name: 'tmp' }], privacyGlobs: [] })).toThrow(/has none/);
    expect(() => svc.build(WS, { folders: [{ path: '/nonexistent/alisa', name: 'x' }], privacyGlobs: [] })).toThrow(/does not exist/);
    return expect(svc.retrieve('file:///never/built', 'x', 3)).rejects.toThrow(/not built yet/);
  });
});

/**
 * A deterministic stand-in for an embedding model (none can run in a unit test): each word lands
 * in a bucket by its hash, except that a few synonyms share one, so a question can be near a chunk
 * it shares no word with. Vectors are normalised, as the Embedder contract says.
 */
function synonymEmbedder(): Embedder & { calls: number } {
  const DIM = 64;
  const SAME: Record<string, string> = { automobile: 'car', vehicle: 'car', cars: 'car' };
  const bucket = (w: string) => [...w].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % DIM;
  const e = {
    model: 'test-synonyms',
    dimensions: DIM,
    calls: 0,
    async embed(texts: readonly string[]) {
      e.calls++;
      return texts.map((t) => {
        const v = new Float32Array(DIM);
        for (const w of t.toLowerCase().match(/[a-z]+/g) ?? []) v[bucket(SAME[w] ?? w)]! += 1;
        const len = Math.hypot(...v) || 1;
        return v.map((x) => x / len);
      });
    },
  };
  return e;
}

describe('optional embeddings', () => {
  it('with an embedder, a question with no word in common finds the chunk by meaning (fused with BM25); without one it does not', async () => {
    const root = folder({
      'src/garage.ts': 'export function parkCar(car: Car) {\n  garage.slots.push(car);\n}\n',
      'src/kitchen.ts': 'export function boilKettle(kettle: Kettle) {\n  kettle.heat();\n}\n',
    });
    const plain = service();
    build(plain.svc, root);
    await plain.done();
    expect(await plain.svc.search(WS, 'automobile', 5)).toEqual([]);

    const embedder = synonymEmbedder();
    const data = tempDir('alisa-code-data-');
    cleanup.push(data);
    const events: CodeIndexStatus[] = [];
    const svc = new CodeIndexService({ dir: data, emit: (e) => events.push(e), log: () => {}, embedder: () => embedder });
    services.push(svc);
    // Asked for: off by default, the model is not used.
    build(svc, root);
    await svc.idle();
    expect(events.at(-1)).toMatchObject({ state: 'ready', embeddings: false });
    expect(embedder.calls).toBe(0);
    build(svc, root, { embeddings: true });
    await svc.idle();
    expect(events.at(-1)).toMatchObject({ state: 'ready', embeddings: true, files: 2 });
    const hits = await svc.search(WS, 'automobile', 5);
    expect(hits[0]?.path).toBe('src/garage.ts');
    // A word both halves agree on still ranks its chunk first.
    expect((await svc.search(WS, 'kettle', 5))[0]?.path).toBe('src/kitchen.ts');
  });
});

describe("the window's side (pure parts)", () => {
  it('exclude settings, changed paths and progress words', () => {
    expect(
      excludeGlobsOf({ '**/.git': true, '**/dist': true, '**/x': false, '**/y': { when: '$(basename).ts' } }, { '**/dist': true, '**/out': true }, null),
    ).toEqual(['**/.git', '**/dist', '**/out']);
    expect(changedPaths(['/w/src/a.ts', '/w/src/a.ts', '/w/.git/index', '/w/node_modules/x/i.js', '/w/b.py'])).toEqual(['/w/src/a.ts', '/w/b.py']);
    expect(progressText({ state: 'indexing', filesDone: 1200, filesTotal: 5000, files: 0, chunks: 0 })).toBe('1,200 of 5,000 files');
    expect(progressText({ state: 'ready', filesDone: 0, filesTotal: 0, files: 3, chunks: 7 })).toBe('3 files, 7 chunks');
    expect(uniqueNames([{ name: 'src' }, { name: 'src' }, { name: 'a/b' }]).map((f) => f.name)).toEqual(['src', 'src (2)', 'a-b']);
  });
});
