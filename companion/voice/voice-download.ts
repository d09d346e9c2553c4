// Downloading a Piper voice, on the user's request only (`voice.download`, "Alisa: Download
// Voice", `npm run voice -- --download-voice`): never silently.
//
//   1. Through the network gate (feature voice-download): blocked offline, asked once per host in
//      mode ask; redirects (GitHub's release CDN) belong to the approved operation.
//   2. Into DATA/voices/.downloads/<archive>.part, resumable: a later attempt asks only for the
//      rest (HTTP Range) and appends; a server that ignores Range sends it all again.
//   3. Cancellable (the signal), and abandoned after `stallMs` without a byte; what arrived is kept.
//   4. Unpacked in a worker thread (voice-archive.ts) into a hidden folder beside the target, then
//      moved into place with one rename (DATA/voices/<id>/): the engine never sees half a voice.
//
// Offline (the host cannot be reached) the error says so and names the alternative: choosing a
// voice folder or file the user already has. Nothing here runs what it downloads.
import { freeDiskBytes } from '../disk';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { VoiceDownloadPlan, VoiceDownloadState } from '../../protocol';
import { AlisaError } from '../errors';
// plan-text only (pure): llm/download-plan and model-source load node-llama-cpp.
import { formatBytes } from '../../common/plan-text';
import { voiceLacksDisk } from '../../common/voice-plan-text';

export { describeVoicePlan } from '../../common/voice-plan-text';
import { networkGate } from '../privacy/network-gate';
import { unpackTarBz2 } from './tts/voice-archive';
import { checkVoiceFolder, DEFAULT_PIPER_VOICE, type PiperCatalogVoice } from './tts/piper-voice';

const CHOOSE_VOICE_ALTERNATIVE =
  'choose a voice folder or .onnx file you already have ("Alisa: Choose Voice…" in VS Code, or alisa.voice.piperModel / --piper-model)';

export interface VoiceDownloadTimeouts {
  /** The server must answer (headers) within this time. */
  connectMs: number;
  /** A running download is abandoned after this long without data (what arrived is kept). */
  stallMs: number;
}

const DEFAULT_VOICE_TIMEOUTS: VoiceDownloadTimeouts = { connectMs: 15_000, stallMs: 30_000 };

interface VoiceDownloadOptions {
  voicesDir: string;
  voice?: PiperCatalogVoice;
  signal: AbortSignal;
  /** Every change of state (progress at most every ~1 %, and each step). */
  onState?: (state: VoiceDownloadState) => void;
  timeouts?: Partial<VoiceDownloadTimeouts>;
}

function archiveName(voice: PiperCatalogVoice): string {
  try {
    const name = decodeURIComponent(path.posix.basename(new URL(voice.url).pathname));
    if (name && !name.includes('/') && !name.includes('\\') && name !== '..') return name;
  } catch {
    // Not a URL: the download says so.
  }
  return `${voice.id}.tar.bz2`;
}

function partFile(voicesDir: string, voice: PiperCatalogVoice): string {
  return path.join(voicesDir, '.downloads', `${archiveName(voice)}.part`);
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** "fetch failed" alone says nothing: add the system error code and message from the cause. */
function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  if (cause?.message && cause.message !== err.message) return `${err.message}: ${cause.message}`;
  if (cause?.code) return `${err.message}: ${cause.code}`;
  return err.message;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The installed folder of `voice` in `voicesDir` when it is complete, else null. */
function installedCatalogVoice(voicesDir: string, voice: PiperCatalogVoice = DEFAULT_PIPER_VOICE): string | null {
  const dir = path.join(voicesDir, voice.id);
  return existsSync(dir) && !('problem' in checkVoiceFolder(dir)) ? dir : null;
}

/** What the download takes, told before it starts (no network). */
export function voiceDownloadPlan(voicesDir: string, voice: PiperCatalogVoice = DEFAULT_PIPER_VOICE): VoiceDownloadPlan {
  return {
    voice: voice.id,
    name: voice.name,
    host: hostOf(voice.url),
    url: voice.url,
    sizeBytes: voice.sizeBytes,
    unpackedBytes: voice.unpackedBytes,
    freeDiskBytes: freeDiskBytes(voicesDir),
    dir: path.join(voicesDir, voice.id),
    installed: installedCatalogVoice(voicesDir, voice) !== null,
    partialBytes: sizeOf(partFile(voicesDir, voice)),
  };
}

function cancelled(voice: PiperCatalogVoice): AlisaError {
  return new AlisaError('cancelled', `The download of the voice ${voice.name} was cancelled.`, 'Download it again to resume: what arrived is kept.');
}

/**
 * Downloads and installs `voice` (default: Amy) into `voicesDir/<id>/` and returns that folder.
 * Throws AlisaError: network_blocked (the gate), voice_download_failed (offline, HTTP error,
 * stall, a broken archive), cancelled.
 */
export async function downloadVoice(options: VoiceDownloadOptions): Promise<string> {
  const voice = options.voice ?? DEFAULT_PIPER_VOICE;
  const { voicesDir, signal } = options;
  const timeouts = { ...DEFAULT_VOICE_TIMEOUTS, ...options.timeouts };
  const target = path.join(voicesDir, voice.id);
  const state: VoiceDownloadState = {
    state: 'downloading',
    voice: voice.id,
    name: voice.name,
    progress: null,
    receivedBytes: null,
    totalBytes: null,
    path: null,
    error: null,
  };
  const emit = (patch: Partial<VoiceDownloadState>) => {
    Object.assign(state, patch);
    options.onState?.({ ...state });
  };
  try {
    const already = installedCatalogVoice(voicesDir, voice);
    if (already) {
      emit({ state: 'done', progress: 1, path: already });
      return already;
    }
    let url: URL;
    try {
      url = new URL(voice.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
    } catch (err) {
      throw new AlisaError('voice_download_failed', `The voice address ${voice.url} is not a valid http(s) URL.`, undefined, { cause: err });
    }
    const part = partFile(voicesDir, voice);
    mkdirSync(path.dirname(part), { recursive: true });
    const plan = voiceDownloadPlan(voicesDir, voice);
    if (voiceLacksDisk(plan)) {
      throw new AlisaError(
        'voice_download_failed',
        `Not enough disk space for the voice ${voice.name}: it needs about ${formatBytes(plan.sizeBytes - plan.partialBytes + plan.unpackedBytes)}, ${formatBytes(plan.freeDiskBytes!)} is free.`,
        `Free some space, or ${CHOOSE_VOICE_ALTERNATIVE}.`,
      );
    }
    emit({ receivedBytes: plan.partialBytes });
    await networkGate().run(
      {
        url: url.origin,
        feature: 'voice-download',
        purpose: `download the Piper voice ${voice.name} (${voice.id})`,
        alternative: CHOOSE_VOICE_ALTERNATIVE,
        signal,
        // GitHub release assets redirect to its download CDN.
        relatedHosts: url.hostname === 'github.com' ? ['*.githubusercontent.com'] : [],
      },
      () => fetchToPart(url.href, part, voice, timeouts, signal, emit),
    );

    // Unpack beside the target, then move it into place in one step.
    emit({ state: 'unpacking', progress: 0 });
    const staging = path.join(voicesDir, `.${voice.id}.unpack-${randomBytes(4).toString('hex')}`);
    try {
      try {
        await unpackTarBz2(part, staging, { signal, onProgress: (f) => emitProgress(emit, state, f) });
      } catch (err) {
        if (signal.aborted) throw cancelled(voice);
        // A corrupt archive would fail again on resume: start over next time.
        rmSync(part, { force: true });
        throw new AlisaError(
          'voice_download_failed',
          `The downloaded voice ${voice.name} could not be unpacked: ${(err as Error).message}.`,
          `Download it again (it starts over), or ${CHOOSE_VOICE_ALTERNATIVE}.`,
          { cause: err },
        );
      }
      const found = findVoiceFolder(staging);
      if (!found) {
        rmSync(part, { force: true });
        throw new AlisaError(
          'voice_download_failed',
          `The archive from ${url.host} holds no Piper voice for sherpa-onnx (model .onnx, tokens.txt and espeak-ng-data/).`,
          `Choose a voice you have instead: ${CHOOSE_VOICE_ALTERNATIVE}.`,
        );
      }
      if (signal.aborted) throw cancelled(voice);
      const old = existsSync(target) ? path.join(voicesDir, `.${voice.id}.old-${randomBytes(4).toString('hex')}`) : null;
      if (old) renameSync(target, old);
      renameSync(found, target);
      if (old) rmSync(old, { recursive: true, force: true });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    rmSync(part, { force: true });
    emit({ state: 'done', progress: 1, path: target });
    return target;
  } catch (err) {
    const error = signal.aborted
      ? cancelled(voice)
      : err instanceof AlisaError
        ? err
        : new AlisaError(
            'voice_download_failed',
            `Downloading the voice ${voice.name} failed: ${(err as Error).message}`,
            `Try again, or ${CHOOSE_VOICE_ALTERNATIVE}.`,
            { cause: err },
          );
    emit({ state: error.code === 'cancelled' ? 'cancelled' : 'error', error: error.toInfo() });
    throw error;
  }
}

function emitProgress(emit: (p: Partial<VoiceDownloadState>) => void, state: VoiceDownloadState, fraction: number): void {
  const f = Math.max(0, Math.min(1, fraction));
  // At most one update per percent.
  if (state.progress !== null && Math.floor(f * 100) === Math.floor(state.progress * 100) && f < 1) return;
  emit({ progress: f });
}

/** The folder with the voice's files: the unpacked folder itself, or the one folder in it. */
function findVoiceFolder(dir: string): string | null {
  if (!('problem' in checkVoiceFolder(dir))) return dir;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return null;
  }
  for (const name of entries) {
    const sub = path.join(dir, name);
    try {
      if (statSync(sub).isDirectory() && !('problem' in checkVoiceFolder(sub))) return sub;
    } catch {
      // Not a folder.
    }
  }
  return null;
}

/** Downloads (the rest of) `url` into `part`; resolves when the whole file is there. */
async function fetchToPart(
  url: string,
  part: string,
  voice: PiperCatalogVoice,
  timeouts: VoiceDownloadTimeouts,
  signal: AbortSignal,
  emit: (p: Partial<VoiceDownloadState>) => void,
): Promise<void> {
  const host = hostOf(url);
  for (let attempt = 0; attempt < 2; attempt++) {
    const have = sizeOf(part);
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let timer = setTimeout(() => controller.abort(new Error(`no answer within ${Math.round(timeouts.connectMs / 1000)} s`)), timeouts.connectMs);
    try {
      let response: Response;
      try {
        response = await fetch(url, { headers: have > 0 ? { range: `bytes=${have}-` } : {}, signal: controller.signal, redirect: 'follow' });
      } catch (err) {
        if (signal.aborted) throw cancelled(voice);
        if (err instanceof AlisaError) throw err;
        const reason = controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason.message : networkReason(err);
        const blocked = findCause(err, (e) => e instanceof AlisaError) as AlisaError | null;
        if (blocked) throw blocked;
        throw new AlisaError(
          'voice_download_failed',
          `Could not reach ${host} to download the voice ${voice.name}: the machine may be offline (${reason}).`,
          `${capitalize(CHOOSE_VOICE_ALTERNATIVE)} instead, or try again when online (what arrived is kept and resumes).`,
          { cause: err },
        );
      }
      let total: number | null = null;
      let append = false;
      if (response.status === 206) {
        const m = /bytes\s+(\d+)-(\d+)\/(\d+|\*)/i.exec(response.headers.get('content-range') ?? '');
        if (!m || Number(m[1]) !== have) {
          // Not the part asked for: start over.
          await response.body?.cancel().catch(() => {});
          rmSync(part, { force: true });
          continue;
        }
        total = m[3] === '*' ? null : Number(m[3]);
        append = true;
      } else if (response.status === 416 && have > 0) {
        // Nothing left to send: the part is complete if the server's size says so.
        await response.body?.cancel().catch(() => {});
        const m = /bytes\s+\*\/(\d+)/i.exec(response.headers.get('content-range') ?? '');
        if (m && Number(m[1]) === have) {
          emit({ progress: 1, receivedBytes: have, totalBytes: have });
          return;
        }
        rmSync(part, { force: true });
        continue;
      } else if (response.ok) {
        const len = Number(response.headers.get('content-length'));
        total = Number.isFinite(len) && len > 0 ? len : null;
        append = false; // the server sends everything (Range ignored)
      } else {
        await response.body?.cancel().catch(() => {});
        throw new AlisaError(
          'voice_download_failed',
          `Downloading the voice ${voice.name} failed: ${host} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
          `Try again later, or ${CHOOSE_VOICE_ALTERNATIVE}.`,
        );
      }
      if (!response.body)
        throw new AlisaError('voice_download_failed', `${host} sent no data for the voice ${voice.name}.`, `Try again later, or ${CHOOSE_VOICE_ALTERNATIVE}.`);

      let received = append ? have : 0;
      emit({ receivedBytes: received, totalBytes: total, progress: total ? received / total : null });
      const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
      const outDone = new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.once('finish', resolve);
      });
      let lastPercent = -1;
      let lastEmit = 0;
      try {
        const reader = response.body.getReader();
        for (;;) {
          clearTimeout(timer);
          timer = setTimeout(() => controller.abort(new Error(`no data received for ${Math.round(timeouts.stallMs / 1000)} s`)), timeouts.stallMs);
          const { done, value } = await reader.read();
          if (done) break;
          if (!out.write(value)) await new Promise<void>((resolve) => out.once('drain', resolve));
          received += value.byteLength;
          const percent = total ? Math.floor((received / total) * 100) : -1;
          const now = Date.now();
          if (percent !== lastPercent || (!total && now - lastEmit > 500)) {
            lastPercent = percent;
            lastEmit = now;
            emit({ receivedBytes: received, totalBytes: total, progress: total ? Math.min(1, received / total) : null });
          }
        }
      } catch (err) {
        if (signal.aborted) throw cancelled(voice);
        const reason = controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason.message : networkReason(err);
        throw new AlisaError(
          'voice_download_failed',
          `The download of the voice ${voice.name} from ${host} stopped (${reason}); ${formatBytes(received)} arrived and is kept.`,
          `Download it again to resume, or ${CHOOSE_VOICE_ALTERNATIVE}.`,
          { cause: err },
        );
      } finally {
        out.end();
        await outDone.catch(() => {});
      }
      if (total !== null && received !== total) {
        throw new AlisaError(
          'voice_download_failed',
          `The download of the voice ${voice.name} from ${host} ended early (${formatBytes(received)} of ${formatBytes(total)}).`,
          `Download it again to resume, or ${CHOOSE_VOICE_ALTERNATIVE}.`,
        );
      }
      emit({ receivedBytes: received, totalBytes: total ?? received, progress: 1 });
      return;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }
  throw new AlisaError(
    'voice_download_failed',
    `${host} did not send the part of the voice ${voice.name} that was asked for.`,
    `Try again later, or ${CHOOSE_VOICE_ALTERNATIVE}.`,
  );
}

function findCause(err: unknown, test: (e: unknown) => boolean): unknown {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    if (test(e)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
