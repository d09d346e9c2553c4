// A tiny Piper-shaped VITS voice for sherpa-onnx, written here (no voice can be downloaded on this
// machine): a real ONNX model with sherpa-onnx's Piper metadata (comment "piper", sample_rate,
// n_speakers, language, voice) and Piper's inputs (input int64 [1, N], input_lengths [1],
// scales float [3]). Its graph does not speak: it repeats a short tone once per phoneme id it
// receives (Tile of a 440 Hz wave by N), so the audio is longer for longer text. Everything
// around the model is real: the npm sherpa-onnx-node runtime, its espeak-ng phonemizer (with
// the espeak-ng-data of the system's espeak-ng, copied), tokens.txt, the child process, the WAV.
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// ---- minimal protobuf writer (ONNX's messages are protobuf)
type Field = Buffer;
function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, n: number | bigint): Field => Buffer.concat([key(field, 0), varint(n)]);
const bytes = (field: number, data: Buffer | string): Field => {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([key(field, 2), varint(b.length), b]);
};
const msg = (field: number, ...parts: Field[]): Field => bytes(field, Buffer.concat(parts));

const FLOAT = 1;
const INT64 = 7;

/** ValueInfoProto: name, tensor type with a shape of fixed sizes or named dims. */
function valueInfo(field: number, name: string, elemType: number, dims: Array<number | string>): Field {
  const shape = dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : bytes(2, d)));
  return msg(field, bytes(1, name), msg(2, msg(1, int(1, elemType), msg(2, ...shape))));
}

function tensor(field: number, name: string, elemType: number, dims: number[], raw: Buffer): Field {
  return msg(field, ...dims.map((d) => int(1, d)), int(2, elemType), bytes(8, name), bytes(9, raw));
}

function int64s(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigInt64LE(BigInt(v), i * 8));
  return b;
}

function node(op: string, inputs: string[], outputs: string[], attrs: Field[] = []): Field {
  return msg(1, ...inputs.map((i) => bytes(1, i)), ...outputs.map((o) => bytes(2, o)), bytes(3, `${op}_${outputs[0]}`), bytes(4, op), ...attrs);
}

/** AttributeProto INT. */
const intAttr = (name: string, value: number): Field => msg(5, bytes(1, name), int(20, 2), int(3, value));

export const TINY_VITS_RATE = 16000;
/** Samples of tone per phoneme id. */
export const TINY_VITS_SAMPLES_PER_ID = 800;

export function tinyVitsModel(): Buffer {
  const wave = Buffer.alloc(TINY_VITS_SAMPLES_PER_ID * 4);
  for (let i = 0; i < TINY_VITS_SAMPLES_PER_ID; i++) wave.writeFloatLE(0.5 * Math.sin((2 * Math.PI * 440 * i) / TINY_VITS_RATE), i * 4);
  const graph = Buffer.concat([
    node('Shape', ['input'], ['in_shape']),
    node('Slice', ['in_shape', 'one', 'two', 'zero'], ['n']),
    node('Concat', ['one_one', 'n'], ['repeats'], [intAttr('axis', 0)]),
    node('Tile', ['wave', 'repeats'], ['output']),
    bytes(2, 'tiny_vits'),
    tensor(5, 'wave', FLOAT, [1, 1, TINY_VITS_SAMPLES_PER_ID], wave),
    tensor(5, 'zero', INT64, [1], int64s([0])),
    tensor(5, 'one', INT64, [1], int64s([1])),
    tensor(5, 'two', INT64, [1], int64s([2])),
    tensor(5, 'one_one', INT64, [2], int64s([1, 1])),
    valueInfo(11, 'input', INT64, [1, 'N']),
    valueInfo(11, 'input_lengths', INT64, [1]),
    valueInfo(11, 'scales', FLOAT, [3]),
    valueInfo(12, 'output', FLOAT, [1, 1, 'T']),
  ]);
  const meta = (k: string, v: string) => msg(14, bytes(1, k), bytes(2, v));
  return Buffer.concat([
    int(1, 8), // ir_version
    bytes(2, 'alisa-tests'),
    msg(7, graph),
    msg(8, bytes(1, ''), int(2, 13)), // opset 13
    meta('model_type', 'vits'),
    meta('comment', 'piper'),
    meta('language', 'English'),
    meta('voice', 'en-us'),
    meta('has_espeak', '1'),
    meta('n_speakers', '1'),
    meta('sample_rate', String(TINY_VITS_RATE)),
  ]);
}

/** Piper's phoneme symbols: the pad, start and end marks, space, punctuation and IPA letters. */
const SYMBOLS = [
  '_',
  '^',
  '$',
  ' ',
  '!',
  "'",
  '(',
  ')',
  ',',
  '-',
  '.',
  ':',
  ';',
  '?',
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'æçðøħŋœǀǁǂǃɐɑɒɓɔɕɖɗɘəɚɛɜɞɟɠɡɢɣɤɥɦɧɨɪɫɬɭɮɯɰɱɲɳɴɵɶɸɹɺɻɽɾʀʁʂʃʄʈʉʊʋʌʍʎʏʐʑʒʔʕʘʙʛʜʝʟʡʢʲˈˌːˑ˞βθχᵻⱱ',
];

/** Where the system's espeak-ng keeps its data, or null when espeak-ng is not installed. */
export function systemEspeakData(): string | null {
  for (const p of [
    '/usr/lib/x86_64-linux-gnu/espeak-ng-data',
    '/usr/lib/aarch64-linux-gnu/espeak-ng-data',
    '/usr/share/espeak-ng-data',
    '/usr/local/share/espeak-ng-data',
    '/opt/homebrew/share/espeak-ng-data',
  ]) {
    if (existsSync(path.join(p, 'phontab'))) return p;
  }
  return null;
}

/** Writes the voice folder (vits-piper-en_US-tiny-low/) under `parent`; null without espeak-ng data. */
export function writeTinyVoice(parent: string): string | null {
  const data = systemEspeakData();
  if (!data) return null;
  const dir = path.join(parent, 'vits-piper-en_US-tiny-low');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'en_US-tiny-low.onnx'), tinyVitsModel());
  writeFileSync(path.join(dir, 'tokens.txt'), SYMBOLS.map((s, i) => `${s} ${i}`).join('\n') + '\n');
  // English only (2 MB of 13): the phoneme tables, the English dictionary, languages and voices.
  cpSync(data, path.join(dir, 'espeak-ng-data'), {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = path.relative(data, src);
      return !(/_dict$/.test(rel) && rel !== 'en_dict') && !rel.startsWith('mbrola');
    },
  });
  return dir;
}
