// Piper: local neural voices. The user points to the binary and a voice model (an .onnx file
// with its .onnx.json beside it); nothing is downloaded. Both are launch settings only
// (alisa.voice.piperBinary / --piper-binary, alisa.voice.piperModel / --piper-model), checked
// here: the binary must be an executable file (or a name on PATH), the model an existing .onnx
// file with its .onnx.json; what is wrong shows as piper's reason in the voice status. Raw 16-bit mono samples at the
// model's rate (`--output-raw`) are wrapped in a WAV header here.
import { readFileSync, statSync } from 'node:fs';
import type { EngineState } from '../../../protocol';
import path from 'node:path';
import { resolveExecutable, runToBuffer } from './run';
import type { SpeakOptions, SynthResult, TtsEngine } from './types';
import { wavFromPcm16 } from './wav';

export interface PiperPaths {
  binary: string | null;
  model: string | null;
}

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

  constructor(private paths: PiperPaths) {}

  setPaths(paths: PiperPaths): void {
    this.paths = paths;
  }

  /** What is wrong with the set-up, or the resolved paths. */
  private check(): { error: string } | { binary: string; model: string; config: string } {
    const { binary, model } = this.paths;
    if (!binary) return { error: `Piper is not set up: set its binary (${BINARY_SETTING}) and a voice model (${MODEL_SETTING}, an .onnx file).` };
    const bin = resolveExecutable(binary);
    if ('problem' in bin) {
      return { error: `The Piper binary setting (${BINARY_SETTING}) is not usable: ${bin.problem}. Install Piper (github.com/rhasspy/piper) and set ${BINARY_SETTING} to its executable file.` };
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
    const c = this.check();
    return 'error' in c ? { id: this.id, available: false, reason: c.error } : { id: this.id, available: true, reason: null };
  }

  async synthesize(text: string, opts: SpeakOptions, signal: AbortSignal): Promise<SynthResult> {
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
    return { mime: 'audio/wav', data: wavFromPcm16(pcm, sampleRate), durationMs: Math.round((pcm.length / 2 / sampleRate) * 1000) };
  }
}
