// One session of real VS Code, for an e2e suite or a bench: code-server with the packaged .vsix,
// the workspace and the settings given, and Debian's Chromium on its workbench.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Frame } from 'playwright-core';
import { MODEL_PATH } from '../../helpers/model';
import { ensureCodeServer, packageVsix, startCodeServer, type CodeServer, type CodeServerOptions } from './code-server';
import { launchBrowser, until, Workbench } from './workbench';

export interface VsCodeSession {
  server: CodeServer;
  browser: Browser;
  wb: Workbench;
  /** Closes the browser, then stops code-server. */
  close: () => Promise<void>;
}

/** `suite` prefixes the screenshots' names; `vsix` defaults to a fresh `packageVsix()`. */
export async function openVsCode(suite: string, opts: Omit<CodeServerOptions, 'vsix'> & { vsix?: string }): Promise<VsCodeSession> {
  await ensureCodeServer();
  const server = await startCodeServer({ ...opts, vsix: opts.vsix ?? (await packageVsix()) });
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server.stop();
  };
  try {
    browser = await launchBrowser();
    return { server, browser, wb: await Workbench.open(browser, server.url, suite), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Frames showing that the companion is not ready yet (or failed): starting, loading, an error banner. */
const BUSY_OR_BROKEN = '.banner[data-kind="error"], .banner[data-kind="progress"]';

/**
 * A session with the real tiny model (small and fast settings, a fresh data folder) on `workspace`,
 * the Alisa panel open and the companion ready: what most chat suites start from. `settings`
 * adds to (or overrides) those.
 */
export async function openWithTinyModel(suite: string, workspace: string, settings: Record<string, unknown> = {}): Promise<VsCodeSession & { frame: Frame }> {
  const session = await openVsCode(suite, {
    workspace,
    settings: {
      'alisa.model.path': MODEL_PATH,
      'alisa.dataFolder': mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-data-')),
      'alisa.llm.threads': 1,
      'alisa.llm.gpu': 'off',
      'alisa.llm.promptStyle': 'compact',
      'alisa.llm.historyTokens': 200,
      'alisa.llm.maxReplyTokens': 40,
      ...settings,
    },
  });
  try {
    const frame = await session.wb.openAlisaFrame();
    await until('the companion to be ready', async () => (await frame.locator(BUSY_OR_BROKEN).count()) === 0, 90_000);
    return { ...session, frame };
  } catch (err) {
    await session.close();
    throw err;
  }
}
