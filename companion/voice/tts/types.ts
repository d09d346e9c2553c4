// What every text-to-speech engine provides. Engines are small and stateless apart from what
// they cache about themselves (is the binary there?); the fallback, the time limits and the
// cool-down live in the chain (registry.ts).
import type { EngineState, TtsEngineId } from '../../../protocol';

export interface SpeakOptions {
  /** Voice name for this engine, or null for its default. */
  voice: string | null;
  /** Relative rate and pitch in SSML style: "+15%", "+10Hz" (the seed's defaults). */
  rate: string;
  pitch: string;
  /** Called when the first audio bytes arrive (the chain then allows the longer total time). */
  onAudio?: () => void;
}

export interface SynthResult {
  mime: 'audio/wav' | 'audio/mpeg';
  data: Buffer;
  durationMs: number | null;
}

export interface TtsEngine {
  readonly id: TtsEngineId;
  /** Usable now, as far as is known without speaking; never throws. */
  available(): Promise<EngineState>;
  /** Speaks one unit of text; rejects on failure or when `signal` aborts. */
  synthesize(text: string, opts: SpeakOptions, signal: AbortSignal): Promise<SynthResult>;
  /** Extra time for the first audio when the engine must load first (built-in Piper's voice); 0 once loaded. */
  startupMs?(): number;
}
