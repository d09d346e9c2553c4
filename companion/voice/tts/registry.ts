// The text-to-speech fallback chain. Order (configurable, VoiceConfigure.ttsEngines):
//
//   piper → espeak → silence            (the default: nothing leaves the machine)
//
// Piper's neural voice first (local; built in through sherpa-onnx once a voice is downloaded or
// chosen, or the user's piper binary), then espeak-ng (local, robotic, always fast), then silence
// with one voice.notice per cause saying what to install. Microsoft Edge's neural voices
// (`msedge`) are online (the text goes to Microsoft, through the network gate) and used only when
// the user puts them in the order. For every unit of speech each engine is tried in order; one
// that fails, or sends no audio within `firstAudioMs` (then within `totalMs` overall), is
// skipped for that unit and rests for `cooldownMs`: later units go straight to the next engine
// until the cool-down is over, then the preferred engine is tried again. Chat never waits on it.
// Voices on a server (openai-tts, elevenlabs, fish, xtts; http-engines.ts) are opt-in the same way.
import { DEFAULT_TTS_ENGINES, type EngineState, type TtsEngineId } from '../../../protocol';
import { EspeakEngine } from './espeak';
import { HTTP_TTS_IDS, HttpTtsEngine, type HttpTtsId, type HttpTtsSettings } from './http-engines';
import { MsEdgeEngine } from './msedge';
import { PiperEngine, type PiperPaths } from './piper';
import type { SpeakOptions, SynthResult, TtsEngine } from './types';

export const DEFAULT_TTS_ORDER: readonly TtsEngineId[] = DEFAULT_TTS_ENGINES;

export interface ChainTimings {
  /** Time allowed until the first audio bytes of a unit (default 4 s). */
  firstAudioMs: number;
  /** Time allowed for a whole unit once audio flows (default 20 s). */
  totalMs: number;
  /** How long a failed engine is skipped before it is tried again (default 30 s). */
  cooldownMs: number;
}

const DEFAULT_TIMINGS: ChainTimings = { firstAudioMs: 4000, totalMs: 20_000, cooldownMs: 30_000 };

export interface ChainFailure {
  engine: TtsEngineId;
  reason: string;
}

export class AllEnginesFailed extends Error {
  constructor(readonly failures: ChainFailure[]) {
    super(failures.length ? failures.map((f) => `${f.engine}: ${f.reason}`).join('; ') : 'no text-to-speech engine is enabled');
  }
}

export interface ChainResult extends SynthResult {
  engine: TtsEngineId;
  /** Engines tried before it, and why each was passed over. */
  skipped?: ChainFailure[];
  /** From the call to the first audio bytes of the engine that spoke (0 for a cache hit). */
  firstAudioMs?: number;
}

export class TtsChain {
  readonly engines: { msedge: MsEdgeEngine; espeak: EspeakEngine; piper: PiperEngine } & Record<HttpTtsId, HttpTtsEngine>;
  order: TtsEngineId[];
  timings: ChainTimings;
  /** When each engine last failed, and why (for the status while it cools down). */
  private failed = new Map<TtsEngineId, { at: number; reason: string }>();

  constructor(
    opts: {
      order?: readonly TtsEngineId[];
      edgeEndpoint?: string | null;
      /** Voices on a server: URL, voice, model (keys from the environment unless given). */
      servers?: Partial<Record<HttpTtsId, HttpTtsSettings>>;
      piper?: PiperPaths;
      espeakBinary?: string;
      timings?: Partial<ChainTimings>;
      engines?: Partial<Record<TtsEngineId, TtsEngine>>;
      log?: (line: string) => void;
    } = {},
  ) {
    this.engines = {
      msedge: new MsEdgeEngine(opts.edgeEndpoint ?? null),
      espeak: new EspeakEngine(opts.espeakBinary),
      piper: new PiperEngine(opts.piper ?? { binary: null, model: null }, opts.log),
      ...(Object.fromEntries(HTTP_TTS_IDS.map((id) => [id, new HttpTtsEngine(id, opts.servers?.[id])])) as Record<HttpTtsId, HttpTtsEngine>),
    };
    this.overrides = opts.engines ?? {};
    this.order = [...new Set(opts.order ?? DEFAULT_TTS_ORDER)];
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings };
  }

  /** Engines substituted in tests. */
  private overrides: Partial<Record<TtsEngineId, TtsEngine>>;

  engine(id: TtsEngineId): TtsEngine {
    return this.overrides[id] ?? this.engines[id];
  }

  private coolingDown(id: TtsEngineId, now = Date.now()): { at: number; reason: string } | null {
    const f = this.failed.get(id);
    return f && now - f.at < this.timings.cooldownMs ? f : null;
  }

  /** Each engine in order, with failures that are cooling down reported as unavailable. */
  async states(): Promise<EngineState[]> {
    return Promise.all(
      this.order.map(async (id) => {
        const s = await this.engine(id).available();
        const f = this.coolingDown(id);
        if (s.available && f)
          return {
            ...s,
            id,
            available: false,
            reason: `Failed recently (${f.reason}); tried again in ${Math.ceil((this.timings.cooldownMs - (Date.now() - f.at)) / 1000)} s.`,
          };
        return s;
      }),
    );
  }

  /**
   * Speaks one unit with the first engine that works. `cached(id)` is asked first for each
   * engine (a cached unit costs nothing, even from an engine that is offline now).
   */
  async synthesize(
    text: string,
    opts: Omit<SpeakOptions, 'onAudio'>,
    signal: AbortSignal,
    hooks: { cached?: (id: TtsEngineId) => Promise<SynthResult | null>; log?: (line: string) => void } = {},
  ): Promise<ChainResult> {
    const failures: ChainFailure[] = [];
    const started = performance.now();
    for (const id of this.order) {
      if (signal.aborted) throw signal.reason;
      const hit = await hooks.cached?.(id);
      if (hit) return { ...hit, engine: id, skipped: failures, firstAudioMs: 0 };
      const cooling = this.coolingDown(id);
      if (cooling) {
        failures.push({ engine: id, reason: cooling.reason });
        continue;
      }
      const engine = this.engine(id);
      const state = await engine.available();
      if (!state.available) {
        failures.push({ engine: id, reason: state.reason ?? 'unavailable' });
        continue;
      }
      const attempt = new AbortController();
      const onOuterAbort = () => attempt.abort(signal.reason);
      signal.addEventListener('abort', onOuterAbort, { once: true });
      // An engine that loads first (built-in Piper's voice, about a second) gets that time on top.
      const firstAudioMs = this.timings.firstAudioMs + (engine.startupMs?.() ?? 0);
      let timer = setTimeout(() => attempt.abort(new Error(`no audio within ${firstAudioMs} ms`)), firstAudioMs);
      let firstAudioAt: number | null = null;
      const onAudio = () => {
        firstAudioAt ??= performance.now();
        clearTimeout(timer);
        timer = setTimeout(() => attempt.abort(new Error(`not finished within ${this.timings.totalMs} ms`)), this.timings.totalMs);
      };
      try {
        const result = await engine.synthesize(text, { ...opts, onAudio }, attempt.signal);
        this.failed.delete(id);
        return { ...result, engine: id, skipped: failures, firstAudioMs: Math.round((firstAudioAt ?? performance.now()) - started) };
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        const reason =
          attempt.signal.aborted && attempt.signal.reason instanceof Error ? attempt.signal.reason.message : err instanceof Error ? err.message : String(err);
        this.failed.set(id, { at: Date.now(), reason });
        failures.push({ engine: id, reason });
        hooks.log?.(`voice: ${id} failed (${reason}); trying the next engine`);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onOuterAbort);
      }
    }
    throw new AllEnginesFailed(failures);
  }

  /** Forget a failure (its cause is gone, e.g. a voice was installed): the engine is tried at once. */
  clearFailure(id: TtsEngineId): void {
    this.failed.delete(id);
  }

  /** What tells one engine's voice from another's in the speech cache (Piper: the voice file). */
  cacheTag(id: TtsEngineId): string {
    if (this.overrides[id]) return id;
    if (id === 'piper') return this.engines.piper.cacheTag();
    const engine = this.engines[id];
    return engine instanceof HttpTtsEngine ? engine.cacheTag() : id;
  }

  /** A reply is starting: engines that load a voice (built-in Piper) load it now, if first in line. */
  warm(): void {
    if (this.order[0] === 'piper' && !this.overrides.piper) this.engines.piper.warm();
  }

  close(): void {
    this.engines.msedge.close();
    this.engines.piper.close();
  }
}
