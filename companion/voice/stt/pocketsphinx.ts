// CMU pocketsphinx (Debian/Ubuntu: `apt install pocketsphinx pocketsphinx-en-us`) through its
// `pocketsphinx_continuous` tool: the PCM goes to a temporary 16 kHz WAV, the grammar (JSGF) to a
// file beside it, both removed afterwards. With the built-in command grammar it is exact and fast
// (~0.3 s); without a grammar (free dictation with the en-us language model) it is poor.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EngineState } from '../../../protocol';
import { AlisaError } from '../../errors';
import { findExecutable } from '../recorder';
import { findSpeech } from '../vad';
import { asInt16, encodeWav } from '../wav-io';
import type { SttEngine, Transcript } from './types';

export const POCKETSPHINX_INSTALL = 'Install pocketsphinx and pocketsphinx-en-us (apt install pocketsphinx pocketsphinx-en-us).';
const MODEL_DIRS = ['/usr/share/pocketsphinx/model/en-us', '/usr/local/share/pocketsphinx/model/en-us'];

interface PocketsphinxOptions {
  /** A JSGF grammar: only its phrases can come out (or nothing). Null: free dictation. */
  grammar?: string | null;
  /** Extra pronunciations for the grammar words ("word(2) PH O N E S"); the dictionary then holds only those words. */
  pronunciations?: readonly string[];
  binary?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export class PocketsphinxEngine implements SttEngine {
  readonly id = 'pocketsphinx' as const;
  constructor(private readonly opts: PocketsphinxOptions = {}) {}

  private binary(): string | null {
    return this.opts.binary ?? findExecutable('pocketsphinx_continuous', this.opts.env ?? process.env);
  }

  private dict: string | null | undefined;

  /** The grammar's words from the system en-us dictionary plus `pronunciations`, or null. */
  private dictionary(): string | null {
    if (this.dict !== undefined) return this.dict;
    this.dict = null;
    if (!this.opts.grammar || !this.opts.pronunciations?.length) return null;
    const file = MODEL_DIRS.map((d) => path.join(d, 'cmudict-en-us.dict')).find((f) => existsSync(f));
    if (!file) return null;
    const body = this.opts.grammar
      .split('\n')
      .filter((l) => !l.startsWith('#') && !l.startsWith('grammar'))
      .join(' ');
    const words = new Set(body.replace(/<[^>]*>|public/g, ' ').match(/[a-z']+/g) ?? []);
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => words.has(l.split(' ')[0]!.replace(/\(\d+\)$/, '')));
    const have = new Set(lines.map((l) => l.split(' ')[0]!.replace(/\(\d+\)$/, '')));
    // A word missing from the system dictionary would make pocketsphinx drop the grammar.
    if ([...words].some((w) => !have.has(w))) return null;
    this.dict = [...lines, ...this.opts.pronunciations].join('\n') + '\n';
    return this.dict;
  }

  async available(): Promise<EngineState> {
    if (!this.binary()) return { id: this.id, available: false, reason: `pocketsphinx_continuous is not installed. ${POCKETSPHINX_INSTALL}` };
    if (process.platform === 'linux' && !MODEL_DIRS.some((d) => existsSync(path.join(d, 'mdef')) || existsSync(path.join(d, 'en-us')))) {
      return { id: this.id, available: false, reason: `The pocketsphinx English model is missing. ${POCKETSPHINX_INSTALL}` };
    }
    return { id: this.id, available: true, reason: null };
  }

  async transcribe(pcm16k: Int16Array | Buffer, opts: { signal?: AbortSignal } = {}): Promise<Transcript> {
    const bin = this.binary();
    if (!bin) throw new AlisaError('voice_unavailable', 'pocketsphinx_continuous is not installed.', POCKETSPHINX_INSTALL);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'alisa-stt-'));
    try {
      const wav = path.join(dir, 'speech.wav');
      await writeFile(wav, encodeWav(dither(asInt16(pcm16k))));
      const args = ['-infile', wav, '-logfn', os.platform() === 'win32' ? 'NUL' : '/dev/null'];
      if (this.opts.grammar) {
        const gram = path.join(dir, 'commands.gram');
        await writeFile(gram, this.opts.grammar);
        args.push('-jsgf', gram, '-time', 'yes');
        const dict = this.dictionary();
        if (dict) {
          await writeFile(path.join(dir, 'commands.dict'), dict);
          args.push('-dict', path.join(dir, 'commands.dict'));
        }
      }
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(bin, args, { timeout: this.opts.timeoutMs ?? 30_000, signal: opts.signal, maxBuffer: 1 << 20 }, (err, out) => {
          if (err) reject(new AlisaError('voice_unavailable', `pocketsphinx failed: ${err.message.split('\n')[0]}`, POCKETSPHINX_INSTALL, { cause: err }));
          else resolve(out);
        });
      });
      return parseOutput(stdout, this.opts.grammar ? asInt16(pcm16k) : null);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

const WORD_LINE = /^(\S+) (\d+\.\d+) (\d+\.\d+) ([\d.]+)$/;

/**
 * pocketsphinx_continuous's stdout: one hypothesis line per utterance it found, and with
 * `-time yes` one "word start end prob" line per word. With `pcm` (grammar mode) the confidence
 * is the share of the speech (as the VAD finds it in `pcm`) covered by recognised words.
 */
function parseOutput(stdout: string, pcm: Int16Array | null): Transcript {
  const hyps: string[] = [];
  let covered = 0;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const w = WORD_LINE.exec(line);
    if (w) {
      if (!/^(<s>|<\/s>|<sil>|\[.*\]|\(NULL\))$/.test(w[1]!)) covered += Number(w[3]) - Number(w[2]);
    } else hyps.push(line.replace(/^\d+:\s*/, ''));
  }
  const text = hyps.join(' ').trim();
  if (!pcm) return { text };
  if (!text) return { text, confidence: 0 };
  const segs = findSpeech(pcm);
  const speechS = segs.length ? (segs[segs.length - 1]!.end - segs[0]!.start) / 16000 : pcm.length / 16000;
  return { text, confidence: Math.min(1, covered / Math.max(0.2, speechS)) };
}

/**
 * ±1 LSB of deterministic noise: pocketsphinx's own silence detection misbehaves on stretches of
 * exact digital zeros (padded files), which real microphones never give.
 */
function dither(pcm: Int16Array): Int16Array {
  const out = new Int16Array(pcm.length);
  let seed = 12345;
  for (let i = 0; i < pcm.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const v = pcm[i]! + ((seed >> 16) % 3) - 1;
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
