// The help-offer policy with a controllable clock: when she offers, and when she keeps quiet.
import { describe, expect, it } from 'vitest';
import type { HelpTarget } from '../protocol';
import { OfferPolicy, type OfferPolicyOptions } from '../companion/help/offer-policy';

function target(message: string, line = 3): HelpTarget {
  return { kind: 'diagnostic', path: 'src/app.ts', range: { start: { line, character: 0 }, end: { line, character: 5 } }, message, code: '2322' };
}
const A = { key: 'a', target: target("Type 'number' is not assignable to type 'string'.") };
const B = { key: 'b', target: target('Cannot find name foo.', 9) };
const C = { key: 'c', target: target('Missing semicolon.', 12) };

function setup(opts: OfferPolicyOptions = {}) {
  let t = 1_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const policy = new OfferPolicy({ now: clock.now, debounceMs: 4000, typingQuietMs: 2500, cooldownMs: 180_000, ...opts });
  /** The errors are seen and 5 s pass: the offer for `key` is due. */
  const offered = (errors: Array<{ key: string; target: HelpTarget }>, key: string) => {
    policy.observe(errors);
    clock.advance(5000);
    expect(policy.due()?.key).toBe(key);
  };
  /** Nothing is due until `ms` have passed; then the offer for `key` is. */
  const nextAfter = (ms: number, key: string) => {
    clock.advance(ms - 1);
    expect(policy.due()).toBeNull();
    clock.advance(1);
    expect(policy.due()?.key).toBe(key);
  };
  return { policy, clock, offered, nextAfter };
}

describe('OfferPolicy', () => {
  it('waits until an error has persisted for the debounce', () => {
    const { policy, clock } = setup();
    policy.observe([A]);
    expect(policy.due()).toBeNull();
    clock.advance(3999);
    policy.observe([A]);
    expect(policy.due()).toBeNull();
    clock.advance(1);
    expect(policy.due()).toEqual({ key: 'a', target: A.target });
  });

  it('forgets errors that vanished, and restarts the debounce when they return', () => {
    const { policy, clock } = setup();
    policy.observe([A]);
    clock.advance(3000);
    policy.observe([]);
    clock.advance(2000);
    expect(policy.due()).toBeNull();
    policy.observe([A]);
    clock.advance(3000);
    expect(policy.due()).toBeNull();
    clock.advance(1000);
    expect(policy.due()?.key).toBe('a');
  });

  it('keeps quiet while the user types', () => {
    const { policy, clock, nextAfter } = setup();
    policy.observe([A]);
    clock.advance(5000);
    policy.typing();
    expect(policy.due()).toBeNull();
    nextAfter(2500, 'a');
  });

  it('offers each error key at most once', () => {
    const { policy, clock, offered } = setup({ cooldownMs: 1000 });
    offered([A], 'a');
    clock.advance(10_000);
    policy.observe([A]);
    expect(policy.due()).toBeNull();
    // Even after it went and came back.
    policy.observe([]);
    policy.observe([A]);
    clock.advance(10_000);
    expect(policy.due()).toBeNull();
  });

  it('makes at most one offer per cooldown, the oldest error first', () => {
    const { policy, clock, offered, nextAfter } = setup();
    policy.observe([A]);
    clock.advance(1000);
    offered([A, B], 'a');
    nextAfter(180_000, 'b');
  });

  it('prefers an error in the file in front of the user over an older one elsewhere', () => {
    const { policy, clock } = setup();
    const py = { key: 'py', target: { ...target('NameError: x', 2), path: 'src/app.py' } };
    policy.observe([A]);
    clock.advance(1000);
    policy.observe([A, py]);
    clock.advance(5000);
    // A (src/app.ts) is older, but app.py is the active file: its error is the one she names.
    expect(policy.due(undefined, 'src/app.py')).toEqual({ key: 'py', target: py.target });
    clock.advance(180_000);
    // With no active file (or another one), the oldest comes first, as before.
    expect(policy.due(undefined, 'src/other.ts')).toEqual({ key: 'a', target: A.target });
  });

  it('multiplies the cooldown by 3 in focus mode', () => {
    const { policy, offered, nextAfter } = setup();
    policy.setFocusMode(true);
    offered([A, B], 'a');
    nextAfter(180_000 * 3, 'b');
  });

  it('offers nothing during a quiet hour', () => {
    let quiet = true;
    const hours: number[] = [];
    const { policy, clock } = setup({ quietHour: (h) => (hours.push(h), quiet), hourOf: (at) => Math.floor(at / 3_600_000) % 24 });
    policy.observe([A]);
    clock.advance(5000);
    expect(policy.due()).toBeNull();
    expect(hours.at(-1)).toBe(Math.floor(clock.now() / 3_600_000) % 24);
    quiet = false;
    expect(policy.due()?.key).toBe('a');
  });

  it('makes offers rarer after declines (doubling, at most x8) and forgets old declines', () => {
    const { policy, clock, offered, nextAfter } = setup();
    offered([A, B, C], 'a');
    policy.declined('a');
    expect(policy.cooldownAt()).toBe(360_000);
    nextAfter(360_000, 'b');
    policy.declined('b');
    expect(policy.cooldownAt()).toBe(720_000);
    policy.declined('x');
    policy.declined('y');
    expect(policy.cooldownAt()).toBe(180_000 * 8);
    // Declines older than 30 minutes no longer count.
    clock.advance(30 * 60_000);
    expect(policy.cooldownAt()).toBe(180_000);
    expect(policy.due()?.key).toBe('c');
  });

  it('resets the decline penalty when the user engages', () => {
    const { policy, clock, offered } = setup();
    offered([A, B], 'a');
    policy.declined('a');
    policy.declined('z');
    expect(policy.cooldownAt()).toBe(720_000);
    policy.engaged('q');
    expect(policy.cooldownAt()).toBe(180_000);
    clock.advance(180_000);
    expect(policy.due()?.key).toBe('b');
  });

  it('treats terminal failures and debug stops as errors with their own keys', () => {
    const { policy, clock } = setup({ cooldownMs: 0 });
    const term: HelpTarget = { kind: 'terminal', path: null, range: null, message: '`npm test` exited with code 1', code: '1' };
    policy.observe([{ key: 'term|npm test|1', target: term }]);
    clock.advance(4000);
    expect(policy.due()?.target.kind).toBe('terminal');
  });
});
