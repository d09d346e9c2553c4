// The companion as the extension's controllers see it (CompanionManager), faked for tests that run
// outside VS Code: every request is recorded, state changes and events are fired by the test. A
// test file subclasses it and answers the methods its controller uses in `answer`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, vi } from 'vitest';
import { EventEmitter, fake } from './fake-vscode';

/** The extension's package.json: the settings and commands as contributed. */
export const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

export interface SentRequest {
  method: string;
  params: any;
}

/** A recording fake companion manager; a method the subclass does not answer fails with `no <method>`. */
export class FakeManager {
  connected = true;
  readonly requests: SentRequest[] = [];
  readonly state = new EventEmitter<{ state: string }>();
  readonly events = new EventEmitter<any>();
  readonly onDidChangeState = this.state.event;
  readonly onDidReceiveEvent = this.events.event;
  readonly log = { warn: vi.fn() };

  async request(method: string, params: any): Promise<any> {
    this.requests.push({ method, params });
    await Promise.resolve();
    return this.answer(method, params);
  }

  /** The companion's answer to `method`; subclasses answer theirs and leave the rest to this one. */
  protected answer(method: string, _params: any): unknown {
    throw new Error(`no ${method}`);
  }

  /** The params of every `method` request, in order. */
  sent(method: string): any[] {
    return this.requests.filter((r) => r.method === method).map((r) => r.params);
  }
}

/** Lets the controllers' promise chains and zero-delay timers run. */
export const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

/** A fresh fake VS Code and `Manager`, a `Controller` made over it (with `args` after the manager), settled. */
export async function startController<M extends FakeManager, C, A extends unknown[]>(
  Manager: new () => M,
  Controller: new (manager: never, ...args: A) => C,
  ...args: A
): Promise<{ m: M; c: C }> {
  fake.reset();
  const m = new Manager();
  const c = new Controller(m as never, ...args);
  await flush();
  return { m, c };
}

/** Before each test: startController(), its manager and controller handed to `set`. */
export function useController<M extends FakeManager, C, A extends unknown[]>(
  Manager: new () => M,
  Controller: new (manager: never, ...args: A) => C,
  set: (started: { m: M; c: C }) => void,
  ...args: A
): void {
  beforeEach(async () => {
    set(await startController(Manager, Controller, ...args));
  });
}
