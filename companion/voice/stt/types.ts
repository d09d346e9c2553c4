import type { EngineState, SttEngineId } from '../../../protocol';

export interface Transcript {
  text: string;
  /**
   * 0..1 where the engine can tell. pocketsphinx with a grammar: the share of the speech its
   * words cover (a grammar forces some phrase onto part of any sentence; a real command covers
   * nearly all of it).
   */
  confidence?: number;
}

export interface SttEngine {
  readonly id: SttEngineId;
  /** Usable now, or why not (with what to install or set). */
  available(): Promise<EngineState>;
  /** 16 kHz mono 16-bit PCM (samples, or raw little-endian bytes) to text. */
  transcribe(pcm16k: Int16Array | Buffer, opts?: { signal?: AbortSignal }): Promise<Transcript>;
}
