// Piper: local neural voices, Alisa's default voice. Two ways to run it:
//   - built in (no piper binary set): sherpa-onnx-node runs a Piper voice packaged for it (a
//     folder with the .onnx, tokens.txt and espeak-ng-data/, see piper-voice.ts) in a child
//     process (piper-sherpa.ts). The voice is the one alisa.voice.piperModel names, else the one
//     downloaded into DATA/voices/ on the user's request (voice-download.ts). With neither,
//     piper is unavailable with a reason that says how to get one, and the next engine speaks.
//   - the piper binary: the user points to the binary and a voice model (an .onnx file with its
//     .onnx.json beside it). Raw 16-bit mono samples at the model's rate (`--output-raw`) are
//     wrapped in a WAV header here.
// Both settings are launch settings only (alisa.voice.piperBinary / --piper-binary,
// alisa.voice.piperModel / --piper-model), checked here: the binary must be an executable file
// (or a name on PATH), the model a voice folder or .onnx (with its .onnx.json for the binary);
// what is wrong shows as piper's reason in the voice status.
import { readFileSync, statSync } from 'node:fs';
import type { EngineState } from '../../../protocol';
import path from 'node:path';
import { installedVoice, resolvePiperVoice, type ResolvedPiperVoice } from './piper-voice';
import { SherpaPiperHost, sherpaTtsPackage } from './piper-sherpa';
import { resolveExecutable, runToBuffer } from './run';
import type { SpeakOptions, SynthResult, TtsEngine } from './types';
import { encodeWav } from '../wav-io';

export interface PiperPaths {
  binary: string | null;
  model: string | null;
  /** DATA/voices: downloaded voices (built-in mode, when no model is set). */
  voicesDir?: string | null;
}

/** Time allowed on top of the first-audio limit while the built-in engine loads its voice. */
const PIPER_STARTUP_MS = 10_000;

/** Built-in Piper has no voice yet (no piperModel, nothing downloaded). */
export const PIPER_NO_VOICE =
  'Piper has no voice yet: download one ("Alisa: Download Voice" in VS Code, or npm run voice -- --download-voice) or choose a voice folder you have (alisa.voice.piperModel / --piper-model).';

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** "+15%" → length scale 0.87 (shorter is faster). */
export function piperLengthScale(rate: string): number {
  const m = /^([+-]?\d+(?:\.\d+)?)%$/.exec(rate.trim());
  const speed = m ? 1 + Number(m[1]) / 100 : 1;
  return Math.round((1 / Math.min(3, Math.max(0.3, speed))) * 100) / 100;
}

const BINARY_SETTING = 'alisa.voice.piperBinary / --piper-binary';
const MODEL_SETTING = 'alisa.voice.piperModel / --piper-model';

export class PiperEngine implements TtsEngine {
  readonly id = 'piper' as const;
  private host: SherpaPiperHost | null = null;

  constructor(
    private paths: PiperPaths,
    private readonly log?: (line: string) => void,
  ) {}

  setPaths(paths: PiperPaths): void {
    this.paths = paths;
    this.close();
  }

  /** Built in (no binary set): the voice to use, or what is wrong. */
  private sherpaVoice(): ResolvedPiperVoice | { error: string } {
    if (this.paths.model) {
      const v = resolvePiperVoice(this.paths.model);
      return 'problem' in v ? { error: `${v.problem}.` } : v;
    }
    return installedVoice(this.paths.voicesDir ?? null) ?? { error: PIPER_NO_VOICE };
  }

  /** True when built-in Piper has no voice at all: the user may download one or choose one. */
  needsVoice(): boolean {
    return !this.paths.binary && !this.paths.model && installedVoice(this.paths.voicesDir ?? null) === null;
  }

  /** The voice Piper speaks with (a folder, or the binary's .onnx), or null when it has none that is usable. */
  voicePath(): string | null {
    if (this.paths.binary) {
      const c = this.check();
      return 'error' in c ? null : c.model;
    }
    const v = this.sherpaVoice();
    return 'error' in v ? null : v.dir;
  }

  /** Told apart in the speech cache: another voice says the same text differently. */
  cacheTag(): string {
    if (this.paths.binary) return `piper:bin:${this.paths.model ?? ''}`;
    const v = this.sherpaVoice();
    return `piper:${'error' in v ? '' : v.model}`;
  }

  /** Loads the voice now (built in), so that the first sentence does not wait for it. */
  warm(): void {
    if (this.paths.binary || !sherpaTtsPackage()) return;
    const v = this.sherpaVoice();
    if (!('error' in v)) this.hostFor(v).warm();
  }

  close(): void {
    this.host?.close();
    this.host = null;
  }

  /** Built in, before its voice is loaded: starting the child and loading the voice take a moment. */
  startupMs(): number {
    if (this.paths.binary) return 0;
    return this.host?.loaded ? 0 : PIPER_STARTUP_MS;
  }

  private hostFor(voice: ResolvedPiperVoice): SherpaPiperHost {
    if (!this.host || this.host.voiceModel !== voice.model) {
      this.host?.close();
      this.host = new SherpaPiperHost(voice, { log: this.log });
    }
    return this.host;
  }

  private builtInState(): EngineState {
    if (!sherpaTtsPackage())
      return {
        id: this.id,
        available: false,
        reason: 'sherpa-onnx-node is not installed (npm install), and no piper binary is set (alisa.voice.piperBinary).',
      };
    const v = this.sherpaVoice();
    if ('error' in v) return { id: this.id, available: false, reason: v.error };
    const problem = this.hostFor(v).loadProblem();
    if (problem)
      return { id: this.id, available: false, reason: `${problem.replace(/\.$/, '')}. Download the voice again or choose another (alisa.voice.piperModel).` };
    return { id: this.id, available: true, reason: null };
  }

  private async synthesizeBuiltIn(text: string, opts: SpeakOptions, signal: AbortSignal): Promise<SynthResult> {
    const v = this.sherpaVoice();
    if ('error' in v) throw new Error(v.error);
    // A number in the voice setting picks a speaker of a multi-speaker voice; names are other engines'.
    const sid = opts.voice && /^\d{1,4}$/.test(opts.voice.trim()) ? Number(opts.voice.trim()) : null;
    const { pcm, sampleRate } = await this.hostFor(v).synthesize(text, { speed: Math.round((1 / piperLengthScale(opts.rate)) * 100) / 100, sid }, signal);
    if (pcm.length === 0) throw new Error('Piper produced no audio.');
    opts.onAudio?.();
    return { mime: 'audio/wav', data: encodeWav(pcm, sampleRate), durationMs: Math.round((pcm.length / 2 / sampleRate) * 1000) };
  }

  /** What is wrong with the set-up, or the resolved paths. */
  private check(): { error: string } | { binary: string; model: string; config: string } {
    const { binary, model } = this.paths;
    if (!binary) return { error: `Piper is not set up: set its binary (${BINARY_SETTING}) and a voice model (${MODEL_SETTING}, an .onnx file).` };
    const bin = resolveExecutable(binary);
    if ('problem' in bin) {
      return {
        error: `The Piper binary setting (${BINARY_SETTING}) is not usable: ${bin.problem}. Install Piper (github.com/rhasspy/piper) and set ${BINARY_SETTING} to its executable file.`,
      };
    }
    if (!model) return { error: `Piper has no voice model: set ${MODEL_SETTING} to a voice .onnx file (with its .onnx.json beside it).` };
    const abs = path.resolve(model.trim());
    if (!/\.onnx$/i.test(abs)) return { error: `The Piper voice model setting (${MODEL_SETTING}) must be an .onnx file, got ${abs}.` };
    if (!isFile(abs)) return { error: `The Piper voice model ${abs} does not exist (${MODEL_SETTING}).` };
    const config = `${abs}.json`;
    if (!isFile(config)) return { error: `The Piper voice model's config ${config} is missing (${MODEL_SETTING}): download it with the model.` };
    return { binary: bin.path, model: abs, config };
  }

  async available(): Promise<EngineState> {
    if (!this.paths.binary) return this.builtInState();
    const c = this.check();
    return 'error' in c ? { id: this.id, available: false, reason: c.error } : { id: this.id, available: true, reason: null };
  }

  async synthesize(text: string, opts: SpeakOptions, signal: AbortSignal): Promise<SynthResult> {
    if (!this.paths.binary) return this.synthesizeBuiltIn(text, opts, signal);
    const c = this.check();
    if ('error' in c) throw new Error(c.error);
    let sampleRate = 22050;
    try {
      const json = JSON.parse(readFileSync(c.config, 'utf8')) as { audio?: { sample_rate?: number } };
      sampleRate = json.audio?.sample_rate ?? sampleRate;
    } catch {
      // The default rate of most Piper voices.
    }
    const args = ['--model', c.model, '--output-raw', '--length_scale', String(piperLengthScale(opts.rate))];
    const pcm = await runToBuffer(c.binary, args, `${text.replace(/\s+/g, ' ')}\n`, signal, opts.onAudio);
    if (pcm.length === 0) throw new Error('Piper produced no audio.');
    return { mime: 'audio/wav', data: encodeWav(pcm, sampleRate), durationMs: Math.round((pcm.length / 2 / sampleRate) * 1000) };
  }
}
