// The codebase index (issue 17) in a real extension host: its settings' defaults, and "Alisa:
// Rebuild Codebase Index" sending the workspace's folders to the real companion, which indexes
// them (a file matching the privacy globs left out) and ends ready; the command answers with that
// final status. Search, updates and progress events are tested against the real companion in
// tests/code-index-companion.test.ts.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CodeIndexStatus } from '../../protocol/code-index';

type Test = (name: string, fn: () => Promise<void>) => void;

const DIR = 'code-index-test';

export function registerCodeIndexTests(test: Test): void {
  test('code index: on by default; "Rebuild Codebase Index" indexes the workspace and ends ready', async () => {
    const config = vscode.workspace.getConfiguration('alisa.codeIndex');
    assert.equal(config.get('enabled'), true);
    assert.equal(config.get('maxFileSizeKb'), 512);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const dir = path.join(folder.uri.fsPath, DIR);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'shipping.ts'), 'export function computeShippingQuote(weightKg: number) {\n  return 4 + weightKg * 1.5;\n}\n');
    writeFileSync(path.join(dir, '.env.test'), 'SHIPPING_API_KEY=abc123\n');
    try {
      // The command answers undefined until the companion is connected (it says why in a message).
      const deadline = Date.now() + 90_000;
      let status: CodeIndexStatus | undefined;
      while (!status) {
        status = await vscode.commands.executeCommand<CodeIndexStatus | undefined>('alisa.rebuildCodeIndex');
        if (status) break;
        if (Date.now() > deadline) throw new Error('the codebase index did not start within 90 s (is the companion connected?)');
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.equal(status.state, 'ready', JSON.stringify(status));
      assert.ok(status.files >= 1 && status.chunks >= 1, JSON.stringify(status));
      assert.ok((status.skipped.privacy ?? 0) >= 1, `the .env file is left out: ${JSON.stringify(status.skipped)}`);
      assert.equal(status.error, null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
