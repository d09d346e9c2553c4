// Voice: the facade the protocol handlers call, and speech out. Alisa speaks each reply while
// it is still being written: reply tokens go through the sentence splitter; each complete unit
// is cleaned (no tags, markdown, code or links) and synthesised by the engine chain, at most
// PIPELINE_DEPTH units at a time, and emitted as `speech.chunk` strictly in order (seq 0, 1, …)
// between `speech.start` (sent when the first unit to say is known, as its synthesis starts)
// and `speech.end` ('done'; 'stopped' on barge-in; 'failed' when no unit could be spoken).
//
// Barge-in: a new reply (reply.start), a new user message (chat.send, see request-handlers),
// voice.stop, or the user starting to talk (ListenService's onUserSpeech) stops the current
// utterance at once: pending synthesis is aborted, nothing more of it is emitted, and
// `speech.end` says 'stopped'. Muted: nothing is synthesised. When no engine works, she stays
// silent (`speech.end` 'failed') and says why once per cause in a `voice.notice`.
//
// Speech in is someone else's (ListenService, see listen-types.ts): optional here; its status is
// merged into VoiceStatus, and without it voice.listen answers voice_unavailable.
//
// The Piper voice download is voice-download-job.ts's. This file stays over 400 lines because
// the speech-out pipeline (begin, enqueue, fill, synthesize, pump, finish) and the notices about
// failing engines share one utterance and engine-chain state, and are easiest to follow together.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { CompanionEvent, TtsEngineId, VoiceConfigure, VoiceDownloadPlan, VoiceDownloadState, VoiceStatus } from '../../protocol';
import type { EventSource } from '../events';
import { AlisaError, toAlisaError } from '../errors';
import { cleanForSpeech, CODE_STAND_IN } from './clean';
import type { ListenServiceApi } from './listen-types';
import { SentenceSplitter } from './sentences';
import { cacheKey, TtsCache } from './tts-cache';
import { EDGE_DEFAULTS } from './tts/msedge';
import { ESPEAK_INSTALL } from './tts/espeak';
import { AllEnginesFailed, DEFAULT_TTS_ORDER, TtsChain, type ChainResult, type ChainTimings } from './tts/registry';
import type { TtsEngine } from './tts/types';
import { HTTP_TTS_IDS, HttpTtsEngine, type HttpTtsId, type HttpTtsSettings } from './tts/http-engines';
import { DEFAULT_PIPER_VOICE, voicesDir, type PiperCatalogVoice } from './tts/piper-voice';
import type { VoiceDownloadTimeouts } from './voice-download';
import { VoiceDownloadJob } from './voice-download-job';

/** Units synthesised ahead of the one being emitted (sentence n+1 while n plays). */
const PIPELINE_DEPTH = 2;
/**
 * While the reply is still being written, synthesis gives the model the cores: one unit at a time,
 * and the next one only when less than this much audio is left to play (issue 13: on 2 cores,
 * synthesis racing generation cost 11-15 % of its speed). Once the reply is complete the
 * pipeline runs at full depth.
 */
const LEAD_WHILE_WRITING_MS = 1500;

interface VoiceOptions {
  muted?: boolean;
  ttsEngines?: readonly TtsEngineId[];
  voice?: string | null;
  rate?: string;
  pitch?: string;
  /** Replaces Edge's WebSocket URL (tests, proxies). */
  edgeEndpoint?: string | null;
  /** Voices on a server (launch settings: URL, voice, model; keys from the environment). */
  servers?: Partial<Record<HttpTtsId, HttpTtsSettings>>;
  /** Launch settings only (--piper-binary, --piper-model): never changed by voice.configure. */
  piperBinary?: string | null;
  piperModel?: string | null;
  timings?: Partial<ChainTimings>;
  /** Cache bounds in bytes; diskCacheBytes 0 turns the disk cache off. */
  memoryCacheBytes?: number;
  diskCacheBytes?: number;
  /** Engines substituted in tests. */
  engines?: Partial<Record<TtsEngineId, TtsEngine>>;
  /** The voice `voice.download` fetches (default: Amy, DEFAULT_PIPER_VOICE); tests point it at a local server. */
  downloadVoice?: PiperCatalogVoice;
  downloadTimeouts?: Partial<VoiceDownloadTimeouts>;
}

interface VoiceServiceDeps {
  /** The process's event hub: replies to speak, barge-ins. */
  events: EventSource;
  emit: (e: CompanionEvent) => void;
  /** The companion's data folder; the disk cache lives in DATA/voice-cache/. */
  dataDir: string | null;
  log: (line: string) => void;
  listen?: ListenServiceApi;
  options?: VoiceOptions;
}

interface Utterance {
  id: string;
  replyId: string | null;
  splitter: SentenceSplitter;
  controller: AbortController;
  /** Units waiting for a synthesis slot. */
  waiting: string[];
  /** Synthesis in flight or done, in order; emitted from the front. */
  inFlight: Array<Promise<ChainResult | null>>;
  texts: string[];
  nextSeq: number;
  started: boolean;
  inputDone: boolean;
  emitting: boolean;
  spokeCode: boolean;
  chunks: number;
  failedUnits: number;
  ended: boolean;
  /** When the first chunk went out (its playback starts about then), and the audio sent since. */
  playFrom: number | null;
  sentMs: number;
  /** A fill() waiting for the audio sent to play down (see LEAD_WHILE_WRITING_MS). */
  fillTimer: NodeJS.Timeout | null;
}

export class VoiceService {
  private readonly chain: TtsChain;
  private readonly cache: TtsCache;
  private muted: boolean;
  private voice: string | null;
  private rate: string;
  private pitch: string;
  private current: Utterance | null = null;
  private lastEngine: string | null = null;
  private lastError: AlisaError | null = null;
  private noticed = new Set<string>();
  private stateQueue: Promise<void> = Promise.resolve();
  private lastStateJson = '';
  private listen: ListenServiceApi | undefined;
  private readonly unsubscribe: () => void;
  /** Dictation's engine as last configured (GET /api/config reads it, issue 19). */
  private sttEngine: NonNullable<VoiceConfigure['sttEngine']> = 'auto';
  /** Voices on a server as configured (URL, voice, model; a key given for this run only is never read back). */
  private servers: Partial<Record<HttpTtsId, HttpTtsSettings>>;

  constructor(private readonly deps: VoiceServiceDeps) {
    const o = deps.options ?? {};
    this.muted = o.muted ?? false;
    this.voice = o.voice ?? null;
    this.rate = o.rate ?? EDGE_DEFAULTS.rate;
    this.pitch = o.pitch ?? EDGE_DEFAULTS.pitch;
    this.listen = deps.listen;
    this.servers = { ...o.servers };
    const dir = deps.dataDir ? voicesDir(deps.dataDir) : null;
    this.catalogVoice = o.downloadVoice ?? DEFAULT_PIPER_VOICE;
    this.downloads = new VoiceDownloadJob({
      voicesDir: dir,
      catalogVoice: this.catalogVoice,
      timeouts: o.downloadTimeouts,
      log: deps.log,
      onChange: () => this.changed(),
      onInstalled: () => {
        this.noticed.clear(); // Piper speaks now; a later failure is news again
        this.chain.clearFailure('piper');
      },
    });
    this.chain = new TtsChain({
      order: o.ttsEngines ?? DEFAULT_TTS_ORDER,
      edgeEndpoint: o.edgeEndpoint ?? null,
      servers: o.servers,
      piper: { binary: o.piperBinary ?? null, model: o.piperModel ?? null, voicesDir: dir },
      timings: o.timings,
      engines: o.engines,
      log: deps.log,
    });
    this.cache = new TtsCache({
      dir: deps.dataDir && o.diskCacheBytes !== 0 ? path.join(deps.dataDir, 'voice-cache') : null,
      memoryBytes: o.memoryCacheBytes,
      diskBytes: o.diskCacheBytes,
    });
    this.unsubscribe = deps.events.onEvent((event) => this.onChatEvent(event));
  }

  /** Plugs in speech in later (app.ts constructs it after this service). */
  private listenReady: Promise<void> = Promise.resolve();

  private readonly catalogVoice: PiperCatalogVoice;
  /** The Piper voice download (only on the user's request). */
  private readonly downloads: VoiceDownloadJob;

  attachListen(listen: ListenServiceApi): void {
    this.listen = listen;
    // Its engines are looked up once in the background; status() waits for that.
    this.listenReady = listen.configure({}).catch((err) => this.deps.log(`voice: speech in: ${toAlisaError(err).message}`));
    this.changed();
  }

  // ---- protocol methods ----

  async status(): Promise<VoiceStatus> {
    await this.listenReady;
    const l = this.listen?.status();
    return {
      muted: this.muted,
      speaking: this.current?.started === true && !this.current.ended,
      listening: l?.listening ?? false,
      handsFree: l?.handsFree ?? false,
      tts: await this.chain.states(),
      stt: l?.stt ?? [],
      lastEngine: this.lastEngine,
      error: l?.error ?? this.lastError?.toInfo() ?? null,
      piperVoice: this.chain.engines.piper.voicePath(),
      voiceDownload: this.downloads.state,
    };
  }

  // ---- the Piper voice download (only on the user's request) ----

  /** voice.downloadPlan: size, free disk, where it goes. No network. */
  downloadPlan(): VoiceDownloadPlan {
    return this.downloads.plan();
  }

  /** voice.download: starts it in the background (voice-download-job.ts), or answers the one running. */
  startDownload(): VoiceDownloadState {
    return this.downloads.start();
  }

  /** voice.cancelDownload: stops it; what arrived is kept and resumes next time. */
  cancelDownload(): { cancelled: boolean } {
    return this.downloads.cancel();
  }

  async configure(p: VoiceConfigure): Promise<VoiceStatus> {
    if (p.muted !== undefined) {
      this.muted = p.muted;
      if (p.muted) this.stop();
    }
    if (p.voice !== undefined) this.voice = p.voice.trim() === '' ? null : p.voice;
    if (p.rate !== undefined) this.rate = checkProsody('rate', p.rate, /^[+-]?\d+(?:\.\d+)?%$/);
    if (p.pitch !== undefined) this.pitch = checkProsody('pitch', p.pitch, /^[+-]?\d+(?:\.\d+)?(?:Hz|%|st)$/i);
    if (p.ttsEngines !== undefined) this.chain.order = [...new Set(p.ttsEngines)];
    if (p.sttEngine !== undefined) this.sttEngine = p.sttEngine;
    this.noticed.clear(); // a new set-up may fail for new reasons: say so again
    if (this.listen) await this.listen.configure(p);
    this.changed();
    return this.status();
  }

  /** The speech settings in effect now, without keys (the waifu-rt3d `GET /api/config`, issue 19). */
  settings(): {
    muted: boolean;
    voice: string | null;
    ttsEngines: TtsEngineId[];
    sttEngine: NonNullable<VoiceConfigure['sttEngine']>;
    servers: Partial<Record<HttpTtsId, { url: string | null; voice: string | null; model: string | null; keySet: boolean }>>;
  } {
    const servers: ReturnType<VoiceService['settings']>['servers'] = {};
    for (const [id, s] of Object.entries(this.servers) as Array<[HttpTtsId, HttpTtsSettings]>) {
      servers[id] = { url: s.url ?? null, voice: s.voice ?? null, model: s.model ?? null, keySet: !!s.apiKey };
    }
    return { muted: this.muted, voice: this.voice, ttsEngines: [...this.chain.order], sttEngine: this.sttEngine, servers };
  }

  /**
   * Changes one voice on a server while running (URL, voice, model; `apiKey` for this run only,
   * never stored): the waifu-rt3d `PUT /api/config`. Undefined fields keep their value.
   */
  configureServer(id: HttpTtsId, change: HttpTtsSettings): void {
    const next: HttpTtsSettings = { ...this.servers[id] };
    for (const [k, v] of Object.entries(change) as Array<[keyof HttpTtsSettings, never]>) if (v !== undefined) next[k] = v;
    this.servers[id] = next;
    this.chain.engines[id].configure(next);
    this.chain.clearFailure(id);
    this.noticed.clear();
    this.changed();
  }

  /** voice.stop: stop speaking now; the rest of the reply is not spoken. */
  stop(): { ok: true } {
    this.bargeIn();
    return { ok: true };
  }

  async listenAction(action: 'start' | 'stop'): Promise<{ listening: boolean }> {
    const listen = this.listen;
    if (!listen) throw new AlisaError('voice_unavailable', 'Speech input is not available in this build of Alisa.', 'Type your message instead.');
    if (action === 'start') {
      this.bargeIn();
      await listen.start();
    } else {
      await listen.stop();
    }
    this.changed();
    return { listening: listen.status().listening };
  }

  /** The user spoke, typed or pressed stop: speech out stops at once. */
  bargeIn(): void {
    const u = this.current;
    if (u && !u.ended) this.finish(u, 'stopped');
  }

  /** A built-in voice command from ListenService; returns whether it was handled here. */
  handleCommand(command: string): boolean {
    if (/^(?:stop|stop talking|be quiet|quiet|shut up|silence)$/i.test(command.trim())) {
      this.bargeIn();
      return true;
    }
    if (/^mute$/i.test(command.trim())) {
      void this.configure({ muted: true });
      return true;
    }
    return false;
  }

  /** Listen status changed (ListenService's onChange). */
  changed(): void {
    this.stateQueue = this.stateQueue
      .then(async () => {
        const status = await this.status();
        const json = JSON.stringify(status);
        if (json === this.lastStateJson) return;
        this.lastStateJson = json;
        this.deps.emit({ type: 'voice.state', status });
      })
      .catch((err) => this.deps.log(`voice: status failed: ${toAlisaError(err).message}`));
  }

  async dispose(): Promise<void> {
    this.downloads.dispose();
    this.unsubscribe();
    this.bargeIn();
    this.chain.close();
    await this.listen?.dispose().catch(() => {});
    await this.stateQueue;
  }

  cacheStats() {
    return this.cache.stats();
  }

  // ---- one text to one clip (the waifu API: /api/tts, spoken chat replies) ----

  /**
   * The engine `id` for a one-off clip, and what tells its voice apart in a cache. A voice on a
   * server may get another URL, voice or key for this clip only (`server`): a new engine on the
   * configured one's settings, used once and never stored (its key with it).
   */
  clipEngine(id: TtsEngineId, server: HttpTtsSettings = {}): { engine: TtsEngine; tag: string } {
    const custom = (HTTP_TTS_IDS as readonly string[]).includes(id) && Object.values(server).some((v) => v !== undefined);
    if (!custom) return { engine: this.chain.engine(id), tag: `${this.chain.cacheTag(id)}|${this.prosodyTag()}` };
    const engine = new HttpTtsEngine(id as HttpTtsId, { ...this.servers[id as HttpTtsId], ...server });
    return { engine, tag: `${engine.cacheTag()}|${this.prosodyTag()}` };
  }

  /** What tells the chain's voices apart in a cache (its engines in order, the voice, rate and pitch). */
  chainTag(): string {
    return `${this.chain.order.map((id) => this.chain.cacheTag(id)).join('>')}|${this.prosodyTag()}`;
  }

  private prosodyTag(): string {
    return `${this.voice ?? ''}|${this.rate}|${this.pitch}`;
  }

  /**
   * Says a whole text into one clip, outside the speech pipeline: nothing is played or emitted,
   * and muting does not apply (the caller asked for a file). With `engine`, only that engine (its
   * failure is the error); without, the chain in its order, as replies are spoken.
   */
  async synthesizeClip(text: string, opts: { engine?: TtsEngine; voice?: string | null }, signal: AbortSignal): Promise<ChainResult> {
    const voice = opts.voice === undefined ? this.voice : opts.voice;
    const speak = { voice, rate: this.rate, pitch: this.pitch };
    const clean = cleanForSpeech(text);
    if (clean === '') throw new AlisaError('invalid_argument', 'There is nothing to say in this text.', 'Send words, not only code or markup.');
    const engine = opts.engine;
    if (!engine) return this.chain.synthesize(clean, speak, signal, { log: this.deps.log });
    const state = await engine.available();
    if (!state.available) throw new AlisaError('voice_unavailable', state.reason ?? `${ENGINE_NAMES[engine.id]} is not available.`);
    return { ...(await engine.synthesize(clean, speak, signal)), engine: engine.id };
  }

  // ---- speech out ----

  private onChatEvent(event: CompanionEvent): void {
    switch (event.type) {
      case 'reply.start':
        this.bargeIn();
        if (!this.muted) {
          this.chain.warm();
          this.begin(event.replyId);
        }
        break;
      case 'reply.token': {
        const u = this.current;
        if (u && u.replyId === event.replyId && !u.ended) this.enqueue(u, u.splitter.push(event.text));
        break;
      }
      case 'reply.end': {
        const u = this.current;
        if (!u || u.replyId !== event.replyId || u.ended) break;
        if (event.interrupted) {
          // The user stopped the reply: stop the voice too.
          this.finish(u, 'stopped');
          break;
        }
        u.inputDone = true;
        this.enqueue(u, u.splitter.flush());
        void this.pump(u);
        break;
      }
      case 'reply.error': {
        const u = this.current;
        if (u && u.replyId === event.replyId && !u.ended) this.finish(u, 'stopped');
        break;
      }
    }
  }

  private begin(replyId: string | null): Utterance {
    const u: Utterance = {
      id: randomUUID(),
      replyId,
      splitter: new SentenceSplitter(),
      controller: new AbortController(),
      waiting: [],
      inFlight: [],
      texts: [],
      nextSeq: 0,
      started: false,
      inputDone: false,
      emitting: false,
      spokeCode: false,
      chunks: 0,
      failedUnits: 0,
      ended: false,
      playFrom: null,
      sentMs: 0,
      fillTimer: null,
    };
    this.current = u;
    return u;
  }

  /** Speaks a finished text as its own utterance (not tied to a reply). */
  say(text: string): string | null {
    if (this.muted) return null;
    this.bargeIn();
    const u = this.begin(null);
    u.inputDone = true; // the whole text is known: full pipeline depth
    this.enqueue(u, [...u.splitter.push(text), ...u.splitter.flush()]);
    void this.pump(u);
    return u.id;
  }

  private enqueue(u: Utterance, units: string[]): void {
    for (const raw of units) {
      let text = cleanForSpeech(raw);
      if (text === '') continue;
      if (text === CODE_STAND_IN) {
        // Said once per reply, however many blocks there are.
        if (u.spokeCode) continue;
        u.spokeCode = true;
      }
      if (text.length > 2000) text = text.slice(0, 2000);
      u.waiting.push(text);
      this.startIfNeeded(u);
    }
    this.fill(u);
  }

  /** Starts synthesis for waiting units while there is room in the pipeline. */
  private fill(u: Utterance): void {
    while (!u.ended && u.waiting.length > 0 && u.inFlight.length < PIPELINE_DEPTH) {
      if (!u.inputDone) {
        // The model is still writing: one synthesis at a time, and only when the audio runs low.
        if (u.inFlight.length > 0) break;
        const ahead = u.playFrom === null ? 0 : u.playFrom + u.sentMs - performance.now();
        if (ahead > LEAD_WHILE_WRITING_MS) {
          if (!u.fillTimer) {
            u.fillTimer = setTimeout(() => {
              u.fillTimer = null;
              this.fill(u);
            }, ahead - LEAD_WHILE_WRITING_MS);
            u.fillTimer.unref?.();
          }
          break;
        }
      }
      const text = u.waiting.shift()!;
      u.texts.push(text);
      u.inFlight.push(this.synthesize(text, u.controller.signal));
    }
    void this.pump(u);
  }

  private async synthesize(text: string, signal: AbortSignal): Promise<ChainResult | null> {
    const voice = this.voice;
    const rate = this.rate;
    const pitch = this.pitch;
    try {
      const result = await this.chain.synthesize(text, { voice, rate, pitch }, signal, {
        cached: (engine) => this.cache.get(cacheKey({ engine: this.chain.cacheTag(engine), voice, rate, pitch, text })),
        log: this.deps.log,
      });
      void this.cache.put(cacheKey({ engine: this.chain.cacheTag(result.engine), voice, rate, pitch, text }), result);
      if (result.skipped?.some((f) => f.engine === 'piper')) this.offerVoice(result.engine);
      return result;
    } catch (err) {
      if (signal.aborted) return null;
      this.onAllFailed(err);
      return null;
    }
  }

  /** Emits finished chunks in order; ends the utterance when everything is out. */
  private async pump(u: Utterance): Promise<void> {
    if (u.emitting) return;
    u.emitting = true;
    try {
      while (!u.ended && u.inFlight.length > 0) {
        const result = await u.inFlight[0]!;
        if (u.ended) return;
        u.inFlight.shift();
        const text = u.texts.shift()!;
        if (result) {
          this.deps.emit({
            type: 'speech.chunk',
            utteranceId: u.id,
            replyId: u.replyId,
            seq: u.nextSeq++,
            text,
            engine: result.engine,
            mime: result.mime,
            data: result.data.toString('base64'),
            durationMs: result.durationMs,
          });
          u.chunks++;
          u.playFrom ??= performance.now();
          u.sentMs += result.durationMs ?? 0;
          if (this.lastEngine !== result.engine || this.lastError) {
            this.lastEngine = result.engine;
            this.lastError = null;
            this.changed();
          }
        } else {
          u.failedUnits++;
        }
        this.fill(u);
      }
      if (!u.ended && u.inputDone && u.waiting.length === 0 && u.inFlight.length === 0) {
        // Nothing to say at all (an empty reply) sent no speech.start, so finish() sends nothing.
        this.finish(u, u.chunks === 0 && u.failedUnits > 0 ? 'failed' : 'done');
      }
    } finally {
      u.emitting = false;
    }
    // Units that arrived while the last chunk was being emitted.
    if (!u.ended && u.inFlight.length > 0) void this.pump(u);
  }

  private startIfNeeded(u: Utterance): void {
    if (u.started) return;
    u.started = true;
    this.deps.emit({ type: 'speech.start', utteranceId: u.id, replyId: u.replyId });
    this.changed();
  }

  private finish(u: Utterance, reason: 'done' | 'stopped' | 'failed'): void {
    if (u.ended) return;
    const hadOutput = u.started;
    u.ended = true;
    if (u.fillTimer) clearTimeout(u.fillTimer);
    u.fillTimer = null;
    u.controller.abort(new AlisaError('cancelled', 'Speech stopped.'));
    u.waiting = [];
    u.inFlight = [];
    if (this.current === u) this.current = null;
    if (!hadOutput) return; // nothing to say yet: nothing to end
    this.deps.emit({ type: 'speech.end', utteranceId: u.id, replyId: u.replyId, reason });
    this.changed();
  }

  private onAllFailed(err: unknown): void {
    const failures = err instanceof AllEnginesFailed ? err.failures : [];
    const espeakMissing = failures.some((f) => f.engine === 'espeak' && /not installed/.test(f.reason));
    const piperNeedsVoice = failures.some((f) => f.engine === 'piper') && this.piperNeedsVoice();
    const message =
      failures.length === 0
        ? 'Alisa cannot speak: no text-to-speech engine is enabled.'
        : piperNeedsVoice
          ? 'Alisa stays silent for now (the chat goes on): Piper has no voice yet.'
          : 'Alisa cannot speak right now, so she stays silent (the chat goes on).';
    // Each engine's own words go under "Details", not into the sentence the user reads.
    const details = failures.map((f) => `${ENGINE_NAMES[f.engine]}: ${f.reason}`).join('\n');
    const action =
      failures.length === 0
        ? 'Enable an engine in the voice settings (piper, espeak; msedge is online).'
        : piperNeedsVoice
          ? `Download Piper's voice ${this.catalogVoice.name} (about ${Math.round(this.catalogVoice.sizeBytes / 1024 ** 2)} MB, once) or choose a voice you have${espeakMissing || !this.chain.order.includes('espeak') ? `, or install a simpler local voice (${ESPEAK_INSTALL})` : ''}.`
          : espeakMissing || !this.chain.order.includes('espeak')
            ? `Install a local voice (${ESPEAK_INSTALL}).`
            : 'Check the voice settings.';
    this.lastError = new AlisaError('voice_unavailable', message, action, details ? { details } : undefined);
    // Once per cause: which engines failed and how (not the changing details of each error).
    const cause = failures.map((f) => `${f.engine}:${causeClass(f.reason)}`).join(',') || 'none';
    this.deps.log(`voice: ${message}${details ? ` ${details.replace(/\n/g, '; ')}` : ''}`);
    if (this.noticed.has(cause)) return;
    this.noticed.add(cause);
    this.deps.emit({ type: 'voice.notice', message, action, code: piperNeedsVoice ? 'piper_voice_missing' : null, ...(details ? { details } : {}) });
    this.changed();
  }

  /** Piper (built in) is in the chain but has no voice, and none is downloading. */
  private piperNeedsVoice(): boolean {
    return !this.downloads.running && this.chain.order.includes('piper') && this.chain.engines.piper.needsVoice();
  }

  /**
   * Piper was passed over and another engine spoke: when that is because Piper has no voice yet,
   * say so once (code piper_voice_missing), so the UI can offer the download or a voice file.
   * Nothing is downloaded without the user's yes.
   */
  private offerVoice(spoke: TtsEngineId): void {
    if (!this.piperNeedsVoice() || this.noticed.has('piper:no-voice')) return;
    this.noticed.add('piper:no-voice');
    const message = `Alisa speaks with ${ENGINE_NAMES[spoke]} for now: Piper, her natural voice on this machine, has no voice yet.`;
    const action = `Download Piper's voice ${this.catalogVoice.name} (about ${Math.round(this.catalogVoice.sizeBytes / 1024 ** 2)} MB, once, from ${hostOf(this.catalogVoice.url)}) or choose a voice you have.`;
    this.deps.log(`voice: ${message}`);
    this.deps.emit({ type: 'voice.notice', message, action, code: 'piper_voice_missing' });
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const ENGINE_NAMES: Record<TtsEngineId, string> = {
  msedge: 'Edge TTS',
  espeak: 'espeak-ng',
  piper: 'Piper',
  'openai-tts': 'the OpenAI-compatible speech server',
  elevenlabs: 'ElevenLabs',
  fish: 'Fish Audio',
  xtts: 'the XTTS server',
};

function causeClass(reason: string): string {
  if (/not installed|not found|not set up|no voice model|does not exist|missing/i.test(reason)) return 'missing';
  if (/within \d+ ms/.test(reason)) return 'timeout';
  return 'error';
}

function checkProsody(name: string, value: string, re: RegExp): string {
  if (!re.test(value.trim()))
    throw new AlisaError(
      'invalid_argument',
      `The voice ${name} "${value}" is not valid.`,
      name === 'rate' ? 'Use a percentage such as "+15%".' : 'Use e.g. "+10Hz", "-5%" or "+2st".',
    );
  return value.trim();
}
