// The context coalescer (pure): one update at most per interval, only what changed.
import { describe, expect, it } from 'vitest';
import { ContextCoalescer } from '../extension/awareness/coalescer';
import type { ContextUpdate } from '../protocol/context';
import { FakeTimers } from './helpers/fake-timers';

function setup(fail = false) {
  const clock = new FakeTimers();
  const sent: ContextUpdate[] = [];
  let failing = fail;
  const c = new ContextCoalescer(
    async (u) => {
      if (failing) throw new Error('offline');
      sent.push(u);
    },
    1000,
    clock,
  );
  return { clock, sent, c, setFailing: (f: boolean) => (failing = f) };
}

describe('ContextCoalescer', () => {
  it('merges a burst into one update, later values winning', async () => {
    const { clock, sent, c } = setup();
    c.update({ typing: true });
    c.update({ typing: false, terminalFailure: { commandLine: 'x', exitCode: 1, output: null, cwd: null, at: 1 } });
    c.update({ editor: null });
    await clock.advanceAsync(0);
    expect(sent).toEqual([{ typing: false, terminalFailure: { commandLine: 'x', exitCode: 1, output: null, cwd: null, at: 1 }, editor: null }]);
  });

  it('sends at most once per interval', async () => {
    const { clock, sent, c } = setup();
    c.update({ typing: true });
    await clock.advanceAsync(0);
    c.update({ typing: false });
    await clock.advanceAsync(500);
    expect(sent).toHaveLength(1);
    c.update({ diagnostics: [] });
    await clock.advanceAsync(499);
    expect(sent).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(sent).toEqual([{ typing: true }, { typing: false, diagnostics: [] }]);
  });

  it('sends nothing when nothing changed, and only the changed fields', async () => {
    const { clock, sent, c } = setup();
    c.update({ typing: false, diagnostics: [] });
    await clock.advanceAsync(1000);
    c.update({ typing: false, diagnostics: [] });
    await clock.advanceAsync(2000);
    expect(sent).toHaveLength(1);
    c.update({ typing: true, diagnostics: [] });
    await clock.advanceAsync(1000);
    expect(sent[1]).toEqual({ typing: true });
  });

  it('keeps an undelivered update for the next try, and resends everything after reset()', async () => {
    const { clock, sent, c, setFailing } = setup(true);
    c.update({ typing: true });
    await clock.advanceAsync(1000);
    expect(sent).toHaveLength(0);
    setFailing(false);
    c.update({ editor: null });
    // Failed at 0 and 1000: the next try waits 2 s (retries back off), new values or not.
    await clock.advanceAsync(1000);
    expect(sent).toHaveLength(0);
    await clock.advanceAsync(1000);
    expect(sent).toEqual([{ typing: true, editor: null }]);
    c.reset();
    c.update({ typing: true });
    await clock.advanceAsync(1000);
    expect(sent[1]).toEqual({ typing: true });
  });

  it('stops after dispose()', async () => {
    const { clock, sent, c } = setup();
    c.update({ typing: true });
    c.dispose();
    c.update({ typing: false });
    await clock.advanceAsync(5000);
    expect(sent).toHaveLength(0);
  });
});
