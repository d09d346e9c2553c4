// Model downloads without the internet: a local HTTP server stands in for the model host.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlisaError } from '../companion/errors';
import { EmbeddedProvider } from '../companion/llm';
import { describePlan, downloadPlan, lacksDisk } from '../companion/llm/download-plan';
import { RECOMMENDED_MODEL } from '../companion/config';
import { requireModel } from './helpers/model';

const MODEL_BYTES = readFileSync(requireModel());
const tmp = mkdtempSync(path.join(tmpdir(), 'alisa-download-'));
let origin = '';
const hanging = new Set<import('node:http').ServerResponse>();

/** An embedded provider that may download `model` into its own folder under tmp. */
const downloader = (model: string, dir: string, downloadTimeouts?: { preflightMs?: number; resolveMs?: number }) =>
  new EmbeddedProvider({
    model,
    modelsDir: path.join(tmp, dir),
    threads: 1,
    gpu: false,
    downloadAllowed: true,
    ...(downloadTimeouts ? { downloadTimeouts } : {}),
  });
/** The error a promise rejects with; null if it resolves. */
const errorOf = (attempt: Promise<unknown>) =>
  attempt.then(
    () => null,
    (e: unknown) => e as AlisaError,
  );

// Serves the model with HEAD and Range support (what a CDN does); /hang/* never answers.
let requests = 0;
const server: Server = createServer((req, res) => {
  requests++;
  if (req.url?.startsWith('/hang')) {
    hanging.add(res);
    return;
  }
  if (req.url !== '/files/tiny-model.gguf') {
    res.writeHead(404).end('not found');
    return;
  }
  const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const end = range?.[2] ? Number(range[2]) : MODEL_BYTES.length - 1;
  const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'content-length': String(end - start + 1) };
  if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${MODEL_BYTES.length}` });
  else res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  else res.end(MODEL_BYTES.subarray(start, end + 1));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

describe('EmbeddedProvider downloads', () => {
  it("never downloads without the user's yes: it says the size, disk and RAM, and waits", async () => {
    const modelsDir = path.join(tmp, 'consent');
    const uri = `${origin}/files/tiny-model.gguf`;
    const before = requests;
    const provider = new EmbeddedProvider({ model: uri, modelsDir, threads: 1, gpu: false });
    let err: AlisaError | null = null;
    await provider.ensureReady().catch((e: AlisaError) => (err = e));
    expect(err).toBeInstanceOf(AlisaError);
    expect(err!.code).toBe('model_download_required');
    expect(err!.message).toMatch(/free on that disk/);
    expect(err!.message).toMatch(/\(this machine has [\d.]+ GB/);
    expect(requests).toBe(before); // not one byte asked of the model host
    expect(existsSync(modelsDir)).toBe(false);
    const state = provider.state();
    expect(state).toMatchObject({ state: 'none', error: { code: 'model_download_required' } });
    expect(state.download).toMatchObject({ uri, host: new URL(origin).host, sizeBytes: null });
    expect(state.download!.freeDiskBytes).toBeGreaterThan(0);
    expect(state.download!.totalRamBytes).toBeGreaterThan(0);
    // The yes: the same provider now downloads.
    provider.allowDownload();
    await provider.ensureReady();
    expect(requests).toBeGreaterThan(before);
    expect(provider.state()).toMatchObject({ state: 'ready', download: null });
    await provider.dispose();
  });

  it("the recommended model's plan knows its size and warns when the disk is too small", () => {
    const plan = downloadPlan(RECOMMENDED_MODEL, tmp);
    expect(plan).toMatchObject({ host: 'huggingface.co', name: 'Llama 3.2 3B Instruct (Q4_K_M)' });
    expect(plan.sizeBytes).toBeGreaterThan(1.5e9);
    expect(plan.ramBytes).toBeGreaterThan(plan.sizeBytes!);
    expect(describePlan(plan)).toMatch(
      /^Downloading Llama 3\.2 3B Instruct \(Q4_K_M\) from huggingface\.co takes 1\.9 GB; [\d.]+ (GB|MB) is free on that disk; it needs about 2\.6 GB of RAM/,
    );
    expect(lacksDisk(plan)).toBe(plan.freeDiskBytes! < plan.sizeBytes!);
    expect(lacksDisk({ ...plan, freeDiskBytes: 1e9 })).toBe(true);
    expect(lacksDisk({ ...plan, freeDiskBytes: 5e9 })).toBe(false);
  });

  it('downloads an http(s) model into modelsDir with progress, then finds it offline next time', async () => {
    const modelsDir = path.join(tmp, 'models');
    const uri = `${origin}/files/tiny-model.gguf`;
    const provider = new EmbeddedProvider({ model: uri, modelsDir, threads: 1, gpu: false, downloadAllowed: true });
    const states: Array<{ state: string; progress: number | null }> = [];
    provider.onStateChange((s) => states.push({ state: s.state, progress: s.progress }));
    await provider.ensureReady();
    expect(existsSync(path.join(modelsDir, 'tiny-model.gguf'))).toBe(true);
    expect(states.some((s) => s.state === 'downloading')).toBe(true);
    expect(states.filter((s) => s.state === 'downloading').every((s) => s.progress !== null && s.progress >= 0 && s.progress <= 1)).toBe(true);
    expect(provider.state()).toMatchObject({ state: 'ready', model: 'tiny-model.gguf' });
    expect((await provider.generate({ messages: [{ role: 'user', content: 'Hi' }], maxTokens: 5, onText: () => {} })).completionTokens).toBeGreaterThan(0);
    await provider.dispose();

    // Same URI, server gone: the file in modelsDir is used without any request.
    const offline = new EmbeddedProvider({ model: uri.replace(origin, 'http://127.0.0.1:9'), modelsDir, threads: 1, gpu: false, downloadAllowed: true });
    const offlineStates: string[] = [];
    offline.onStateChange((s) => offlineStates.push(s.state));
    await offline.ensureReady();
    expect(offlineStates).not.toContain('downloading');
    await offline.dispose();
  }, 60_000);

  it('a download address that answers 404 is model_download_failed with the reason', async () => {
    const provider = downloader(`${origin}/files/none.gguf`, 'm404');
    const err = await errorOf(provider.ensureReady());
    expect(err).toBeInstanceOf(AlisaError);
    expect(err!.code).toBe('model_download_failed');
    expect(err!.message).toMatch(/Downloading the model .*none\.gguf failed/);
    await provider.dispose();
  }, 60_000);

  it('cancelLoad() stops a download that hangs; the state goes back to none', async () => {
    const provider = downloader(`${origin}/hang/model.gguf`, 'hang');
    // Wait for the downloading state (the event), not a fixed time.
    const downloading = new Promise<void>((resolve) => {
      const off = provider.onStateChange((s) => {
        if (s.state !== 'downloading') return;
        off();
        resolve();
      });
    });
    const attempt = provider.ensureReady();
    await downloading;
    expect(provider.state().state).toBe('downloading');
    provider.cancelLoad();
    // The download hangs for ever: only the cancel can end it (else the test times out).
    const err = await errorOf(attempt);
    expect(err?.code).toBe('cancelled');
    expect(provider.state()).toMatchObject({ state: 'none', error: { code: 'cancelled' } });
    await provider.dispose();
  });

  it('a host that never answers fails after the preflight limit; a stuck resolve after its limit', async () => {
    // A second server that accepts connections and never answers anything.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentOrigin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      // 1 s, not the default 10 s: the message names the limit that ended the wait.
      const provider = downloader(`${silentOrigin}/model.gguf`, 'silent', { preflightMs: 1000 });
      const err = await errorOf(provider.ensureReady());
      expect(err?.code).toBe('model_download_failed');
      expect(err?.message).toMatch(/could not be reached, the machine may be offline \(no answer within 1 s\)/);
      await provider.dispose();
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }

    // The host answers (the preflight passes) but the file request hangs.
    const stuck = downloader(`${origin}/hang/model.gguf`, 'hang2', { resolveMs: 500 });
    const err = await errorOf(stuck.ensureReady());
    expect(err?.code).toBe('model_download_failed');
    expect(err?.message).toMatch(/no answer while resolving the model/);
    await stuck.dispose();
  });
});
