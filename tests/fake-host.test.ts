// The shared fake webview Host (tests/helpers/fake-host.ts) checks its own answers against the
// protocol: a fake that answers what the companion cannot is caught, not believed.
import { describe, expect, it } from 'vitest';
import type { HostToWebview } from '../protocol';
import { FakeHost } from './helpers/fake-host';

class Recording extends FakeHost {
  breaches: string[] = [];
  protected override breach(problem: Error): void {
    this.breaches.push(problem.message);
  }
}

const answered = (host: FakeHost) => new Promise<HostToWebview>((resolve) => host.onMessage(resolve));

describe('the shared fake host', () => {
  it('answers from its table, and refuses what it does not know as the companion does', async () => {
    const host = new Recording('vscode', { answers: { 'mode.set': (p) => ({ mode: p.mode }) } });
    const reply = answered(host);
    host.send({ type: 'request', id: 1, method: 'mode.set', params: { mode: 'serious' } });
    expect(await reply).toEqual({ type: 'response', id: 1, result: { mode: 'serious' } });
    const unknown = new Recording();
    const refused = answered(unknown);
    unknown.send({ type: 'request', id: 2, method: 'status.get', params: {} });
    expect(await refused).toMatchObject({ type: 'error', id: 2, error: { code: 'unknown_method' } });
    expect(host.breaches).toEqual([]);
  });

  it("reports an answer that breaks the method's declared result", async () => {
    const host = new Recording('vscode', { answers: { 'mode.set': () => ({ mode: 'grumpy' }) } });
    const reply = answered(host);
    host.send({ type: 'request', id: 3, method: 'mode.set', params: { mode: 'serious' } });
    await reply;
    expect(host.breaches).toHaveLength(1);
    expect(host.breaches[0]).toContain('mode.set');
  });
});
