// espeak-ng: local, robotic, always fast (~1700x real time). `--stdout` gives a WAV (16-bit
// mono, 22.05 kHz) whose header sizes are placeholders; they are fixed here.
import type { EngineState } from '../../../protocol';
import { findBinary, runToBuffer } from './run';
import type { SpeakOptions, SynthResult, TtsEngine } from './types';
import { fixWavHeader } from '../wav-io';

export const ESPEAK_INSTALL = 'sudo apt install espeak-ng';
const DEFAULT_VOICE = 'en-us';
const BASE_WPM = 175;
const BASE_PITCH = 50;

/** "+15%" → 201 words per minute (espeak's default is 175). */
export function espeakRate(rate: string): number {
  const m = /^([+-]?\d+(?:\.\d+)?)%$/.exec(rate.trim());
  const wpm = m ? BASE_WPM * (1 + Number(m[1]) / 100) : Number(rate) > 0 && Number(rate) < 10 ? BASE_WPM * Number(rate) : BASE_WPM;
  return Math.round(Math.min(450, Math.max(80, wpm)));
}

/** "+10Hz" → 55, "+20%" → 60, "+2st" → 58, on espeak's 0-99 scale (default 50). */
export function espeakPitch(pitch: string): number {
  const m = /^([+-]?\d+(?:\.\d+)?)(hz|%|st)$/i.exec(pitch.trim());
  let p = BASE_PITCH;
  if (m) {
    const n = Number(m[1]);
    const unit = m[2]!.toLowerCase();
    p = unit === 'hz' ? BASE_PITCH + n / 2 : unit === '%' ? BASE_PITCH * (1 + n / 100) : BASE_PITCH + n * 4;
  }
  return Math.round(Math.min(99, Math.max(0, p)));
}

/** Edge voice names ("en-US-AnaNeural") mean nothing to espeak: its own default is used. */
function espeakVoice(voice: string | null): string {
  if (!voice || /neural/i.test(voice) || !/^[a-z]{2,3}(?:[-_][a-z0-9]+)*(?:\+[a-z0-9]+)?$/i.test(voice)) return DEFAULT_VOICE;
  return voice;
}

export class EspeakEngine implements TtsEngine {
  readonly id = 'espeak' as const;
  private probed: { path: string | null; at: number } | null = null;

  constructor(private readonly binary = 'espeak-ng') {}

  private binaryPath(): string | null {
    // Looked up again at most once a minute, so installing it while Alisa runs is noticed.
    if (!this.probed || (this.probed.path === null && Date.now() - this.probed.at > 60_000)) {
      this.probed = { path: findBinary(this.binary), at: Date.now() };
    }
    return this.probed.path;
  }

  async available(): Promise<EngineState> {
    return this.binaryPath()
      ? { id: this.id, available: true, reason: null }
      : { id: this.id, available: false, reason: `espeak-ng is not installed: ${ESPEAK_INSTALL} (macOS: brew install espeak-ng).` };
  }

  async synthesize(text: string, opts: SpeakOptions, signal: AbortSignal): Promise<SynthResult> {
    const bin = this.binaryPath();
    if (!bin) throw new Error(`espeak-ng is not installed (${ESPEAK_INSTALL}).`);
    const args = ['--stdout', '--stdin', '-v', espeakVoice(opts.voice), '-s', String(espeakRate(opts.rate)), '-p', String(espeakPitch(opts.pitch))];
    const data = await runToBuffer(bin, args, text, signal, opts.onAudio);
    const info = fixWavHeader(data);
    if (!info || info.dataBytes === 0) throw new Error('espeak-ng produced no audio.');
    return { mime: 'audio/wav', data, durationMs: info.durationMs };
  }
}
