// Microsoft Edge's online read-aloud voices through msedge-tts 2.0.7 (the seed's engine): the
// best voice, but it needs the network. Offline it fails fast (DNS, ~20 ms); a server that
// accepts and then says nothing is caught by the chain's first-audio time limit.
//
// msedge-tts builds its WebSocket URL from the static `MsEdgeTTS.WSS_URL` (dist/MsEdgeTTS.js,
// getSynthUrl appends the token query), so an endpoint override (--edge-endpoint,
// ALISA_EDGE_TTS_URL) replaces that static before each connection; tests point it at a local
// server speaking the same wire format (tests/helpers/fake-edge-tts.ts).
//
// Connections are kept open and reused (up to two, one per request in flight); any failure or
// abort closes the connection it used, so the next request starts fresh. The library's own promise from `rawToStream` has no catch: everything that can
// make it reject (a closed socket) is checked first by `setMetadata`, which is awaited here.
import type { EngineState } from '../../../protocol';
import { isLoopbackHost, networkGate, parseTarget } from '../../privacy/network-gate';
import { abortableWork } from './run';
import type { SpeakOptions, SynthResult, TtsEngine } from './types';

export const EDGE_DEFAULTS = { voice: 'en-US-AnaNeural', rate: '+15%', pitch: '+10Hz' } as const;
/** audio-24khz-48kbitrate-mono-mp3: constant 48 kbit/s, so the duration follows from the size. */
const MP3_BITS_PER_SECOND = 48_000;

type MsEdgeModule = typeof import('msedge-tts');
type MsEdgeClient = InstanceType<MsEdgeModule['MsEdgeTTS']>;

let modulePromise: Promise<MsEdgeModule> | null = null;
let defaultUrl: string | null = null;
function loadModule(): Promise<MsEdgeModule> {
  // Loaded on first use: nothing of it runs at start-up.
  modulePromise ??= import('msedge-tts');
  return modulePromise;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Edge voices are named like "en-US-AnaNeural"; anything else (an espeak voice) means the default. */
function edgeVoice(voice: string | null): string {
  return voice && /^[a-z]{2,3}-[A-Za-z]{2,4}-\w+Neural$/.test(voice) ? voice : EDGE_DEFAULTS.voice;
}

function buildSsml(text: string, voice: string, rate: string, pitch: string): string {
  const lang = /^[a-z]{2,3}-[A-Za-z]{2,4}/.exec(voice)?.[0] ?? 'en-US';
  return (
    `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xmlns:mstts="https://www.w3.org/2001/mstts" xml:lang="${lang}">` +
    `<voice name="${escapeXml(voice)}"><prosody pitch="${escapeXml(pitch)}" rate="${escapeXml(rate)}" volume="+0%">${escapeXml(text)}</prosody></voice></speak>`
  );
}

export class MsEdgeEngine implements TtsEngine {
  readonly id = 'msedge' as const;
  /** Open connections not in use, by voice (at most MAX_IDLE kept). */
  private idle: Array<{ client: MsEdgeClient; voice: string }> = [];
  private busy = new Set<MsEdgeClient>();

  /** `endpoint`: a ws:// or wss:// URL replacing Edge's (tests, proxies); null for Edge's own. */
  constructor(private endpoint: string | null = null) {}

  setEndpoint(endpoint: string | null): void {
    if (endpoint !== this.endpoint) this.close();
    this.endpoint = endpoint;
  }

  async available(): Promise<EngineState> {
    // Reachability is only known by trying; the chain reports failures and cool-downs. Online:
    // what she says goes to Microsoft's service (unless the endpoint is on this machine).
    return { id: this.id, available: true, reason: null, online: !this.endpointIsLocal() };
  }

  private endpointIsLocal(): boolean {
    try {
      return this.endpoint !== null && isLoopbackHost(parseTarget(this.endpoint).host);
    } catch {
      return false;
    }
  }

  close(): void {
    for (const { client } of this.idle.splice(0)) closeQuietly(client);
    for (const client of this.busy) closeQuietly(client);
    this.busy.clear();
  }

  async synthesize(text: string, opts: SpeakOptions, signal: AbortSignal): Promise<SynthResult> {
    if (signal.aborted) throw signal.reason;
    const mod = await loadModule();
    const Cls = mod.MsEdgeTTS as unknown as { WSS_URL: string };
    defaultUrl ??= Cls.WSS_URL;
    const voice = edgeVoice(opts.voice);
    // A connection of its own for each request in flight (units are synthesised two at a time,
    // and a queue would count one unit's wait against the next one's time limit).
    // Through the network gate (alisa.network) before any use of a connection, new or kept open
    // (a blocked one is closed below).
    const gateRequest = {
      url: this.endpoint ?? defaultUrl!,
      feature: 'voice-edge',
      purpose: "speak with Microsoft Edge's online voice",
      alternative: 'use a voice on this machine (alisa.voice.ttsEngines: espeak or piper)',
      signal,
      // She speaks now: while the user has not answered, the next engine speaks instead.
      noWait: true,
    };
    const i = this.idle.findIndex((e) => e.voice === voice);
    const client = i >= 0 ? this.idle.splice(i, 1)[0]!.client : new mod.MsEdgeTTS();
    this.busy.add(client);
    const onAbort = () => closeQuietly(client);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // A new connection opens here, as part of the approved request: its bytes are counted on it.
      await networkGate().run(gateRequest, () => {
        Cls.WSS_URL = this.endpoint ?? defaultUrl!;
        return abortableWork(signal, client.setMetadata(voice, mod.OUTPUT_FORMAT.AUDIO_24KHZ_48KBITRATE_MONO_MP3, {}));
      });
      const { audioStream } = client.rawToStream(buildSsml(text, voice, opts.rate, opts.pitch));
      const data = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let ended = false;
        const fail = (err: unknown) => {
          signal.removeEventListener('abort', abortRead);
          reject(err);
        };
        const abortRead = () => fail(signal.reason);
        if (signal.aborted) return fail(signal.reason);
        signal.addEventListener('abort', abortRead, { once: true });
        audioStream.on('data', (d: Buffer) => {
          if (chunks.length === 0) opts.onAudio?.();
          chunks.push(Buffer.from(d));
        });
        audioStream.once('end', () => {
          ended = true;
          signal.removeEventListener('abort', abortRead);
          resolve(Buffer.concat(chunks));
        });
        audioStream.once('error', (err: Error) => fail(err));
        audioStream.once('close', () => {
          if (!ended) fail(new Error('Edge TTS closed the stream before the audio was complete.'));
        });
      });
      if (data.length === 0) throw new Error('Edge TTS sent no audio.');
      this.busy.delete(client);
      if (this.idle.length < MAX_IDLE) this.idle.push({ client, voice });
      else closeQuietly(client);
      return { mime: 'audio/mpeg', data, durationMs: Math.round(((data.length * 8) / MP3_BITS_PER_SECOND) * 1000) };
    } catch (err) {
      this.busy.delete(client);
      closeQuietly(client);
      throw err instanceof Error ? err : new Error(String(err));
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

const MAX_IDLE = 2;

function closeQuietly(client: MsEdgeClient): void {
  try {
    client.close();
  } catch {
    // Already closed.
  }
}
