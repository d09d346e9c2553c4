// One session of real VS Code, for an e2e suite or a bench: code-server with the packaged .vsix,
// the workspace and the settings given, and Debian's Chromium on its workbench.
import type { Browser } from 'playwright-core';
import { ensureCodeServer, packageVsix, startCodeServer, type CodeServer, type CodeServerOptions } from './code-server';
import { launchBrowser, Workbench } from './workbench';

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
