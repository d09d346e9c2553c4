// Real Chromium for the webview layout tests (playwright-core, /usr/bin/chromium): the page script
// bundled with esbuild from source in the repo, and the browser launched headless.
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** The repository's root: where a page script's imports are resolved from. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** Bundles `contents` (a page script importing from the repo) into one script for the page. */
export async function bundlePageScript(contents: string, loader: 'ts' | 'js'): Promise<string> {
  const out = await build({
    stdin: { contents, resolveDir: ROOT, loader },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** Chromium, headless and without a sandbox or a GPU (as in a container). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
