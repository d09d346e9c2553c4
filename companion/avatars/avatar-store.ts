// The user's own avatars (issue 18), kept in the data folder, one folder each:
//   DATA/avatars/<id>/avatar.json        what it is (name, kind, files, meta)
//   DATA/avatars/<id>/model.vrm|glb|gltf the model as imported (checked, never rewritten)
//   DATA/avatars/<id>/sprites.json, *.png a sprite set
//   DATA/avatars/<id>/thumbnail.png|jpg  the picker's picture
//   DATA/avatars/selected.json           the global choice
// An import is checked whole before anything is written; it is written into a hidden temporary
// folder that is renamed into place at the end, so a failure (or a crash) never leaves half an
// avatar. A name that is taken gets "Name (2)", a new id; replacing needs the id and the user's yes.
// No database: the files are the record (the characters table holds a character's avatarId).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  AVATAR_ID_PATTERN,
  AVATAR_ROUTE,
  BUILTIN_AVATAR,
  BUILTIN_AVATAR_ID,
  type AvatarImportParams,
  type AvatarInfo,
  type AvatarKind,
  type AvatarSource,
  type AvatarUpdateParams,
} from '../../protocol';
import { AlisaError } from '../errors';
import { inspectModel, ModelError, readExpressionNames } from './gltf';
import { drawnThumbnail, makeThumbnail } from './images';
import { readSpriteFolder, spriteSetFromFrames, type ReadSprites } from './sprites';

export const DEFAULT_MAX_IMPORT_MB = 100;

const BUILTIN = BUILTIN_AVATAR;

/** avatar.json. */
interface Manifest {
  format: 'alisa-avatar';
  version: 1;
  id: string;
  name: string;
  kind: Exclude<AvatarKind, 'svg'>;
  /** The model file, or sprites.json. */
  file: string;
  thumbnail: string | null;
  sizeBytes: number;
  importedAt: number;
  vrmVersion: '1.0' | '0.x' | null;
  author: string | null;
  licence: string | null;
  images: number;
  /** Where it came from (a file name only, never a full path). */
  source: string;
  expressionMap?: Record<string, string>;
  /** A model's expression names (gltf.ts expressionNames); absent in avatars stored before they were recorded: read lazily. */
  expressions?: string[];
  /**
   * Who made it when the user did not import it: `card:<characterId>` for the sprite a character
   * card's image became. Such an avatar is replaced with her card and deleted with her.
   */
  origin?: string;
}

/** Files a stored avatar may have, and the content type each is served with. */
export const AVATAR_FILE_TYPES: Record<string, string> = {
  '.vrm': 'model/gltf-binary',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
};
const FILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}\.(?:vrm|glb|gltf|json|png|jpg|webp)$/;

const fail = (message: string, action?: string) => new AlisaError('invalid_argument', message, action);
const thumbName = (thumb: { type: string }) => `thumbnail.${thumb.type === 'jpeg' ? 'jpg' : thumb.type}`;

export interface AvatarStoreOptions {
  /** DATA/avatars. */
  dir: string;
  maxImportMB?: number;
  log?: (line: string) => void;
}

export class AvatarStore {
  readonly dir: string;
  readonly maxImportBytes: number;
  private readonly log: (line: string) => void;
  /** Stored models whose expression names could not be read (id@importedAt). */
  private readonly unreadable = new Set<string>();

  constructor(opts: AvatarStoreOptions) {
    this.dir = opts.dir;
    this.maxImportBytes = Math.round((opts.maxImportMB ?? DEFAULT_MAX_IMPORT_MB) * 1_000_000);
    this.log = opts.log ?? (() => {});
    this.sweep();
  }

  /** Leftovers of an import or replace that a crash interrupted. */
  private sweep(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (!n.startsWith('.tmp-') && !n.startsWith('.old-')) continue;
      rmSync(path.join(this.dir, n), { recursive: true, force: true });
      this.log(`avatars: removed ${n}, left by an interrupted import`);
    }
  }

  list(): AvatarInfo[] {
    const stored: AvatarInfo[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      // No folder yet: no stored avatars.
    }
    for (const id of names) {
      if (!AVATAR_ID_PATTERN.test(id)) continue;
      const m = this.manifest(id);
      if (m) stored.push(this.info(m));
    }
    stored.sort((a, b) => (b.importedAt ?? 0) - (a.importedAt ?? 0) || a.name.localeCompare(b.name));
    return [BUILTIN, ...stored];
  }

  /** The stored avatar `id`'s manifest; null when there is none (or it is unreadable: logged). */
  private manifest(id: string): Manifest | null {
    if (!AVATAR_ID_PATTERN.test(id)) return null;
    const file = path.join(this.dir, id, 'avatar.json');
    let m: Manifest;
    try {
      m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`avatars: ${file} is unreadable (${(err as Error).message}); it is not listed`);
      return null;
    }
    if (m.format !== 'alisa-avatar' || m.id !== id || !FILE_NAME.test(m.file)) {
      this.log(`avatars: ${file} is not an avatar manifest; it is not listed`);
      return null;
    }
    return m;
  }

  private info(m: Manifest): AvatarInfo {
    const url = (file: string) => `${AVATAR_ROUTE}${m.id}/${file}`;
    return {
      id: m.id,
      kind: m.kind,
      name: m.name,
      url: url(m.file),
      thumbnailUrl: m.thumbnail ? url(m.thumbnail) : null,
      ...(m.expressionMap ? { expressionMap: m.expressionMap } : {}),
      ...this.expressionsOf(m),
      builtin: false,
      sizeBytes: m.sizeBytes,
      importedAt: m.importedAt,
      vrmVersion: m.vrmVersion,
      author: m.author,
      licence: m.licence,
      images: m.images,
    };
  }

  /** A model's expression names: recorded at import, or read once from the stored file (older avatars) and recorded then. */
  private expressionsOf(m: Manifest): { expressions?: string[] } {
    if (m.kind !== 'vrm' && m.kind !== 'gltf') return {};
    if (m.expressions) return { expressions: m.expressions };
    // A model that could not be read is not read again on every list.
    const key = `${m.id}@${m.importedAt}`;
    if (this.unreadable.has(key)) return {};
    let names: string[] | null = null;
    try {
      names = readExpressionNames(readFileSync(path.join(this.dir, m.id, m.file)));
    } catch (err) {
      this.log(`avatars: the model of ${m.id} is unreadable (${(err as Error).message}); its expressions are unknown`);
    }
    if (!names) {
      this.unreadable.add(key);
      return {};
    }
    m.expressions = names;
    try {
      this.writeAtomic(path.join(this.dir, m.id, 'avatar.json'), JSON.stringify(m, null, 2));
    } catch {
      // Deleted meanwhile, or a read-only folder: read again next time.
    }
    return { expressions: names };
  }

  get(id: string): AvatarInfo | null {
    if (id === BUILTIN_AVATAR_ID) return BUILTIN;
    const m = this.manifest(id);
    return m ? this.info(m) : null;
  }

  /** The AvatarSource of `id`; the built-in SVG for an id that is not stored (any more). */
  source(id: string | null | undefined): AvatarSource {
    const info = (id ? this.get(id) : null) ?? BUILTIN;
    const { builtin: _b, sizeBytes: _s, importedAt: _i, vrmVersion: _v, author: _a, licence: _l, images: _n, expressions: _e, ...source } = info;
    return source;
  }

  // ------------------------------------------------------------------ the global choice

  selectedId(): string {
    try {
      const { id } = JSON.parse(readFileSync(path.join(this.dir, 'selected.json'), 'utf8')) as { id?: unknown };
      if (typeof id === 'string' && (id === BUILTIN_AVATAR_ID || this.manifest(id))) return id;
    } catch {
      // None chosen yet.
    }
    return BUILTIN_AVATAR_ID;
  }

  select(id: string): void {
    if (!this.get(id)) throw new AlisaError('not_found', `There is no avatar "${id}".`, 'Reload the list of avatars.');
    mkdirSync(this.dir, { recursive: true });
    this.writeAtomic(path.join(this.dir, 'selected.json'), JSON.stringify({ id }));
  }

  // ------------------------------------------------------------------ rename and expressions

  /**
   * Renames stored avatar `p.id` and/or replaces its emotion -> expression mapping (null or {}:
   * the default mixes). Everything is checked before avatar.json is rewritten (atomically); a
   * refusal changes nothing.
   */
  update(p: AvatarUpdateParams): AvatarInfo {
    if (p.id === BUILTIN_AVATAR_ID) throw new AlisaError('forbidden', 'The built-in Alisa avatar cannot be renamed or given other expressions.');
    const m = this.manifest(p.id);
    if (!m) throw new AlisaError('not_found', `There is no avatar "${p.id}".`, 'Reload the list of avatars.');
    const next: Manifest = { ...m };
    if (p.name !== undefined && p.name !== m.name) {
      const name = p.name;
      const taken = this.list().find((a) => a.id !== m.id && a.name.toLowerCase() === name.toLowerCase());
      if (taken) throw fail(`Another avatar is already named “${taken.name}”.`, 'Choose another name.');
      next.name = name;
    }
    if (p.expressionMap !== undefined) next.expressionMap = this.checkExpressionMap(m, p.expressionMap ?? {});
    if (!next.expressionMap || !Object.keys(next.expressionMap).length) delete next.expressionMap;
    try {
      this.writeAtomic(path.join(this.dir, m.id, 'avatar.json'), JSON.stringify(next, null, 2));
    } catch (err) {
      throw new AlisaError(
        'internal',
        `The avatar could not be saved in ${this.dir}: ${(err as Error).message}.`,
        'Check that the data folder can be written to.',
        {
          cause: err,
        },
      );
    }
    this.log(`avatars: updated ${m.id}${next.name !== m.name ? ' (renamed)' : ''}${p.expressionMap !== undefined ? ' (expressions)' : ''}`);
    return this.info(next);
  }

  /** The mapping as stored: every name one the model has (in its own spelling), when its names are known. */
  private checkExpressionMap(m: Manifest, wanted: Record<string, string | undefined>): Record<string, string> {
    const entries = Object.entries(wanted).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (!entries.length) return {};
    if (m.kind !== 'vrm' && m.kind !== 'gltf') {
      throw fail(
        `“${m.name}” is a sprite set: it has a picture per emotion, not expressions.`,
        'Expressions can be chosen for 3D models (VRM, glTF) only; for other pictures, import the sprite set again.',
      );
    }
    const known = this.expressionsOf(m).expressions;
    const map: Record<string, string> = {};
    for (const [emotion, name] of entries) {
      // A model whose file could not be read: the renderer checks the name when it loads.
      const found = known ? (known.find((k) => k === name) ?? known.find((k) => k.toLowerCase() === name.toLowerCase())) : name;
      if (!found) {
        throw fail(
          known!.length
            ? `“${m.name}” has no expression “${name}” (for ${emotion}); it has ${known!.join(', ')}.`
            : `“${m.name}” has no expressions (no VRM expressions or named morph targets), so its emotions cannot be mapped.`,
        );
      }
      map[emotion] = found;
    }
    return map;
  }

  // ------------------------------------------------------------------ import and delete

  /**
   * Checks and stores the file or folder at `p.path`. Throws AlisaError `invalid_argument` with
   * the reason when it cannot be used; then nothing was stored.
   */
  import(p: AvatarImportParams): { avatar: AvatarInfo; skipped: string[] } {
    const src = path.resolve(p.path);
    let stat;
    try {
      stat = statSync(src);
    } catch {
      throw new AlisaError('not_found', `There is no file or folder ${src}.`);
    }
    if (p.replaceId !== undefined && !this.manifest(p.replaceId)) throw new AlisaError('not_found', `There is no avatar "${p.replaceId}" to replace.`);

    if (stat.isDirectory()) {
      if (p.kind && p.kind !== 'sprites') throw fail(`${src} is a folder; a ${p.kind === 'vrm' ? 'VRM' : 'glTF'} model is one file (.vrm, .glb or .gltf).`);
      let read;
      try {
        read = readSpriteFolder(src, this.maxImportBytes);
      } catch (err) {
        if (err instanceof ModelError) throw fail(`This sprite set cannot be used: ${err.message}`);
        throw err;
      }
      return this.storeSprites(p, read, p.name ?? read.name ?? path.basename(src), path.basename(src));
    }

    if (!stat.isFile()) throw fail(`${src} is neither a file nor a folder.`);
    if (p.kind === 'sprites') throw fail(`${src} is a file; a sprite set is a folder with one PNG per emotion (neutral.png at least).`);
    if (stat.size > this.maxImportBytes) throw this.tooLarge(path.basename(src), stat.size);
    this.checkModelName(path.basename(src));
    return this.importModel(readFileSync(src), path.basename(src), p);
  }

  /**
   * A sprite set from frames in memory (frame key such as `neutral` -> PNG bytes), checked as a
   * folder's frames are: a character card's image becomes her avatar this way. `origin` marks who
   * made it (see Manifest.origin). Throws AlisaError `invalid_argument` with the reason.
   */
  importFrames(
    frames: Map<string, Buffer>,
    p: { name: string; source: string; origin?: string; replaceId?: string },
  ): { avatar: AvatarInfo; skipped: string[] } {
    if (p.replaceId !== undefined && !this.manifest(p.replaceId)) throw new AlisaError('not_found', `There is no avatar "${p.replaceId}" to replace.`);
    const bytes = [...frames.values()].reduce((n, b) => n + b.byteLength, 0);
    if (bytes > this.maxImportBytes) throw this.tooLarge(p.source, bytes);
    let read;
    try {
      read = spriteSetFromFrames(new Map([...frames].map(([key, data]) => [key, { file: p.source, data }])));
    } catch (err) {
      if (err instanceof ModelError) throw fail(`It cannot be used as a sprite: ${err.message}`);
      throw err;
    }
    return this.storeSprites({ path: p.source, ...(p.replaceId ? { replaceId: p.replaceId } : {}) }, read, p.name, p.source, p.origin);
  }

  private storeSprites(
    p: AvatarImportParams,
    read: Pick<ReadSprites, 'set' | 'files' | 'skipped'>,
    name: string,
    source: string,
    origin?: string,
  ): { avatar: AvatarInfo; skipped: string[] } {
    const files = new Map(read.files);
    const thumb = makeThumbnail(read.files.get('neutral.png')!);
    if (thumb) files.set(thumbName(thumb), thumb.bytes);
    files.set('sprites.json', Buffer.from(JSON.stringify(read.set, null, 2)));
    const avatar = this.store(p, files, {
      name,
      kind: 'sprites',
      file: 'sprites.json',
      thumbnail: thumb ? thumbName(thumb) : null,
      sizeBytes: [...files.values()].reduce((n, b) => n + b.byteLength, 0),
      vrmVersion: null,
      author: null,
      licence: null,
      images: read.files.size,
      source,
      ...(origin ? { origin } : {}),
    });
    return { avatar, skipped: read.skipped };
  }

  /** The stored avatars `origin` made (Manifest.origin), e.g. `card:12`. */
  withOrigin(origin: string): string[] {
    return this.list()
      .filter((a) => !a.builtin && this.manifest(a.id)?.origin === origin)
      .map((a) => a.id);
  }

  /** The bytes of sprite set `id`'s base frame for `emotion`; null when `id` is no stored sprite set or lacks it. */
  spriteFrame(id: string, emotion = 'neutral'): Buffer | null {
    const m = this.manifest(id);
    if (m?.kind !== 'sprites') return null;
    try {
      const set = JSON.parse(readFileSync(path.join(this.dir, id, m.file), 'utf8')) as { emotions?: Record<string, { base?: unknown }> };
      const base = set.emotions?.[emotion]?.base;
      const file = typeof base === 'string' ? this.filePath(id, base) : null;
      return file ? readFileSync(file) : null;
    } catch {
      return null;
    }
  }

  /** The file name of a model to import: .vrm, .glb or .gltf. */
  private checkModelName(fileName: string): void {
    const ext = path.extname(fileName).toLowerCase();
    if (ext !== '.vrm' && ext !== '.glb' && ext !== '.gltf')
      throw fail(`${fileName} is not a .vrm, .glb or .gltf file.`, 'For a sprite set, choose its folder.');
  }

  private tooLarge(fileName: string, size: number): AlisaError {
    return fail(
      `${fileName} is ${(size / 1_000_000).toFixed(1)} MB; avatars may be at most ${Math.round(this.maxImportBytes / 1_000_000)} MB.`,
      'Raise alisa.avatar.maxImportMB, or reduce the model (smaller textures) and export it again.',
    );
  }

  /**
   * A model that came as bytes (the browser UI uploads it): checked and stored as a file import
   * is. `fileName` is the name the user's file had (only its extension and base name are used).
   */
  importBytes(bytes: Buffer, fileName: string, p: Omit<AvatarImportParams, 'path'>): { avatar: AvatarInfo; skipped: string[] } {
    const name = path.basename(fileName.replace(/\\/g, '/')).slice(0, 200) || 'avatar';
    if (p.kind === 'sprites') throw fail('A sprite set is a folder; import it in VS Code with “Alisa: Import Avatar…”.');
    if (p.replaceId !== undefined && !this.manifest(p.replaceId)) throw new AlisaError('not_found', `There is no avatar "${p.replaceId}" to replace.`);
    this.checkModelName(name);
    return this.importModel(bytes, name, { ...p, path: name });
  }

  private importModel(bytes: Buffer, fileName: string, p: AvatarImportParams): { avatar: AvatarInfo; skipped: string[] } {
    // A file may have grown since it was measured.
    if (bytes.byteLength > this.maxImportBytes) throw this.tooLarge(fileName, bytes.byteLength);
    const ext = path.extname(fileName).toLowerCase();
    let model;
    try {
      model = inspectModel(bytes);
    } catch (err) {
      if (err instanceof ModelError) throw fail(`${fileName} cannot be used: ${err.message}`);
      throw err;
    }
    const wants = p.kind ?? 'vrm';
    if (model.kind !== 'vrm' && wants === 'vrm') {
      throw fail(
        `${fileName} is a glTF model without a VRM extension: it has no expressions or humanoid bones, so she could not show emotions or talk with it.`,
        'Convert it to VRM (e.g. with the VRM add-on for Blender or UniVRM), or import it as a plain glTF model.',
      );
    }
    const fileExt = model.container === 'gltf' ? '.gltf' : model.kind === 'vrm' ? '.vrm' : '.glb';
    const files = new Map<string, Buffer>([[`model${fileExt}`, bytes]]);
    const thumb = (model.thumbnail ? makeThumbnail(model.thumbnail) : null) ?? { bytes: drawnThumbnail(model.color), type: 'png' as const };
    files.set(thumbName(thumb), thumb.bytes);
    const avatar = this.store(p, files, {
      name: p.name ?? model.title ?? path.basename(fileName, ext),
      kind: model.kind,
      file: `model${fileExt}`,
      thumbnail: thumbName(thumb),
      sizeBytes: [...files.values()].reduce((n, b) => n + b.byteLength, 0),
      vrmVersion: model.vrmVersion,
      author: model.author,
      licence: model.licence,
      images: model.images.length,
      source: fileName,
      expressions: model.expressions,
    });
    return { avatar, skipped: [] };
  }

  private store(
    p: AvatarImportParams,
    files: Map<string, Buffer>,
    m: Omit<Manifest, 'format' | 'version' | 'id' | 'importedAt' | 'name'> & { name: string },
  ): AvatarInfo {
    const replacing = p.replaceId ?? null;
    const taken = new Set(
      this.list()
        .filter((a) => a.id !== replacing)
        .map((a) => a.name.toLowerCase()),
    );
    const base = m.name.trim().slice(0, 70) || 'Avatar';
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} (${n})`;
    const id = replacing ?? this.newId(name);
    const manifest: Manifest = { format: 'alisa-avatar', version: 1, id, importedAt: Date.now(), ...m, name };
    mkdirSync(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      mkdirSync(tmp);
      for (const [file, data] of files) {
        if (!FILE_NAME.test(file)) throw new Error(`internal: unexpected file name ${file}`);
        writeFileSync(path.join(tmp, file), data);
      }
      writeFileSync(path.join(tmp, 'avatar.json'), JSON.stringify(manifest, null, 2));
      const target = path.join(this.dir, id);
      if (replacing) {
        // Old aside, new in, old gone: a crash in between leaves one of them (and the sweep cleans up).
        const old = path.join(this.dir, `.old-${randomBytes(6).toString('hex')}`);
        renameSync(target, old);
        renameSync(tmp, target);
        rmSync(old, { recursive: true, force: true });
      } else {
        renameSync(tmp, target);
      }
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      throw new AlisaError(
        'internal',
        `The avatar could not be stored in ${this.dir}: ${code === 'ENOSPC' ? 'the disk is full' : (err as Error).message}.`,
        code === 'ENOSPC' ? 'Free some disk space and import it again.' : 'Check that the data folder can be written to.',
        { cause: err },
      );
    }
    this.log(`avatars: stored "${name}" (${m.kind}, ${m.sizeBytes} bytes) as ${id}${replacing ? ', replacing the old one' : ''}`);
    return this.info(manifest);
  }

  private newId(name: string): string {
    const slug =
      name
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40) || 'avatar';
    for (;;) {
      const id = `${slug}-${randomBytes(3).toString('hex')}`;
      if (!this.exists(id)) return id;
    }
  }

  private exists(id: string): boolean {
    try {
      statSync(path.join(this.dir, id));
      return true;
    } catch {
      return false;
    }
  }

  /** Deletes stored avatar `id` (its folder); the built-in one cannot be deleted. */
  delete(id: string): void {
    if (id === BUILTIN_AVATAR_ID) throw new AlisaError('forbidden', 'The built-in Alisa avatar cannot be deleted.');
    if (!this.manifest(id)) throw new AlisaError('not_found', `There is no avatar "${id}".`, 'Reload the list of avatars.');
    // Renamed first, so a half-deleted folder is never listed.
    const gone = path.join(this.dir, `.old-${randomBytes(6).toString('hex')}`);
    renameSync(path.join(this.dir, id), gone);
    rmSync(gone, { recursive: true, force: true });
    this.log(`avatars: deleted ${id}`);
  }

  /**
   * The absolute path of stored file `file` of avatar `id`, or null: only names the store writes
   * (no separators, no dots but the extension's), only in an avatar's own folder.
   */
  filePath(id: string, file: string): string | null {
    if (!AVATAR_ID_PATTERN.test(id) || !FILE_NAME.test(file) || file === 'avatar.json') return null;
    const full = path.resolve(this.dir, id, file);
    return path.dirname(path.dirname(full)) === path.resolve(this.dir) ? full : null;
  }

  private writeAtomic(file: string, text: string): void {
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
}
