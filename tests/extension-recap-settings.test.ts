// The recap's settings in the editor (issue 17), against the shared fake `vscode`: what
// alisa.memory.recapAfterBreak / breakMinutes / privacy.excludeGlobs send as recap.configure (to
// the real companion over its WebSocket) on connection and on change, and the panel's answer saved
// as the user's setting.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter, fake } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import { readRecapSettings, RecapSettingsSync, saveRecapConsent } from '../extension/recap-settings';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { requireModel } from './helpers/model';

beforeEach(() => {
  fake.reset();
});

describe('reading and saving', () => {
  it('defaults to ask, 30 minutes and the privacy globs; bad values fall back', () => {
    expect(readRecapSettings()).toMatchObject({ mode: 'ask', breakMinutes: 30 });
    expect(readRecapSettings().privacyGlobs).toContain('**/.env*');
    fake.config['alisa.memory.recapAfterBreak'] = 'sometimes';
    fake.config['alisa.memory.breakMinutes'] = -5;
    fake.config['alisa.privacy.excludeGlobs'] = ['**/private/**'];
    expect(readRecapSettings()).toEqual({ mode: 'ask', breakMinutes: 30, privacyGlobs: ['**/private/**'] });
    fake.config['alisa.memory.recapAfterBreak'] = 'off';
    fake.config['alisa.memory.breakMinutes'] = 45;
    expect(readRecapSettings()).toMatchObject({ mode: 'off', breakMinutes: 45 });
  });

  it("the panel's answer becomes the user's setting (for every window)", async () => {
    await saveRecapConsent({ allow: true });
    await saveRecapConsent({ allow: 'maybe' });
    await saveRecapConsent({ allow: false });
    expect(fake.updates).toEqual([
      { key: 'alisa.memory.recapAfterBreak', value: 'on', target: 1 },
      { key: 'alisa.memory.recapAfterBreak', value: 'off', target: 1 },
    ]);
  });
});

describe('RecapSettingsSync with the real companion', () => {
  let companion: RunningCompanion;
  let client: TestClient;

  beforeAll(async () => {
    requireModel();
    companion = await startCompanion({ args: ['--no-idle', '--mute'] });
    client = await TestClient.connect(companion);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await companion?.stop();
  });

  it('configures on connection and on every change of its settings', async () => {
    const state = new EventEmitter<{ state: string }>();
    const answers: unknown[] = [];
    const manager = {
      connected: true,
      onDidChangeState: state.event,
      log: { warn: vi.fn() },
      request: async (method: 'recap.configure', params: never) => {
        const r = await client.request(method, params);
        answers.push(r);
        return r;
      },
    };
    const sync = new RecapSettingsSync(manager as never);
    await vi.waitFor(() => expect(answers).toEqual([{ mode: 'ask', breakMinutes: 30 }]));
    await fake.api.workspace.getConfiguration('alisa.memory').update('recapAfterBreak', 'on', 1);
    await vi.waitFor(() => expect(answers.at(-1)).toEqual({ mode: 'on', breakMinutes: 30 }));
    await fake.api.workspace.getConfiguration('alisa.memory').update('breakMinutes', 10, 1);
    await vi.waitFor(() => expect(answers.at(-1)).toEqual({ mode: 'on', breakMinutes: 10 }));
    // A restarted companion knows nothing: it is configured again when ready.
    const before = answers.length;
    state.fire({ state: 'ready' });
    await vi.waitFor(() => expect(answers.length).toBe(before + 1));
    expect(await client.request('recap.configure', {})).toEqual({ mode: 'on', breakMinutes: 10 });
    sync.dispose();
    expect(manager.log.warn).not.toHaveBeenCalled();
  }, 30_000);
});
