// Character cards the way companion users share them (issue 18): SillyTavern's Character Card V2
// (`spec: 'chara_card_v2'`) and V3 (`'chara_card_v3'`), and the older flat V1 JSON, as a JSON file or
// inside a PNG (a tEXt chunk `chara` holding base64 JSON, V2; `ccv3` holding V3; SillyTavern writes
// both and prefers `ccv3` when reading, and so does this).
//
// What is imported is kept verbatim (every field, extensions and unknown ones included) so that
// import -> export -> import gives back the same card; Alisa's own columns (name, persona, greeting,
// voice) are what she uses and what the user edits, and export writes those edits back into it.
// Everything here is pure (bytes in, bytes out); character-card-service.ts reads and writes files.
import zlib from 'node:zlib';
import { AlisaError } from '../errors';

/** Limits: a real card is a few hundred kB (a lorebook makes it bigger); these leave room and stop abuse. */
export const CARD_LIMITS = {
  /** A card file (PNG or JSON). */
  fileBytes: 20 * 1024 * 1024,
  /** The card's JSON text (after base64 decoding). */
  jsonChars: 4 * 1024 * 1024,
  /** Nesting of the card's JSON (extensions and lorebooks nest; nothing real goes past a dozen). */
  jsonDepth: 48,
  /** One text field of the card. */
  fieldChars: 100_000,
  /** The persona Alisa composes from it (protocol character.create / update allow as much). */
  personaChars: 60_000,
  /** Her greeting (first_mes). */
  greetingChars: 20_000,
  /** The name (character names are one line; longer ones are cut to 80 like the form does). */
  nameChars: 200,
} as const;

export type CardSpec = 'chara_card_v2' | 'chara_card_v3';

/** A card as Alisa keeps it: V1 is lifted into V2's shape; any other top-level field stays. */
export interface StoredCard {
  spec: CardSpec;
  spec_version: string;
  data: Record<string, unknown>;
  [other: string]: unknown;
}

export interface ParsedCard {
  card: StoredCard;
  /** The PNG's image without the card chunks (her portrait); null for a JSON card. */
  image: Buffer | null;
}

/** What the card means to Alisa's character columns. */
export interface MappedCharacter {
  name: string;
  systemPrompt: string;
  greeting: string | null;
  /** extensions.alisa.voice; undefined: the card says nothing (an existing character keeps hers). */
  voice: string | null | undefined;
}

const STRING_FIELDS = [
  'name',
  'description',
  'personality',
  'scenario',
  'first_mes',
  'mes_example',
  'creator_notes',
  'system_prompt',
  'post_history_instructions',
  'creator',
  'character_version',
  'nickname',
] as const;
const STRING_LIST_FIELDS = ['alternate_greetings', 'tags', 'group_only_greetings'] as const;

function bad(message: string, action = 'Check that the file is a SillyTavern character card (V2 or V3, PNG or JSON).'): AlisaError {
  return new AlisaError('invalid_argument', message, action);
}

// ---- PNG ----

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CARD_KEYWORDS = new Set(['chara', 'ccv3']);

export function isPng(bytes: Buffer): boolean {
  return bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE);
}

// zlib.crc32 only exists from Node 20.15 / 22.2; the companion may run on an older runtime, where
// this table does it (30 to 70 times slower on a 2 MB card: bench/character-cards-bench.ts).
const nativeCrc = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(...parts: Buffer[]): number {
  if (nativeCrc) return parts.reduce((crc, part) => nativeCrc(part, crc), 0);
  return tableCrc32(...parts);
}

/** The table CRC (exported for the bench and the test that holds it to zlib's). */
export function tableCrc32(...parts: Buffer[]): number {
  let c = 0xffffffff;
  for (const part of parts) for (const byte of part) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface PngChunk {
  type: string;
  data: Buffer;
  /** The whole chunk (length, type, data, CRC), to copy unchanged. */
  raw: Buffer;
}

/** The PNG's chunks up to IEND, each CRC-checked: a truncated or corrupted file is refused, not half read. */
export function readPngChunks(png: Buffer): PngChunk[] {
  if (!isPng(png)) throw bad('The file is not a PNG image (its first bytes are not the PNG signature).');
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < png.length) {
    if (at + 12 > png.length) throw bad('The PNG is cut short (a chunk header runs past the end of the file).');
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (!/^[A-Za-z]{4}$/.test(type) || end > png.length) throw bad(`The PNG is damaged or cut short (chunk ${JSON.stringify(type)} at byte ${at}).`);
    const data = png.subarray(at + 8, at + 8 + length);
    if (crc32(png.subarray(at + 4, at + 8), data) !== png.readUInt32BE(at + 8 + length)) {
      throw bad(`The PNG's ${JSON.stringify(type)} chunk is damaged (its checksum does not match).`);
    }
    chunks.push({ type, data, raw: png.subarray(at, end) });
    at = end;
    if (type === 'IEND') return chunks;
  }
  throw bad('The PNG is cut short (it has no IEND chunk).');
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(head.subarray(4), data));
  return Buffer.concat([head, data, crc]);
}

/** A tEXt chunk's keyword (before the NUL) and text; null for one without a NUL. */
function textChunk(data: Buffer): { keyword: string; text: string } | null {
  const nul = data.indexOf(0);
  if (nul < 1) return null;
  return { keyword: data.toString('latin1', 0, nul), text: data.toString('latin1', nul + 1) };
}

const isCardChunk = (c: PngChunk) => c.type === 'tEXt' && CARD_KEYWORDS.has(textChunk(c.data)?.keyword.toLowerCase() ?? '');

/** The PNG with `chara` and `ccv3` replaced by these (SillyTavern writes both: older readers know only `chara`). */
export function pngWithCard(png: Buffer, v2Json: string, v3Json: string): Buffer {
  const chunks = readPngChunks(png).filter((c) => !isCardChunk(c));
  const text = (keyword: string, json: string) =>
    chunk('tEXt', Buffer.concat([Buffer.from(`${keyword}\0`, 'latin1'), Buffer.from(Buffer.from(json, 'utf8').toString('base64'), 'latin1')]));
  const iend = chunks.pop()!;
  return Buffer.concat([PNG_SIGNATURE, ...chunks.map((c) => c.raw), text('chara', v2Json), text('ccv3', v3Json), iend.raw]);
}

/** A plain square PNG (her colour), for exporting a character that has no image of her own. */
export function placeholderPng(size = 64, rgb: [number, number, number] = [0xd9, 0x6b, 0x8a]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = Buffer.alloc(1 + size * 3);
  for (let x = 0; x < size; x++) row.set(rgb, 1 + x * 3);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64: Buffer.from silently skips what it does not know, which would hide a damaged card. */
export function decodeBase64(text: string, what: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 4 === 1 || !BASE64.test(clean)) throw bad(`${what} is not valid base64.`);
  return Buffer.from(clean, 'base64');
}

function cardFromPng(png: Buffer): ParsedCard {
  const chunks = readPngChunks(png);
  const found = new Map<string, string>();
  for (const c of chunks) {
    const t = c.type === 'tEXt' ? textChunk(c.data) : null;
    const keyword = t?.keyword.toLowerCase();
    if (t && keyword && CARD_KEYWORDS.has(keyword) && !found.has(keyword)) found.set(keyword, t.text);
  }
  const keyword = found.has('ccv3') ? 'ccv3' : found.has('chara') ? 'chara' : null;
  if (!keyword) throw bad('The PNG holds no character card (it has no `chara` or `ccv3` text chunk).', 'Choose a character card PNG, or a card JSON file.');
  const json = decodeBase64(found.get(keyword)!, `The PNG's \`${keyword}\` chunk`);
  if (json.length > CARD_LIMITS.jsonChars) throw bad(`The card in the PNG is ${json.length} bytes; the limit is ${CARD_LIMITS.jsonChars}.`);
  const card = cardFromJson(json.toString('utf8'), `The PNG's \`${keyword}\` chunk`);
  const image = Buffer.concat([PNG_SIGNATURE, ...chunks.filter((c) => !isCardChunk(c)).map((c) => c.raw)]);
  return { card, image };
}

// ---- JSON ----

function depthOf(value: unknown): number {
  // Iterative: a hostile card must not be able to overflow the stack of the check itself.
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > CARD_LIMITS.jsonDepth) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The card in `text`, checked and lifted into V2/V3 shape; `what` names where it came from in errors. */
export function cardFromJson(text: string, what = 'The card'): StoredCard {
  if (text.length > CARD_LIMITS.jsonChars) throw bad(`${what} is ${text.length} characters of JSON; the limit is ${CARD_LIMITS.jsonChars}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw bad(`${what} is not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
  if (!isObject(parsed)) throw bad(`${what} is not a JSON object.`);
  if (depthOf(parsed) > CARD_LIMITS.jsonDepth) throw bad(`${what} nests deeper than ${CARD_LIMITS.jsonDepth} levels.`);
  let card: StoredCard;
  if (parsed.spec === 'chara_card_v2' || parsed.spec === 'chara_card_v3') {
    if (!isObject(parsed.data)) throw bad(`${what} says ${parsed.spec} but has no \`data\` object.`);
    card = {
      ...parsed,
      spec: parsed.spec,
      spec_version: typeof parsed.spec_version === 'string' ? parsed.spec_version : parsed.spec === 'chara_card_v3' ? '3.0' : '2.0',
      data: parsed.data,
    };
  } else if (parsed.spec === undefined && typeof parsed.name === 'string') {
    // V1: the fields at the top level. Lifted into V2's `data` (all of them, unknown ones too).
    card = { spec: 'chara_card_v2', spec_version: '2.0', data: parsed };
  } else {
    throw bad(
      `${what} is not a character card this version reads (spec ${JSON.stringify(parsed.spec ?? null)}).`,
      'Alisa reads chara_card_v2 and chara_card_v3 cards, and V1 JSON with a top-level name.',
    );
  }
  checkData(card.data, what);
  return card;
}

function checkData(data: Record<string, unknown>, what: string): void {
  for (const field of STRING_FIELDS) {
    const v = data[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw bad(`${what}: the field \`${field}\` is not text.`);
    if (v.length > CARD_LIMITS.fieldChars) throw bad(`${what}: the field \`${field}\` is ${v.length} characters; the limit is ${CARD_LIMITS.fieldChars}.`);
  }
  for (const field of STRING_LIST_FIELDS) {
    const v = data[field];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(`${what}: the field \`${field}\` is not a list of texts.`);
    if (v.some((x: string) => x.length > CARD_LIMITS.fieldChars))
      throw bad(`${what}: an entry of \`${field}\` is longer than ${CARD_LIMITS.fieldChars} characters.`);
  }
  if (data.extensions !== undefined && !isObject(data.extensions)) throw bad(`${what}: the field \`extensions\` is not an object.`);
  const name = typeof data.name === 'string' ? data.name.trim() : '';
  if (name === '') throw bad(`${what} has no name.`, 'A character card needs a name (data.name).');
  if (name.length > CARD_LIMITS.nameChars) throw bad(`${what}: the name is ${name.length} characters; the limit is ${CARD_LIMITS.nameChars}.`);
}

/** A card file's bytes: PNG (by its signature) or JSON text. */
export function parseCard(bytes: Buffer): ParsedCard {
  if (bytes.length === 0) throw bad('The card file is empty.');
  if (bytes.length > CARD_LIMITS.fileBytes) {
    throw bad(`The card file is ${(bytes.length / 1048576).toFixed(1)} MB; the limit is ${CARD_LIMITS.fileBytes / 1048576} MB.`, 'Choose a smaller card.');
  }
  if (isPng(bytes)) return cardFromPng(bytes);
  return { card: cardFromJson(bytes.toString('utf8'), 'The card file'), image: null };
}

// ---- mapping onto Alisa's character ----

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
/** The card's name as Alisa keeps it (one line, at most 80 characters, as the store's cleanName). */
const cardName = (data: Record<string, unknown>) => [...str(data.name).replace(/\s+/g, ' ')].slice(0, 80).join('');

/**
 * The persona Alisa's prompt builder uses, composed from the card as SillyTavern orders it: the
 * card's system prompt (its `{{original}}` is Alisa's own frame, which the builder adds anyway), the
 * description, personality, scenario, the example dialogue (marked as examples, `<START>`
 * separators dropped) and the post-history instructions. `{{char}}` and `{{user}}` stay: expandMacros resolves them per prompt.
 */
export function composePersona(data: Record<string, unknown>): string {
  const parts: string[] = [];
  const system = str(data.system_prompt)
    .replace(/\{\{original\}\}/gi, '')
    .trim();
  if (system) parts.push(system);
  if (str(data.description)) parts.push(str(data.description));
  if (str(data.personality)) parts.push(`{{char}}'s personality: ${str(data.personality)}`);
  if (str(data.scenario)) parts.push(`Scenario: ${str(data.scenario)}`);
  const examples = str(data.mes_example)
    .split('\n')
    .filter((line) => line.trim().toUpperCase() !== '<START>')
    .join('\n')
    .trim();
  if (examples) parts.push(`Examples of how {{char}} talks (not part of this chat):\n${examples}`);
  // SillyTavern sends these after the chat; Alisa's prompt has one system message: they close it.
  const post = str(data.post_history_instructions)
    .replace(/\{\{original\}\}/gi, '')
    .trim();
  if (post) parts.push(post);
  return parts.length > 0 ? parts.join('\n\n') : 'You are {{char}}.';
}

function alisaExtension(data: Record<string, unknown>): Record<string, unknown> | null {
  const ext = isObject(data.extensions) ? data.extensions : null;
  return ext && isObject(ext.alisa) ? ext.alisa : null;
}

export function mapCard(card: StoredCard): MappedCharacter {
  const data = card.data;
  const systemPrompt = composePersona(data);
  if (systemPrompt.length > CARD_LIMITS.personaChars) {
    throw bad(
      `The card's persona (description, personality, scenario, system prompt and examples) is ${systemPrompt.length} characters; the limit is ${CARD_LIMITS.personaChars}.`,
      'Shorten the card in its editor and import it again.',
    );
  }
  const greeting = str(data.first_mes);
  if (greeting.length > CARD_LIMITS.greetingChars)
    throw bad(`The card's first message is ${greeting.length} characters; the limit is ${CARD_LIMITS.greetingChars}.`);
  const voice = alisaExtension(data)?.voice;
  return {
    name: cardName(data),
    systemPrompt,
    greeting: greeting || null,
    voice: typeof voice === 'string' && voice.trim() ? voice.trim() : voice === null ? null : undefined,
  };
}

/** What export needs of the character (protocol Character's fields). */
export interface ExportableCharacter {
  name: string;
  systemPrompt: string;
  greeting?: string | null;
  voice: string | null;
}

/**
 * The card to export: the stored one (or a new V2 card for a character made here) with the user's
 * edits written back. An unedited imported character gives back exactly what was imported. An
 * edited persona cannot be split back into description, personality and scenario: it becomes the
 * description, and the fields it was composed from are emptied (they are in it).
 */
export function cardForExport(c: ExportableCharacter, stored: StoredCard | null): StoredCard {
  const card: StoredCard = stored
    ? structuredClone(stored)
    : { spec: 'chara_card_v2', spec_version: '2.0', data: { name: c.name, description: '', personality: '', scenario: '', first_mes: '', mes_example: '' } };
  const data = card.data;
  if (c.name !== cardName(data)) data.name = c.name;
  if ((c.greeting ?? '') !== str(data.first_mes)) data.first_mes = c.greeting ?? '';
  if (c.systemPrompt !== composePersona(data)) {
    data.description = c.systemPrompt;
    for (const field of ['personality', 'scenario', 'mes_example', 'system_prompt', 'post_history_instructions'])
      if (typeof data[field] === 'string') data[field] = '';
  }
  if (c.voice !== (alisaExtension(data)?.voice ?? null)) {
    if (!isObject(data.extensions)) data.extensions = {};
    const ext = data.extensions as Record<string, unknown>;
    if (!isObject(ext.alisa)) ext.alisa = {};
    (ext.alisa as Record<string, unknown>).voice = c.voice;
  }
  return card;
}

/** The card as V2 and as V3 JSON (the PNG carries both; a JSON export is in the card's own spec). */
export function cardJson(card: StoredCard, spec: CardSpec = card.spec): string {
  const version = spec === card.spec ? card.spec_version : spec === 'chara_card_v3' ? '3.0' : '2.0';
  return JSON.stringify({ ...card, spec, spec_version: version });
}

/** A file name for the export: the name without what file systems refuse. */
export function cardFileName(name: string, format: 'json' | 'png'): string {
  const base =
    name
      .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 80) || 'character';
  return `${base}.${format}`;
}
