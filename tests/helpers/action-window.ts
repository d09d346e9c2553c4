// A real companion with a test client that plays the VS Code window for Alisa's actions: it has
// registered (its folders, the editor actions it runs, trust) so questions come to it, and it
// answers them with `action.decide` (see tests/actions-*.test.ts).
import type { CompanionMessage } from '../../protocol';
import { startCompanion, TestClient, type RunningCompanion } from './companion';

export type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;

export interface ActionWindow {
  c: RunningCompanion;
  win: TestClient;
  /** Closes the client, stops the companion, then whatever else the test started (servers). */
  close(...more: Array<{ close(): Promise<void> } | undefined>): Promise<void>;
}

export async function startActionWindow(opts: {
  args: string[];
  model?: string | null;
  env?: NodeJS.ProcessEnv;
  register?: { actions: string[]; roots: string[]; trusted?: boolean };
}): Promise<ActionWindow> {
  const c = await startCompanion({ model: opts.model, env: opts.env, args: opts.args });
  const win = await TestClient.connect(c);
  const reg = opts.register ?? { actions: [], roots: [] };
  await win.request('action.register', { actions: reg.actions, roots: reg.roots, trusted: reg.trusted ?? true });
  return {
    c,
    win,
    close: async (...more) => {
      win.close();
      await c.stop();
      for (const m of more) await m?.close();
    },
  };
}

/** The next `action.ask` the client hears after event index `from`. */
export async function nextAsk(client: TestClient, from: number, timeoutMs = 60_000): Promise<Ev<'action.ask'>> {
  return (await client.waitFor((m) => m.type === 'action.ask' && client.events.indexOf(m) >= from, timeoutMs)) as Ev<'action.ask'>;
}
