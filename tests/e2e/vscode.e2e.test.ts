// Alisa in a real VS Code (code-server 4.100.3 = VS Code 1.100) in Debian's Chromium, driven as a
// user would: the packaged .vsix is installed, the view opened, messages sent to the real tiny
// model, the window reloaded, the companion killed, commands run from the palette. Screenshots of
// each step land in test-results/e2e/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_PATH, REPO_ROOT, requireModel } from '../helpers/model';
import { missingPrerequisites } from './harness/code-server';
import { openVsCode, type VsCodeSession } from './harness/session';
import { until, type Workbench } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the VS Code end-to-end suite: ${missing}. .ci/run installs it.`);

/** The companion processes started by the installed extension (not the tests' own). */
function companionPids(extensionsDir: string): number[] {
  const out = spawnSync('pgrep', ['-f', `${extensionsDir}.*companion.mjs`], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean).map(Number);
}

/** Banners shown while Alisa is starting, loading or broken. */
const BUSY_OR_BROKEN = '.banner[data-kind="error"], .banner[data-kind="progress"]';
const assistantMessages = (f: Frame) => f.locator('[data-role="assistant"]');

describe.skipIf(missing !== null)('Alisa in real VS Code', { timeout: 180_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let wb: Workbench;
  let frame: Frame;
  let extensionsDir: string;
  const dataFolder = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-data-'));

  beforeAll(async () => {
    requireModel();
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-ws-'));
    writeFileSync(path.join(workspace, 'hello.ts'), 'export const greeting: string = "hello";\n');
    vscode = await openVsCode('vscode', {
      workspace,
      settings: {
        'alisa.model.path': MODEL_PATH,
        'alisa.dataFolder': dataFolder,
        'alisa.llm.threads': 1,
        'alisa.llm.gpu': 'off',
        'alisa.llm.promptStyle': 'compact',
        'alisa.llm.emotionGrammar': true,
        'alisa.llm.historyTokens': 300,
        'alisa.llm.maxReplyTokens': 120,
      },
    });
    extensionsDir = path.join(path.dirname(vscode.server.userDataDir), 'extensions');
    wb = vscode.wb;
  }, 600_000);

  afterAll(() => vscode?.close());

  it('opens the Alisa view from the activity bar', async () => {
    frame = await wb.openAlisaFrame();
    await expect(frame.locator('textarea[aria-label="Message Alisa"]').isVisible()).resolves.toBe(true);
    await until('companion ready', async () => (await frame.locator(BUSY_OR_BROKEN).count()) === 0 && companionPids(extensionsDir).length === 1);
    await wb.screenshot('view-open');
  });

  it('sends a message and sees a streamed reply from the real model; the avatar shows its emotion', async () => {
    const avatar = frame.locator('[data-emotion][role="img"]').first();
    const initialEmotion = await avatar.getAttribute('data-emotion');
    const emotionsSeen = new Set<string>();
    for (let attempt = 0; attempt < 4; attempt++) {
      const before = await assistantMessages(frame).count();
      // Record every state the newest assistant message goes through, from inside the page.
      await frame.evaluate(() => {
        const w = window as unknown as { __seen: string[] };
        w.__seen = [];
        new MutationObserver(() => {
          const all = document.querySelectorAll('[data-role="assistant"]');
          const last = all[all.length - 1] as HTMLElement | undefined;
          if (last) w.__seen.push(`${last.dataset.status}:${last.textContent?.length ?? 0}`);
        }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });
      const box = frame.locator('textarea[aria-label="Message Alisa"]');
      await box.fill(`Tell me a story about a brave cat, please (${attempt})`);
      await box.press('Enter');
      const done = assistantMessages(frame).nth(before);
      await until('the reply to finish', async () => (await done.getAttribute('data-status')) === 'complete');
      const text = (await done.innerText()).trim();
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toMatch(/<\s*emotion/i);
      const seen = await frame.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
      const streamingLengths = new Set(seen.filter((s) => s.startsWith('streaming:')).map((s) => s.split(':')[1]));
      expect(streamingLengths.size, `states seen: ${seen.slice(0, 20).join(' ')}`).toBeGreaterThan(1);
      const replyEmotion = (await done.getAttribute('data-emotion'))!;
      await until('the avatar to show the reply emotion', async () => (await avatar.getAttribute('data-emotion')) === replyEmotion, 5000);
      emotionsSeen.add(replyEmotion);
      if (replyEmotion !== initialEmotion) break;
    }
    await wb.screenshot('reply-streamed');
    expect(
      [...emotionsSeen].some((e) => e !== initialEmotion),
      `avatar stayed ${initialEmotion}; replies were ${[...emotionsSeen]}`,
    ).toBe(true);
  });

  it('finds the history again after reloading the window', async () => {
    const texts = await assistantMessages(frame).allInnerTexts();
    // The reload is a new page load: wait for it, or the old workbench would still match below.
    const reloaded = wb.page.waitForEvent('load', { timeout: 60_000 });
    await wb.runCommand('Developer: Reload Window');
    await reloaded;
    await wb.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    // VS Code restores the open sidebar; the command reveals it either way (a click would toggle it).
    await wb.waitForAlisa();
    await wb.runCommand('Alisa: Open Chat');
    frame = await wb.alisaFrame();
    await until('history restored', async () => (await assistantMessages(frame).count()) === texts.length);
    expect(await assistantMessages(frame).allInnerTexts()).toEqual(texts);
    await wb.screenshot('after-reload');
  });

  it('brings the companion back after it is killed', async () => {
    const [pid] = companionPids(extensionsDir);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const newPid = await until('a new companion', async () => companionPids(extensionsDir).find((p) => p !== pid));
    expect(newPid).not.toBe(pid);
    await wb.screenshot('companion-restarted');
    const before = await assistantMessages(frame).count();
    const box = frame.locator('textarea[aria-label="Message Alisa"]');
    // Reconnected means no connection banner at all: "Alisa is restarting" is a warning.
    await until('the panel to reconnect', async () => (await frame.locator(`${BUSY_OR_BROKEN}, .banner[data-banner-id="connection"]`).count()) === 0);
    await box.fill('Are you back?');
    await box.press('Enter');
    await until('a reply after the restart', async () => (await assistantMessages(frame).nth(before).getAttribute('data-status')) === 'complete');
  });

  it('runs Alisa commands from the palette', async () => {
    await wb.runCommand('Alisa: New Chat Session');
    await until('an empty chat', async () => (await assistantMessages(frame).count()) === 0);
    await wb.screenshot('new-session');

    await wb.runCommand('Alisa: Search Memory');
    const input = wb.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('brave cat');
    await input.press('Enter');
    await until('search results', async () => (await frame.locator('mark').count()) > 0);
    await wb.screenshot('search');

    await wb.runCommand('Alisa: Show Logs');
    await until('the log output', async () => (await wb.page.locator('.output-view, .panel .monaco-editor').count()) > 0);
    await wb.screenshot('logs');

    const [pid] = companionPids(extensionsDir);
    await wb.runCommand('Alisa: Restart Companion');
    await until('a restarted companion', async () => {
      const pids = companionPids(extensionsDir);
      return pids.length === 1 && pids[0] !== pid;
    });
    await wb.screenshot('restarted');
  });

  it('the installed package carries what presence needs: its companion sees a face in an image', async () => {
    // The .vsix leaves out most of TensorFlow.js and human (see scripts/package.mjs): check that what
    // remains is enough, with the companion exactly as installed, outside VS Code.
    const installed = readdirSync(extensionsDir).find((n) => n.startsWith('alisa-dev.alisa'));
    expect(installed).toBeDefined();
    const bundle = path.join(extensionsDir, installed!, 'dist', 'companion.mjs');
    const data = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-presence-'));
    const proc = spawn(process.execPath, [bundle, '--no-model', '--no-idle', '--mute', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += d));
    try {
      const line = await new Promise<string>((resolve) => readline.createInterface({ input: proc.stdout! }).once('line', resolve));
      const ready = JSON.parse(line) as { port: number; token: string; protocolVersion: number };
      const ws = new WebSocket(`ws://127.0.0.1:${ready.port}/ws`, { headers: { authorization: `Bearer ${ready.token}` } });
      const events: Array<{ type: string; status?: { state: string | null; error: unknown } }> = [];
      ws.on('message', (d) => events.push(JSON.parse(d.toString())));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'hello', protocolVersion: ready.protocolVersion, client: 'e2e' }));
      await until('welcome', async () => events.some((e) => e.type === 'welcome'));
      const face = path.join(REPO_ROOT, 'tests', 'fixtures', 'presence', 'face.jpg');
      ws.send(JSON.stringify({ type: 'request', id: 'p1', method: 'presence.configure', params: { enabled: true, input: face } }));
      const seen = await until(
        'a presence state from the packaged face model',
        async () => events.find((e) => e.type === 'presence.state' && (e.status?.error || (e.status?.state && e.status.state !== 'absent'))) ?? null,
        60_000,
      );
      expect(seen.status?.error ?? null, stderr.slice(-2000)).toBeNull();
      expect(['present', 'focused']).toContain(seen.status?.state);
      ws.close();
    } finally {
      proc.kill('SIGTERM');
    }
  });
});
