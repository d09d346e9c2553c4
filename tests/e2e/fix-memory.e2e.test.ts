// The memory of fixes that worked (issue 17), in real VS Code: "Ask Alisa to fix" on a type error
// reported by VS Code's own TypeScript service, her proposal applied from the diff's title bar,
// the error gone from the real diagnostics, and the fix remembered (a memory of source 'fix' in
// the companion's database); the same error in another file then gets a fix request whose prompt
// says what fixed it last time. Her replies come from a scripted OpenAI-compatible server
// (tests/helpers/fake-tool-server.ts: a model that writes a correct fix cannot run here); it
// answers with the lines it was sent, corrected.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startToolServer, type ToolServer } from '../helpers/fake-tool-server';
import { missingPrerequisites } from './harness/code-server';
import { openVsCode, type VsCodeSession } from './harness/session';
import { editorText, until, type Workbench } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the fix memory end-to-end suite: ${missing}. .ci/run installs it.`);

const BROKEN = 'export function total(prices: number[]): number {\n  const label: number = "sum";\n  return prices.reduce((a, b) => a + b, 0) + label;\n}\n';
const OTHER = 'export function count(items: string[]): number {\n  const size: number = "many";\n  return items.length + size;\n}\n';
/** The one type error both files have, corrected the same way. */
const fixLine = (line: string) => line.replace(/: number = "[a-z]+";/, ': number = 0;');

/** The scripted model: a fix request gets the numbered lines it was sent, corrected, in one block. */
function reply(req: ToolServer['requests'][number]): { text: string } {
  const last = req.messages.at(-1);
  const prompt = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
  if (!prompt.includes('Fix it.')) return { text: '<emotion=calm> Hmph. Fine.' };
  const lines = [...prompt.matchAll(/^\s*\d+ \| (.*)$/gm)].map((m) => fixLine(m[1]!));
  return { text: `\`\`\`typescript\n${lines.join('\n')}\n\`\`\`` };
}

describe.skipIf(missing !== null)('the memory of fixes, in real VS Code', { timeout: 240_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let wb: Workbench;
  let server: ToolServer;
  let dataFolder: string;

  beforeAll(async () => {
    server = await startToolServer(reply);
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-fixmem-'));
    mkdirSync(path.join(workspace, 'src'));
    writeFileSync(path.join(workspace, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext' } }));
    writeFileSync(path.join(workspace, 'src', 'total.ts'), BROKEN);
    writeFileSync(path.join(workspace, 'src', 'count.ts'), OTHER);
    dataFolder = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-data-'));
    vscode = await openVsCode('fix-memory', {
      workspace,
      settings: {
        'alisa.llm.providers': ['openai'],
        'alisa.llm.endpoint': server.url,
        'alisa.dataFolder': dataFolder,
        'alisa.memory.recapAfterBreak': 'off',
      },
    });
    wb = vscode.wb;
    await wb.openAlisaFrame();
  }, 600_000);

  afterAll(async () => {
    await vscode?.close();
    await server?.close();
  });

  /** The fix memories in the companion's database (read-only, beside the running companion). */
  function fixMemories(): Array<{ text: string; signature: string | null }> {
    const db = new Database(path.join(dataFolder, 'alisa.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare("SELECT text, signature FROM memories WHERE source = 'fix'").all() as Array<{ text: string; signature: string | null }>;
    } finally {
      db.close();
    }
  }

  async function open(file: string): Promise<void> {
    await wb.quickOpen(file);
    await wb.page.locator('.squiggly-error').first().waitFor({ timeout: 90_000 });
  }

  /** The cursor onto the error (line 2, the variable's name), then the lightbulb's "Ask Alisa to fix". */
  async function askForFix(): Promise<void> {
    await wb.page.locator('.monaco-editor .view-lines').first().click();
    for (const key of ['Control+Home', 'ArrowDown', 'Home', ...Array(8).fill('ArrowRight')]) await wb.page.keyboard.press(key);
    await wb.page.keyboard.press('Control+.');
    await wb.page.locator('.action-widget .monaco-list-row.focused', { hasText: 'Ask Alisa to fix' }).first().waitFor({ timeout: 30_000 });
    await wb.page.keyboard.press('Enter');
  }

  it('an applied fix whose error goes away is remembered, with its signature and change', async () => {
    await open('total.ts');
    await askForFix();
    const { tab, diff, apply } = await wb.fixDiff(90_000);
    await apply.waitFor({ state: 'visible', timeout: 30_000 });
    const proposed = await editorText(diff.locator('.editor.modified .view-lines'));
    expect(proposed).toContain('const label: number = 0;');
    await wb.applyFix(tab, apply, proposed);
    // The TypeScript service checks the file again: the squiggle goes, and the fix is remembered.
    await until('the error to go away', async () => (await wb.page.locator('.squiggly-error').count()) === 0, 60_000);
    const [memory] = await until('the fix to be remembered', async () => {
      const rows = fixMemories();
      return rows.length > 0 ? rows : null;
    });
    expect(memory!.text).toMatch(/^Changing `"sum"` to `0` in src\/total\.ts fixed "Type 'string' is not assignable to type 'number'\."/);
    expect(memory!.signature).toMatch(/^d1:[0-9a-f]{32}$/);
    await wb.screenshot('fix-remembered');
  });

  it('the same error in another file: her fix request says what fixed it last time', async () => {
    await open('count.ts');
    const before = server.requests.length;
    await askForFix();
    await wb.fixDiff(90_000);
    const fixPrompt = server.requests
      .slice(before)
      .map((r) => JSON.stringify(r.messages))
      .find((m) => m.includes('Fix it.'));
    expect(fixPrompt).toContain('Last time this error came up here, this fixed it: Changing `\\"sum\\"` to `0` in src/total.ts fixed');
    await wb.screenshot('fix-recalled');
  });
});
