// Tests that run inside a real VS Code extension host (tier two, between the vitest unit tests
// and the Playwright UI suite): activation, contributed commands and settings. Loaded by
// @vscode/test-electron's `extensionTestsPath`; `run()` rejecting fails the run.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'alisa-dev.alisa';
const tests: Array<[string, () => Promise<void>]> = [];
const test = (name: string, fn: () => Promise<void>) => tests.push([name, fn]);

test('the extension is installed and activates', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  const started = Date.now();
  await ext.activate();
  assert.equal(ext.isActive, true);
  console.log(`activated in ${Date.now() - started} ms (as seen from the test)`);
});

test('every contributed command is registered', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const contributed = (ext.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command);
  const registered = new Set(await vscode.commands.getCommands(true));
  const missing = contributed.filter((c) => !registered.has(c));
  assert.deepEqual(missing, [], `commands contributed but not registered: ${missing.join(', ')}`);
});

test('settings have their documented defaults', async () => {
  const config = vscode.workspace.getConfiguration('alisa');
  assert.equal(config.get('model.path'), '');
  assert.deepEqual(config.get('llm.providers'), ['embedded']);
  assert.equal(config.get('companion.nodePath'), 'node');
  assert.equal(config.get('mode'), 'teasing');
});

test('Open Chat reveals the Alisa view', async () => {
  await vscode.commands.executeCommand('alisa.openChat');
});

export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`  ok  ${name}`);
    } catch (err) {
      failures.push(name);
      console.error(`  FAIL ${name}: ${(err as Error).stack ?? err}`);
    }
  }
  console.log(`${tests.length - failures.length} passed, ${failures.length} failed`);
  if (failures.length) throw new Error(`${failures.length} extension-host test(s) failed: ${failures.join('; ')}`);
}
