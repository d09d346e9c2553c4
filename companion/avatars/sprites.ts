// Reads a sprite set from a folder: one PNG per emotion (as the original Alisa's layered PNGs),
// with optional blink and mouth frames, and an optional manifest.json naming the files. Every frame
// is decoded (a damaged PNG is refused, not shown broken later) and must have the neutral frame's
// size, since the renderer lays blink and mouth frames over the base. Names it understands:
//   neutral.png (required), happy.png, calm.png, ... (Alisa's emotions)
//   blink.png, mouth-1.png, mouth-2.png ...        (for every emotion)
//   happy-blink.png, happy-mouth-1.png ...        (one emotion's own; `_` works as well as `-`)
// manifest.json (optional): { "name": "...", "frames": { "happy": "smile.png", "happy.blink": "...", "mouth.1": "..." } }
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { EMOTIONS, SpriteManifest } from '../../protocol';
import { decodePng, imageInfo } from './images';
import { ModelError } from './gltf';

export const SPRITE_LIMITS = {
  /** Files in the folder that are frames. */
  frames: 64,
  /** Pixels on either side of a frame. */
  edge: 4096,
} as const;

export interface ReadSprites {
  name: string | null;
  /** What the stored `sprites.json` says (protocol/avatar.ts); frame names are files beside it. */
  set: SpriteManifest;
  /** Stored file name -> bytes. */
  files: Map<string, Buffer>;
  skipped: string[];
  bytes: number;
}

/** A frame key: `happy`, `happy.blink`, `happy.mouth.2`, `blink`, `mouth.1`. */
const NAME = new RegExp(`^(?:(${EMOTIONS.join('|')})(?:[-_.](blink|mouth[-_.]?(\\d{1,2})))?|(blink)|mouth[-_.]?(\\d{1,2}))\\.png$`, 'i');

function keyOf(file: string): string | null {
  const m = NAME.exec(file);
  if (!m) return null;
  if (m[4]) return 'blink';
  if (m[5]) return `mouth.${Number(m[5])}`;
  const emotion = m[1]!.toLowerCase();
  if (!m[2]) return emotion;
  return m[3] ? `${emotion}.mouth.${Number(m[3])}` : `${emotion}.blink`;
}

function readManifest(dir: string): { name: string | null; frames: Record<string, string> } | null {
  const file = path.join(dir, 'manifest.json');
  let text: string;
  try {
    // A manifest names a few files: anything larger is not one.
    if (statSync(file).size > 100_000) throw new ModelError('Its manifest.json is over 100 kB; it is not a sprite manifest.');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ModelError) throw err;
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`Its manifest.json does not parse (${(err as Error).message}).`);
  }
  if (typeof json !== 'object' || json === null) throw new ModelError('Its manifest.json is not an object.');
  const m = json as { name?: unknown; frames?: unknown };
  const frames: Record<string, string> = {};
  if (m.frames !== undefined) {
    if (typeof m.frames !== 'object' || m.frames === null) throw new ModelError('The "frames" of its manifest.json is not an object.');
    for (const [key, value] of Object.entries(m.frames)) {
      if (typeof value !== 'string' || path.basename(value) !== value || !value.toLowerCase().endsWith('.png')) {
        throw new ModelError(`Its manifest.json names "${String(value)}" for ${key}: frames must be PNG files in the same folder.`);
      }
      frames[key] = value;
    }
  }
  return { name: typeof m.name === 'string' && m.name.trim() ? m.name.trim().slice(0, 80) : null, frames };
}

/** Reads and checks the sprite folder `dir`; throws ModelError with the reason. */
export function readSpriteFolder(dir: string, maxBytes: number): ReadSprites {
  const manifest = readManifest(dir);
  const entries = readdirSync(dir, { withFileTypes: true });
  const skipped: string[] = [];
  // key -> file in the folder
  const chosen = new Map<string, string>();
  for (const e of entries) {
    if (!e.isFile() || e.name === 'manifest.json') continue;
    const key = keyOf(e.name);
    if (key) chosen.set(key, e.name);
    else skipped.push(`${e.name}: not a frame name Alisa knows (${EMOTIONS.join(', ')}, blink, mouth-1 …)`);
  }
  for (const [key, file] of Object.entries(manifest?.frames ?? {})) {
    const k = key.toLowerCase();
    if (!keyOf(`${k.replace(/\./g, '-')}.png`)) throw new ModelError(`Its manifest.json names a frame "${key}" that Alisa does not know.`);
    chosen.set(keyOf(`${k.replace(/\./g, '-')}.png`)!, file);
  }
  checkFrameKeys(chosen, 'The folder');

  // Sizes are added up before each read: a folder of huge files is refused without loading them.
  const frames = new Map<string, { file: string; data: Buffer }>();
  let bytes = 0;
  for (const key of frameOrder(chosen)) {
    const file = chosen.get(key)!;
    const full = path.join(dir, file);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      throw new ModelError(`The frame ${file} is not in the folder.`);
    }
    bytes += stat.size;
    if (bytes > maxBytes) throw new ModelError(`The sprite set is over the import limit of ${Math.round(maxBytes / 1_000_000)} MB (alisa.avatar.maxImportMB).`);
    frames.set(key, { file, data: readFileSync(full) });
  }
  return { name: manifest?.name ?? null, ...spriteSetFromFrames(frames, skipped), bytes };
}

/** A set needs its neutral frame, and has at most SPRITE_LIMITS.frames. */
function checkFrameKeys(keys: Map<string, unknown>, what: string): void {
  if (!keys.has('neutral')) throw new ModelError(`${what} has no neutral.png: a sprite set needs at least the neutral frame (${EMOTIONS.join(', ')}).`);
  if (keys.size > SPRITE_LIMITS.frames) throw new ModelError(`${what} has ${keys.size} frames; at most ${SPRITE_LIMITS.frames} are allowed.`);
}

/** Neutral first (its size is the one the others must have), then the rest in a stable order. */
const frameOrder = (keys: Map<string, unknown>) => ['neutral', ...[...keys.keys()].filter((k) => k !== 'neutral').sort()];

/**
 * Checks frames already in memory (frame key -> the file it came from and its bytes) and makes the
 * set: every frame decoded, within SPRITE_LIMITS, all of the neutral frame's size. The folder import
 * and a character card's image (one neutral frame) both come through here. Throws ModelError.
 */
export function spriteSetFromFrames(
  frames: Map<string, { file: string; data: Buffer }>,
  skipped: string[] = [],
): Pick<ReadSprites, 'set' | 'files' | 'skipped'> {
  checkFrameKeys(frames, 'The sprite set');
  const files = new Map<string, Buffer>();
  let size: { width: number; height: number } | null = null;
  for (const key of frameOrder(frames)) {
    const { file, data } = frames.get(key)!;
    // Measured from its header before decoding: a small file may unpack into a huge bitmap.
    const head = imageInfo(data);
    if (head && (head.width > SPRITE_LIMITS.edge || head.height > SPRITE_LIMITS.edge)) {
      throw new ModelError(`The frame ${file} is ${head.width}×${head.height} pixels; at most ${SPRITE_LIMITS.edge}×${SPRITE_LIMITS.edge} is allowed.`);
    }
    let png;
    try {
      png = decodePng(data);
    } catch (err) {
      throw new ModelError(`The frame ${file}: ${(err as Error).message}.`);
    }
    if (size && (png.width !== size.width || png.height !== size.height)) {
      throw new ModelError(
        `The frame ${file} is ${png.width}×${png.height} pixels but neutral is ${size.width}×${size.height}: every frame must have the same size, since they are layered.`,
      );
    }
    size ??= { width: png.width, height: png.height };
    files.set(`${key.replace(/\./g, '-')}.png`, data);
  }
  const emotions: Record<string, { base: string; blink?: string; mouth?: string[] }> = {};
  const mouthFrames = (prefix: string) =>
    [...files.keys()].filter((f) => f.startsWith(prefix)).sort((a, b) => Number(/(\d+)\.png$/.exec(a)![1]) - Number(/(\d+)\.png$/.exec(b)![1]));
  for (const emotion of EMOTIONS) {
    if (!files.has(`${emotion}.png`)) continue;
    const entry: { base: string; blink?: string; mouth?: string[] } = { base: `${emotion}.png` };
    if (files.has(`${emotion}-blink.png`)) entry.blink = `${emotion}-blink.png`;
    const mouth = mouthFrames(`${emotion}-mouth-`);
    if (mouth.length) entry.mouth = mouth;
    emotions[emotion] = entry;
  }
  const mouth = mouthFrames('mouth-');
  const checked = SpriteManifest.safeParse({
    format: 'alisa-sprites',
    version: 1,
    width: size!.width,
    height: size!.height,
    emotions,
    ...(files.has('blink.png') ? { blink: 'blink.png' } : {}),
    ...(mouth.length ? { mouth } : {}),
  });
  // The reader's names always fit the manifest's; what can fail is a count (at most 8 mouth frames).
  if (!checked.success)
    throw new ModelError(`It does not make a sprite set Alisa can show (${checked.error.issues[0]?.path.join('.')}: ${checked.error.issues[0]?.message}).`);
  const set = checked.data;
  // A per-emotion frame of an emotion that has no base of its own is not used.
  for (const f of files.keys()) {
    const m = /^([a-z]+)-(?:blink|mouth-\d+)\.png$/.exec(f);
    if (m && !files.has(`${m[1]}.png`)) {
      files.delete(f);
      skipped.push(`${frames.get(f.replace(/-/g, '.').replace(/\.png$/, ''))?.file ?? f}: there is no ${m[1]}.png for it`);
    }
  }
  return { set, files, skipped };
}
