// The extension-host suite (tests/vscode-host/suite.ts) through the standard @vscode/test-electron
// runner, with code-server standing in for the VS Code download this machine cannot make.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/model';
import { ensureCodeServer, missingPrerequisites, run } from './harness/code-server';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the extension-host suite: ${missing}. .ci/run installs it.`);

describe.skipIf(missing !== null)('extension-host tests via @vscode/test-electron', () => {
  it('pass inside a real VS Code extension host', { timeout: 600_000 }, async () => {
    await ensureCodeServer();
    const r = await run(process.execPath, [path.join(REPO_ROOT, 'tests', 'vscode-host', 'run-tests.mjs'), '--code-server'], { cwd: REPO_ROOT });
    const out = r.out;
    expect(out, out).toMatch(/(\d+) passed, 0 failed/);
    expect(r.status, out).toBe(0);
  });
});
