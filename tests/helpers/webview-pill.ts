// The status pills in the panel's header ("Camera", "Screen"): a button shown while the feature is
// on, its state in data-state, its explanation as title and label; a click asks the companion.
import { expect } from 'vitest';
import type { MethodName } from '../../protocol';
import type { FakeHost } from './fake-host';
import { settle } from './panel';

/** Whether the pill is in the header and shown. */
export const pillShown = (pill: HTMLElement | null): boolean => !!pill && !pill.hidden;

/** The pill is shown in `state` with `text`, an icon, and a title matching `title` that is also its label. */
export function expectPillShown(pill: HTMLElement, want: { state: string; text: string; title: RegExp }): void {
  expect(pillShown(pill)).toBe(true);
  expect(pill.dataset.state).toBe(want.state);
  expect(pill.textContent).toBe(want.text);
  expect(pill.querySelector('svg.icon')).not.toBeNull();
  expect(pill.title).toMatch(want.title);
  expect(pill.getAttribute('aria-label')).toBe(pill.title);
}

/** The pill is hidden and says no state. */
export function expectPillGone(pill: HTMLElement): void {
  expect(pillShown(pill)).toBe(false);
  expect(pill.dataset.state).toBeUndefined();
}

/** Clicks the pill and lets the companion answer; then the `method` requests so far were `asked` (when given), and the pill shows `state`. */
export async function clickPill(host: FakeHost, pill: () => HTMLElement, want: { method: MethodName; asked?: unknown[]; state: string }): Promise<void> {
  pill().click();
  await settle();
  if (want.asked) expect(host.requests(want.method).map((r) => r.params)).toEqual(want.asked);
  expect(pill().dataset.state).toBe(want.state);
}

/** Before its feature is on: the companion was asked for its status once, and the pill is hidden. */
export function expectPillNotYet(host: FakeHost, statusMethod: MethodName, pill: HTMLElement): void {
  expect(host.requests(statusMethod)).toHaveLength(1);
  expectPillGone(pill);
}
