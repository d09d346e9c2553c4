// Big workspaces must not silence her (issue 13): the diagnostics part of `context.update` is
// bounded by design and every update fits the frame limit. The workspace's problems go through
// the extension's real path (diagnostics-budget.ts, as diagnostics-watcher.ts calls it, the
// coalescer, the extension's companion connection) to the real companion; what the panel shows
// comes from the `context.state` the companion sends back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotDiagnosticsV1 } from '../bench/baselines/diagnostics-snapshot-v1';
import { connectCompanion, type CompanionConnection } from '../extension/companion-connection';
import { ContextCoalescer } from '../extension/awareness/coalescer';
import { buildDiagnosticsSnapshot, fitUpdate, frameBytes, jsonBytes, type DiagnosticsFields } from '../extension/awareness/diagnostics-budget';
import { buildFileDiagnostics } from '../extension/awareness/excerpt';
import type { ActivityState, ContextUpdate } from '../protocol/context';
import { MAX_FRAME_BYTES } from '../protocol/limits';
import type { CompanionEvent } from '../protocol/messages';
import { contextNoticeText } from '../webview/ui/context-notice-view';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { diagnosticsWorkspace, type WorkspaceFile } from './helpers/diagnostics-workspace';
import { FakeTimers } from './helpers/fake-timers';
import { requireModel } from './helpers/model';

/** The watcher's call, with the workspace as VS Code would give it (RawDiagnostic: vscode-diagnostics.ts's output). */
function snapshot(ws: readonly WorkspaceFile[], active: string | null, recent: string[] = [], maxBytes?: number): DiagnosticsFields {
  return buildDiagnosticsSnapshot(
    ws.map((f) => ({ path: f.path, language: f.language, text: () => f.text, diagnostics: f.diagnostics })),
    { active, recent, severity: (d) => d.severity, toRaw: (d) => d, ...(maxBytes !== undefined ? { maxBytes } : {}) },
  );
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Every frame the coalescer hands to the connection, and how each ended. */
interface Attempt {
  json: string;
  bytes: number;
  outcome: { ok: true; state: ActivityState } | { ok: false; code: string | undefined; message: string };
}

describe('diagnostics updates in a big workspace, against the real companion', () => {
  let c: RunningCompanion;
  let conn: CompanionConnection;
  let panel: TestClient;
  beforeAll(async () => {
    requireModel();
    c = await startCompanion();
    conn = await connectCompanion({ port: c.port, token: c.token, client: 'vscode-test', onEvent: (_e: CompanionEvent) => {}, onClose: () => {} });
    // The panel: another client, as the webview is; it gets the companion's context.state.
    panel = await TestClient.connect(c);
  });
  afterAll(async () => {
    conn?.close();
    panel?.close();
    await c?.stop();
  });

  /** A coalescer sending through the extension's connection; `until` resolves once an attempt satisfies it. */
  function sender(opts: { maxBytes?: number; log?: (m: string) => void } = {}) {
    const attempts: Attempt[] = [];
    let waiter: { pred: (a: Attempt) => boolean; d: ReturnType<typeof deferred<Attempt>> } | null = null;
    const coalescer = new ContextCoalescer(
      async (u) => {
        const json = JSON.stringify(u);
        const attempt: Attempt = { json, bytes: frameBytes(u), outcome: { ok: false, code: undefined, message: '' } };
        attempts.push(attempt);
        try {
          const result = await conn.rpc.request('context.update', u);
          attempt.outcome = { ok: true, state: result.state };
          return result;
        } catch (err) {
          attempt.outcome = { ok: false, code: (err as { info?: { code: string } }).info?.code, message: (err as Error).message };
          throw err;
        } finally {
          if (waiter?.pred(attempt)) waiter.d.resolve(attempt);
        }
      },
      // A short interval: the retry after a refusal comes quickly (the 1 s default is the same logic).
      50,
      undefined,
      opts,
    );
    const until = (pred: (a: Attempt) => boolean) => {
      const seen = attempts.find(pred);
      if (seen) return Promise.resolve(seen);
      waiter = { pred, d: deferred<Attempt>() };
      return waiter.d.promise;
    };
    return { coalescer, attempts, until };
  }

  it('reproduces the bug: the unbounded snapshot of 1,000 errors across 50 files is over the frame limit and refused', async () => {
    const ws = diagnosticsWorkspace({ files: 50, diagnostics: 1000 });
    const update: ContextUpdate = { diagnostics: snapshotDiagnosticsV1(ws) };
    expect(frameBytes(update), 'the old snapshot should be over the limit').toBeGreaterThan(MAX_FRAME_BYTES);
    const err = await conn.rpc.request('context.update', update).then(
      () => null,
      (e: { info?: { code: string } }) => e,
    );
    // Refused at once, with the request's id (before, it came with id null and the extension waited 60 s).
    expect(err?.info?.code).toBe('frame_too_large');
  });

  for (const size of [
    { files: 50, diagnostics: 1000, activeIndex: 37 },
    { files: 2000, diagnostics: 50_000, activeIndex: 1234 },
  ]) {
    it(`${size.diagnostics.toLocaleString('en-US')} problems across ${size.files.toLocaleString('en-US')} files: one update under the limit, accepted, the active file in full, the truncation reported`, async () => {
      const ws = diagnosticsWorkspace({ files: size.files, diagnostics: size.diagnostics, openFiles: 10 });
      // The active file is open (its text gives excerpts) and is not among the files with the most errors.
      const active = ws[size.activeIndex]!;
      active.text = ws[0]!.text;
      const recent = [ws[size.files - 1]!.path, ws[size.files - 2]!.path];
      const fields = snapshot(ws, active.path, recent);

      const { coalescer, attempts, until } = sender();
      const from = panel.events.length;
      const stateEvent = panel.waitFor(
        (m) => panel.events.indexOf(m) >= from && m.type === 'context.state' && m.state.diagnosticsTruncated?.totalFiles === size.files,
      );
      coalescer.update(fields);
      const done = await until(() => true);
      coalescer.dispose();

      expect(attempts).toHaveLength(1);
      expect(done.outcome, JSON.stringify(done.outcome)).toMatchObject({ ok: true });
      expect(done.bytes).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      const sent = JSON.parse(done.json) as ContextUpdate;
      expect(Buffer.byteLength(JSON.stringify({ type: 'request', id: 'c1000000', method: 'context.update', params: sent }))).toBeLessThanOrEqual(
        MAX_FRAME_BYTES,
      );

      // The active file first and in full (the same as its own unbounded snapshot, excerpts included), then the recent ones.
      const full = buildFileDiagnostics({ path: active.path, language: active.language, text: active.text, diagnostics: active.diagnostics });
      expect(full?.excerpts).toBeDefined();
      expect(sent.diagnostics![0]).toEqual(full);
      expect(sent.diagnostics!.slice(1, 3).map((f) => f.path)).toEqual(recent);

      // What was left out, counted true: every file is either detailed, counted, or in the truncation's numbers.
      const t = sent.diagnosticsTruncated!;
      expect(t.totalFiles).toBe(size.files);
      expect(t.totalDiagnostics).toBe(size.diagnostics);
      expect(t.files).toBe(size.files - sent.diagnostics!.length);
      expect(t.diagnostics).toBe(size.diagnostics - sent.diagnostics!.reduce((n, f) => n + f.diagnostics.length, 0));
      expect(t.files).toBeGreaterThan(0);
      expect(sent.diagnosticCounts!.length).toBeGreaterThan(0);
      const named = new Set([...sent.diagnostics!.map((f) => f.path), ...sent.diagnosticCounts!.map((f) => f.path)]);
      expect(named.size).toBe(sent.diagnostics!.length + sent.diagnosticCounts!.length);
      for (const count of sent.diagnosticCounts!) {
        const file = ws.find((f) => f.path === count.path)!;
        expect(count.errors + count.warnings).toBe(file.diagnostics.length);
      }

      // The companion took it: its state and the panel's event say what was left out, and the panel words it.
      if (!done.outcome.ok) throw new Error('not accepted');
      expect(done.outcome.state.diagnosticsTruncated).toEqual(t);
      const event = await stateEvent;
      if (event.type !== 'context.state') throw new Error('unexpected event');
      expect(event.state.diagnosticsTruncated).toEqual(t);
      const notice = contextNoticeText(event.state.diagnosticsTruncated);
      expect(notice).toContain(`Showing Alisa ${(size.files - t.files).toLocaleString('en-US')} of ${size.files.toLocaleString('en-US')} files with problems`);
    });
  }

  it("is backward tolerant: an older extension's update (the list alone) means nothing was left out", async () => {
    const ws = diagnosticsWorkspace({ files: 300, diagnostics: 6000, seed: 5 });
    const first = await conn.rpc.request('context.update', snapshot(ws, null));
    expect(first.state.diagnosticsTruncated?.totalFiles).toBe(300);
    const from = panel.events.length;
    const cleared = panel.waitFor((m) => panel.events.indexOf(m) >= from && m.type === 'context.state' && m.state.diagnosticsTruncated === undefined);
    const old = await conn.rpc.request('context.update', { diagnostics: [] });
    expect(old.state.diagnosticsTruncated).toBeUndefined();
    await cleared;
  });

  it('never resends a refused frame unchanged: the budget halves and the smaller update is accepted', async () => {
    // An extension that believes the limit is 1 MiB (a companion with a smaller one), with an update of ~600 KB.
    const ws = diagnosticsWorkspace({ files: 200, diagnostics: 5000, seed: 7 });
    const fields = snapshot(ws, ws[3]!.path, [], 600 * 1024);
    expect(frameBytes(fields)).toBeGreaterThan(MAX_FRAME_BYTES);
    const logs: string[] = [];
    const { coalescer, attempts, until } = sender({ maxBytes: 1024 * 1024, log: (m) => logs.push(m) });
    coalescer.update(fields);
    const accepted = await until((a) => a.outcome.ok);
    coalescer.dispose();

    expect(attempts[0]!.outcome).toMatchObject({ ok: false, code: 'frame_too_large' });
    expect(accepted.bytes).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    // Each try strictly smaller than the refused one before it: never the same frame twice.
    for (let i = 1; i < attempts.length; i++) expect(attempts[i]!.bytes).toBeLessThanOrEqual(attempts[i - 1]!.bytes / 2 + 1);
    expect(new Set(attempts.map((a) => a.json)).size).toBe(attempts.length);
    expect(coalescer.budgetBytes).toBeLessThan(attempts[0]!.bytes);
    expect(
      logs.some((m) => /refused a context\.update of \d+ bytes as too large/.test(m)),
      logs.join('\n'),
    ).toBe(true);
    // The active file is still first and the truncation still true to what was sent.
    const sent = JSON.parse(accepted.json) as ContextUpdate;
    expect(sent.diagnostics![0]!.path).toBe(ws[3]!.path);
    expect(sent.diagnosticsTruncated!.files).toBe(200 - sent.diagnostics!.length);
  });
});

describe('bounded by design (pure)', () => {
  it('keeps the diagnostics group within its budget and the whole update within the frame limit, editor included', () => {
    const ws = diagnosticsWorkspace({ files: 2000, diagnostics: 50_000 });
    const fields = snapshot(ws, ws[5]!.path, [], 160 * 1024);
    expect(jsonBytes(fields)).toBeLessThanOrEqual(160 * 1024);
    const editor = { path: ws[5]!.path, language: 'typescript', visibleRange: null, selection: null, text: 'é'.repeat(4000), textStartLine: 0 };
    const fitted = fitUpdate({ ...fields, editor });
    expect(fitted).not.toBeNull();
    expect(frameBytes(fitted!.update)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });

  it('degrades an oversized update until it fits, least relevant first, with the truncation recounted', () => {
    const ws = diagnosticsWorkspace({ files: 300, diagnostics: 9000, seed: 3 });
    const fields = snapshot(ws, ws[10]!.path, [], 2 * 1024 * 1024);
    const before = fields.diagnosticsTruncated;
    const fitted = fitUpdate(fields, 40 * 1024)!;
    expect(fitted.degraded).toBe(true);
    expect(frameBytes(fitted.update)).toBeLessThanOrEqual(40 * 1024);
    const d = fitted.update.diagnostics!;
    expect(d[0]!.path).toBe(ws[10]!.path);
    expect(d.length).toBeLessThan(fields.diagnostics.length);
    const t = fitted.update.diagnosticsTruncated!;
    expect(t.totalFiles).toBe(before?.totalFiles ?? 300);
    expect(t.totalDiagnostics).toBe(9000);
    expect(t.files).toBe(300 - d.length);
    expect(t.diagnostics).toBe(9000 - d.reduce((n, f) => n + f.diagnostics.length, 0));
  });

  it('reports nothing left out when everything fits', () => {
    const ws = diagnosticsWorkspace({ files: 3, diagnostics: 12 });
    const fields = snapshot(ws, null);
    expect(fields.diagnosticsTruncated).toBeNull();
    expect(fields.diagnosticCounts).toEqual([]);
    expect(fields.diagnostics).toHaveLength(3);
    expect(contextNoticeText(fields.diagnosticsTruncated)).toBeNull();
  });

  it('retries other failures later and later, not every second', async () => {
    const clock = new FakeTimers();
    const at: number[] = [];
    const c = new ContextCoalescer(
      async () => {
        at.push(clock.time);
        throw new Error('not connected');
      },
      1000,
      clock,
    );
    c.update({ typing: true });
    await clock.advanceAsync(40_000);
    c.dispose();
    expect(at).toEqual([0, 1000, 3000, 7000, 15_000, 31_000]);
  });
});
