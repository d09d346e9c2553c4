// The waifu-rt3d API's config and VS Code's settings are one source of truth (issue 19), in real
// VS Code: with `alisa.waifu.port` set, a `PUT /api/config` from one of its clients lands in the
// user's settings (output_mode "text" is alisa.voice.muted; tts.provider and its fallback chain are
// alisa.voice.ttsEngines), and a change made in VS Code ("Alisa: Mute/Unmute Alisa's Voice") shows
// in `GET /api/config`.
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireModel } from '../helpers/model';
import { missingPrerequisites } from './harness/code-server';
import { openWithTinyModel, type VsCodeSession } from './harness/session';
import { until } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the waifu-rt3d settings end-to-end suite: ${missing}. .ci/run installs it.`);

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(missing !== null)('the waifu-rt3d config and VS Code settings, in real VS Code', { timeout: 300_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let api: string;

  /**
   * What VS Code saved for the user. In a remote window (code-server is one) an update to the user's
   * settings goes to the remote's Machine settings when the key is already there (the harness puts
   * every setting there, see harness/code-server.ts), else to the User settings.
   */
  const saved = (key: string): unknown => {
    const read = (dir: string) => JSON.parse(readFileSync(path.join(vscode!.server.userDataDir, dir, 'settings.json'), 'utf8')) as Record<string, unknown>;
    const machine = read('Machine');
    return key in machine ? machine[key] : read('User')[key];
  };
  const config = async () => (await (await fetch(`${api}/api/config`)).json()) as { output_mode: string; tts: { provider: string; fallback_chain: string[] } };

  beforeAll(async () => {
    requireModel();
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-waifu-ws-'));
    vscode = await openWithTinyModel('waifu-settings', workspace, { 'alisa.waifu.port': port, 'alisa.voice.ttsEngines': ['piper', 'espeak'] });
    await until('the waifu-rt3d API to answer', async () => (await fetch(`${api}/api/healthcheck`).catch(() => null))?.ok, 60_000);
  }, 600_000);

  afterAll(() => vscode?.close());

  it('a PUT /api/config from its client is saved in the user settings', async () => {
    expect((await config()).output_mode).toBe('text+voice');
    const res = await fetch(`${api}/api/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ output_mode: 'text', tts: { provider: 'espeak', fallback_chain: ['piper_local'] } }),
    });
    const putAnswer = await res.text();
    expect(res.status).toBe(200);
    await until('alisa.voice.muted to be saved', async () => saved('alisa.voice.muted') === true, 30_000);
    await until('alisa.voice.ttsEngines to be saved', async () => JSON.stringify(saved('alisa.voice.ttsEngines')) === '["espeak","piper"]', 30_000).catch(
      async (err: Error) => {
        const answer = await (await fetch(`${api}/api/config`)).text();
        throw new Error(`${err.message}; PUT answered ${putAnswer}; GET now ${answer}; saved: ${JSON.stringify(saved('alisa.voice.ttsEngines'))}`);
      },
    );
    await vscode!.wb.screenshot('saved');
  });

  it('a change made in VS Code shows in GET /api/config', async () => {
    await vscode!.wb.runCommand("Alisa: Mute/Unmute Alisa's Voice");
    await until('alisa.voice.muted to be false', async () => saved('alisa.voice.muted') === false, 30_000);
    await until('the API to show the voice on', async () => (await config()).output_mode === 'text+voice', 30_000);
    const tts = (await config()).tts;
    expect([tts.provider, tts.fallback_chain]).toEqual(['espeak', ['piper_local']]);
  });
});
