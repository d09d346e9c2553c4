// Alisa's actions (issue 16) in real VS Code, with the default policy (she asks before anything but
// reading): "/note buy milk" in the panel's message box brings VS Code's modal question with the
// exact note in its detail, and Allow writes the note; "Alisa: Run an Action…" with
// run_in_terminal `node script.js` asks with the exact command, Allow runs it and shows its output,
// Deny runs nothing (the audit log says so); propose_edit shows the diff and a notification whose
// Apply changes the file on disk, and "Alisa: Revert Alisa's Last Change" puts it back. Each editor
// action without a click is covered in the extension-host suite (tests/vscode-host/actions.ts).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_PATH, requireModel } from '../helpers/model';
import { missingPrerequisites } from './harness/code-server';
import { openVsCode, type VsCodeSession } from './harness/session';
import { editorText, until, type Workbench } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the actions end-to-end suite: ${missing}. .ci/run installs it.`);

const BUSY_OR_BROKEN = '.banner[data-kind="error"], .banner[data-kind="progress"]';
const SCRIPT = "require('fs').writeFileSync('ran.txt', 'ran');\nconsole.log('hello from script ' + (1 + 2));\n";
const GREETING = 'hello world\n';

/**
 * VS Code on a new workspace holding `files`, Alisa's panel open and her companion ready: the tiny
 * model, small replies, notes into a folder of their own. `restricted`: the workspace is not
 * trusted (Restricted Mode).
 */
async function openAlisa(suite: string, files: Record<string, string>, restricted = false) {
  requireModel();
  const workspace = mkdtempSync(path.join(os.tmpdir(), `alisa-e2e-${suite}-`));
  const notesDir = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-notes-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(workspace, name), text);
  const vscode = await openVsCode(suite, {
    workspace,
    restricted,
    settings: {
      'alisa.model.path': MODEL_PATH,
      'alisa.dataFolder': mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-data-')),
      'alisa.actions.notesFolder': notesDir,
      'alisa.llm.threads': 1,
      'alisa.llm.gpu': 'off',
      'alisa.llm.promptStyle': 'compact',
      'alisa.llm.historyTokens': 200,
      'alisa.llm.maxReplyTokens': 60,
    },
  });
  const frame = await vscode.wb.openAlisaFrame();
  await until('the companion to be ready', async () => (await frame.locator(BUSY_OR_BROKEN).count()) === 0, 90_000);
  return { vscode, frame, workspace, notesDir };
}

describe.skipIf(missing !== null)("Alisa's actions in real VS Code", { timeout: 180_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let wb: Workbench;
  let frame: Frame;
  let workspace: string;
  let notesDir: string;

  beforeAll(async () => {
    ({ vscode, frame, workspace, notesDir } = await openAlisa('actions', { 'script.js': SCRIPT, 'greeting.txt': GREETING }));
    wb = vscode.wb;
  }, 600_000);

  afterAll(() => vscode?.close());

  const notes = () => readdirSync(notesDir).map((f) => readFileSync(path.join(notesDir, f), 'utf8'));

  /** VS Code's modal question (the one whose text matches), once it is there. */
  async function question(text: RegExp): Promise<Locator> {
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: text }).first();
    await dialog.waitFor({ timeout: 60_000 });
    return dialog;
  }

  async function answer(dialog: Locator, button: 'Allow' | 'Deny'): Promise<void> {
    await dialog
      .locator('.monaco-button', { hasText: new RegExp(`^${button}$`) })
      .first()
      .click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
  }

  /** "Alisa: Run an Action…": the action from the list, then its arguments in the input boxes, in the schema's order. */
  async function runAction(name: string, values: Array<[key: string, value: string]>): Promise<void> {
    const { page } = wb;
    await wb.runCommand('Alisa: Run an Action');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'propose_edit' }).first().waitFor({ timeout: 30_000 });
    await input.fill(name);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
    await input.press('Enter');
    for (const [key, value] of values) {
      await page.locator('.quick-input-widget .quick-input-title', { hasText: `${name}: ${key}` }).waitFor({ timeout: 30_000 });
      await input.fill(value);
      await input.press('Enter');
    }
  }

  it('"/note buy milk" in the panel asks with the note in the modal; Allow writes it', async () => {
    const box = frame.locator('textarea[aria-label="Message Alisa"]');
    await box.fill('/note buy milk');
    await box.press('Enter');
    const dialog = await question(/Write a note/);
    const said = await dialog.innerText();
    expect(said).toContain('buy milk');
    expect(said).toContain(notesDir);
    expect(said).toMatch(/You asked for it/);
    for (const label of ['Allow', 'Always Allow in This Workspace', 'Deny']) {
      expect(await dialog.locator('.monaco-button', { hasText: new RegExp(`^${label}$`) }).count()).toBe(1);
    }
    await wb.screenshot('note-question');
    await answer(dialog, 'Allow');
    await until('the note on disk', async () => notes().some((n) => n.includes('buy milk')), 30_000);
    expect(notes()).toHaveLength(1);
  });

  it('run_in_terminal from the palette asks with the exact command; Allow runs it and shows its output', async () => {
    await runAction('run_in_terminal', [
      ['command', 'node script.js'],
      ['timeoutMs', ''],
    ]);
    const dialog = await question(/Run `node script\.js` in a terminal/);
    const detail = await dialog.locator('.dialog-message-detail').innerText();
    expect(detail.split('\n')).toContain('node script.js');
    expect(detail).toContain(`in ${workspace}`);
    await wb.screenshot('run-question');
    await answer(dialog, 'Allow');
    // The outcome opens as a document: the command's output and exit code.
    const shown = wb.page.locator('.monaco-editor .view-lines', { hasText: 'hello from script 3' }).first();
    await shown.waitFor({ timeout: 60_000 });
    expect(await editorText(shown)).toMatch(/`node script\.js` ended with exit code 0\./);
    expect(readFileSync(path.join(workspace, 'ran.txt'), 'utf8')).toBe('ran');
    // Shown live in the "Alisa" terminal too.
    await wb.page.locator('.part.panel .xterm').first().waitFor({ timeout: 30_000 });
    await wb.page.locator('.part.panel', { hasText: 'Alisa' }).first().waitFor({ timeout: 30_000 });
    await wb.screenshot('run-output');
  });

  it('Deny runs nothing, and the audit log says so', async () => {
    rmSync(path.join(workspace, 'ran.txt'));
    await runAction('run_in_terminal', [
      ['command', 'node script.js'],
      ['timeoutMs', ''],
    ]);
    await answer(await question(/Run `node script\.js` in a terminal/), 'Deny');
    await wb.runCommand('Alisa: Show Action Audit Log');
    const log = wb.page.locator('.monaco-editor .view-lines', { hasText: 'What Alisa did' }).first();
    await log.waitFor({ timeout: 30_000 });
    // Newest first: the denial, then the run before it (Markdown wraps the table's long rows: joined again).
    const flat = (await editorText(log)).replace(/\n/g, '');
    const outcomes = [...flat.matchAll(/\|\s*run_in_terminal\s*\|[^|]*\|[^|]*\|\s*(you\s*said\s*no|done)\s*[|:]/g)].map((m) => m[1]!.replace(/\s+/g, ' '));
    expect(outcomes).toEqual(['you said no', 'done']);
    expect(existsSync(path.join(workspace, 'ran.txt'))).toBe(false);
    await wb.screenshot('denied-audit');
  });

  it("propose_edit: the notification's Apply changes the file on disk; Revert Alisa's Last Change puts it back", async () => {
    await runAction('propose_edit', [
      ['path', 'greeting.txt'],
      ['content', 'hello from Alisa'],
    ]);
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'Alisa proposes a change to greeting.txt' }).first();
    await toast.waitFor({ timeout: 60_000 });
    // The diff is open before anything changes.
    await wb.page.locator('.tab', { hasText: "Alisa's proposal" }).first().waitFor({ timeout: 30_000 });
    expect(readFileSync(path.join(workspace, 'greeting.txt'), 'utf8')).toBe(GREETING);
    await wb.screenshot('propose-edit');
    await toast
      .locator('.monaco-button', { hasText: /^Apply$/ })
      .first()
      .click();
    await until('the change on disk', async () => readFileSync(path.join(workspace, 'greeting.txt'), 'utf8') === 'hello from Alisa', 30_000);
    // The action has ended (the change is in the Revert list) once the panel's card says so.
    await frame.getByText('Applied the change to greeting.txt.').first().waitFor({ timeout: 30_000 });
    await wb.runCommand("Alisa: Revert Alisa's Last Change");
    // The revert is an edit in the editor (undoable), not yet saved: the file's own tab, then save.
    const tab = wb.page.locator('.tab', { hasText: 'greeting.txt' }).filter({ hasNotText: 'proposal' }).first();
    await tab.waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
      await wb.screenshot('propose-edit-no-revert');
      throw err;
    });
    await tab.click();
    const lines = wb.page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
    await until('the revert in the editor', async () => (await editorText(lines)).trim() === GREETING.trim(), 30_000);
    await wb.page.keyboard.press('Control+S');
    await until('the file back on disk', async () => readFileSync(path.join(workspace, 'greeting.txt'), 'utf8') === GREETING, 30_000);
    await wb.screenshot('propose-edit-reverted');
  });
});

describe.skipIf(missing !== null)("Alisa in VS Code's Restricted Mode", { timeout: 180_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let frame: Frame;
  let notesDir: string;

  beforeAll(async () => {
    ({ vscode, frame, notesDir } = await openAlisa('actions-restricted', {}, true));
  }, 600_000);

  afterAll(() => vscode?.close());

  it('she is there and chats, and an action that changes files is refused without a question', async () => {
    const { page } = vscode!.wb;
    // The window really is in Restricted Mode.
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
    const box = frame.locator('textarea[aria-label="Message Alisa"]');
    await box.fill('Hello');
    await box.press('Enter');
    await frame.locator('[data-role="assistant"]').first().waitFor({ timeout: 60_000 });
    await box.fill('/note buy milk');
    await box.press('Enter');
    await frame
      .getByText(/Restricted Mode: Alisa does not change files here/)
      .first()
      .waitFor({ timeout: 30_000 });
    expect(await page.locator('.monaco-dialog-box').count()).toBe(0);
    expect(readdirSync(notesDir)).toEqual([]);
    await vscode!.wb.screenshot('restricted-refused');
  });
});
