// Piper voices through sherpa-onnx-node (npm; ships its onnxruntime and espeak-ng code), without
// a piper binary. The synthesis runs in a child Node process that loads the voice once and then
// speaks sentence after sentence:
//   - a corrupt or foreign .onnx makes onnxruntime abort the whole process ("terminate called
//     after throwing an instance of 'Ort::Exception'"), which must not take the companion down;
//   - sherpa's generate() is synchronous: in the child it cannot block the companion.
// The child reads one JSON request per line on stdin ({id, text, sid, speed}, or {cancel: id})
// and answers one JSON line per request on stdout ({id, sampleRate, pcm: base64 of 16-bit mono})
// or {id, error}; it exits when its stdin closes (the companion went away). It is started on first
// use (or by warm()), and stopped after IDLE_MS without requests, on close(), or when the voice
// changes. A crash while loading the voice is remembered for that voice file (unchanged size and
// time): the engine reports it as unavailable with onnxruntime's reason, instead of crashing again
// on every sentence.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { statSync } from 'node:fs';
import os from 'node:os';
import readline from 'node:readline';
import { sherpaPackage } from '../sherpa-package';
import type { ResolvedPiperVoice } from './piper-voice';
import { abortableWork, lowerPriority } from './run';

/** The sherpa-onnx-node package entry, or null when it is not installed. */
export const sherpaTtsPackage = sherpaPackage;

const CHILD = `
const [pkg, cfgJson] = process.argv.slice(1);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
let tts;
try {
  const sherpa = require(pkg);
  tts = new sherpa.OfflineTts(JSON.parse(cfgJson));
} catch (e) {
  out({ id: null, error: String((e && e.message) || e) });
  process.exit(3);
}
out({ id: null, ready: true, sampleRate: tts.sampleRate, numSpeakers: tts.numSpeakers });
const queue = [];
let busy = false;
const next = () => {
  if (busy) return;
  const job = queue.shift();
  if (!job) return;
  busy = true;
  try {
    const sid = Number.isInteger(job.sid) && job.sid >= 0 && job.sid < tts.numSpeakers ? job.sid : 0;
    const audio = tts.generate({ text: job.text, sid, speed: job.speed || 1 });
    const f = audio.samples;
    const pcm = Buffer.alloc(f.length * 2);
    for (let i = 0; i < f.length; i++) pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(f[i] * 32767))), i * 2);
    out({ id: job.id, sampleRate: audio.sampleRate, pcm: pcm.toString('base64') });
  } catch (e) {
    out({ id: job.id, error: String((e && e.message) || e) });
  }
  busy = false;
  setImmediate(next);
};
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  let m;
  try { m = JSON.parse(line); } catch { return; }
  if (m.cancel !== undefined) {
    const i = queue.findIndex((j) => j.id === m.cancel);
    if (i >= 0) queue.splice(i, 1);
    return;
  }
  queue.push(m);
  setImmediate(next);
}).on('close', () => process.exit(0));
`;

/** A child's stdout line. */
type ChildLine = { id: number | null; error?: string; ready?: boolean; sampleRate?: number; numSpeakers?: number; pcm?: string };

interface SherpaSpeech {
  pcm: Buffer;
  sampleRate: number;
}

interface Pending {
  resolve: (s: SherpaSpeech) => void;
  reject: (e: Error) => void;
}

/** Stop the child after this long without a request (it holds the voice in memory, ~100 MB). */
const IDLE_MS = 5 * 60_000;

function fileKey(p: string): string {
  try {
    const s = statSync(p);
    return `${p}:${s.size}:${s.mtimeMs}`;
  } catch {
    return `${p}:missing`;
  }
}

export class SherpaPiperHost {
  private child: ChildProcessWithoutNullStreams | null = null;
  private ready: Promise<void> | null = null;
  private isLoaded = false;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private stderr = '';
  /** A failure to load the voice, by voice file identity (see fileKey). */
  private loadFailure: { key: string; message: string } | null = null;

  constructor(
    private readonly voice: ResolvedPiperVoice,
    private readonly opts: { numThreads?: number; log?: (line: string) => void } = {},
  ) {}

  get voiceModel(): string {
    return this.voice.model;
  }

  /** The voice is loaded and the child waits for sentences. */
  get loaded(): boolean {
    return this.isLoaded;
  }

  /** Why this voice cannot be loaded (it crashed or failed before), or null. */
  loadProblem(): string | null {
    const f = this.loadFailure;
    return f && f.key === fileKey(this.voice.model) ? f.message : null;
  }

  /** Starts the child and loads the voice now, so the first sentence does not wait for it. */
  warm(): void {
    if (this.loadProblem()) return;
    void this.start().catch(() => {});
    this.touch();
  }

  async synthesize(text: string, opts: { speed: number; sid: number | null }, signal: AbortSignal): Promise<SherpaSpeech> {
    if (signal.aborted) throw signal.reason;
    const problem = this.loadProblem();
    if (problem) throw new Error(problem);
    this.touch();
    await abortableWork(signal, this.start());
    const child = this.child!;
    const id = this.nextId++;
    return new Promise<SherpaSpeech>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        child.stdin.write(`${JSON.stringify({ cancel: id })}\n`);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (s) => (signal.removeEventListener('abort', onAbort), resolve(s)),
        reject: (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
      });
      child.stdin.write(`${JSON.stringify({ id, text: text.replace(/\s+/g, ' '), sid: opts.sid, speed: opts.speed })}\n`);
    });
  }

  close(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const child = this.child;
    this.child = null;
    this.ready = null;
    this.isLoaded = false;
    this.failAll(new Error('The Piper voice was closed.'));
    if (child && child.exitCode === null) child.kill();
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0) this.close();
      else this.touch();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private failAll(err: Error): void {
    for (const p of [...this.pending.values()]) p.reject(err);
    this.pending.clear();
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const pkg = sherpaTtsPackage();
    if (!pkg) return Promise.reject(new Error('sherpa-onnx-node is not installed (npm install), so Piper voices cannot be used without the piper binary.'));
    const key = fileKey(this.voice.model);
    const config = {
      model: {
        vits: { model: this.voice.model, tokens: this.voice.tokens, dataDir: this.voice.dataDir },
        numThreads: this.opts.numThreads ?? Math.max(1, Math.min(2, os.cpus().length - 1)),
        provider: 'cpu',
        debug: 0,
      },
      maxNumSentences: 1,
    };
    const child = spawn(process.execPath, ['-e', CHILD, pkg, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    lowerPriority(child.pid);
    this.child = child;
    this.stderr = '';
    const started = performance.now();
    this.ready = new Promise<void>((resolve, reject) => {
      let loaded = false;
      child.stderr.on('data', (d: Buffer) => {
        if (this.stderr.length < 4000) this.stderr += d.toString();
      });
      child.stdin.on('error', () => {}); // a child that died: reported by 'exit'
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        let m: ChildLine;
        try {
          m = JSON.parse(line) as ChildLine;
        } catch {
          return;
        }
        if (m.id === null) {
          if (m.ready) {
            loaded = true;
            this.isLoaded = true;
            this.opts.log?.(`voice: Piper voice ${this.voice.id} loaded in ${Math.round(performance.now() - started)} ms`);
            resolve();
          } else if (m.error !== undefined) {
            const message = `The Piper voice ${this.voice.model} could not be loaded: ${m.error.trim() || 'unknown error'}${this.stderrWhy()}`.slice(0, 600);
            this.loadFailure = { key, message };
            reject(new Error(message));
          }
          return;
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined || m.pcm === undefined) p.reject(new Error(`Piper could not speak this: ${m.error ?? 'no audio'}`));
        else p.resolve({ pcm: Buffer.from(m.pcm, 'base64'), sampleRate: m.sampleRate ?? 22050 });
      });
      child.on('error', (err) => {
        if (this.child === child) this.child = null;
        this.ready = null;
        reject(err);
        this.failAll(err);
      });
      child.on('exit', (code, sig) => {
        if (this.child === child) {
          this.child = null;
          this.ready = null;
          this.isLoaded = false;
        }
        const why = this.stderrWhy() || ` (exit ${code ?? sig})`;
        if (!loaded) {
          // Crashed (or failed) while loading: this voice file is not usable as it is.
          const message =
            this.loadFailure?.key === key
              ? this.loadFailure.message
              : `The Piper voice ${this.voice.model} could not be loaded${sig ? ' (the engine crashed)' : ''}${why}`.slice(0, 600);
          this.loadFailure = { key, message };
          reject(new Error(message));
          this.failAll(new Error(message));
        } else {
          this.failAll(new Error(`Piper stopped${sig ? ' (the engine crashed)' : ''}${why}`.slice(0, 600)));
        }
      });
    });
    this.ready.catch(() => {});
    return this.ready;
  }

  /** onnxruntime's own words from stderr ("what():  Load model … failed: Protobuf parsing failed."). */
  private stderrWhy(): string {
    const lines = this.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const what = lines.find((l) => l.startsWith('what():'));
    const line = what ?? lines.find((l) => /does not exist|not found/i.test(l)) ?? lines.filter((l) => /error|failed|exception/i.test(l)).pop();
    // Without sherpa's source locations ("/…/offline-tts-vits-model-config.cc:Validate:54 ").
    return line ? `: ${line.replace(/^what\(\):\s*/, '').replace(/^\S+\.(?:cc|cpp|h):\S*\s+/, '')}` : '';
  }
}
