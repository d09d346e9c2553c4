// Runs the extension-host test suite (tests/vscode-host/suite.ts) with @vscode/test-electron.
// On a machine that can download VS Code, that is what happens (`node tests/vscode-host/run-tests.mjs`);
// with `--code-server` (or offline, as here) the code-server launcher stands in for the VS Code
// executable. VSCODE_EXECUTABLE points it at any VS Code binary instead.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const suite = path.join(root, 'dist-test', 'vscode-suite.js');
await build({
  entryPoints: [path.join(root, 'tests', 'vscode-host', 'suite.ts')],
  outfile: suite,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  logLevel: 'warning',
});
const useCodeServer = process.argv.includes('--code-server');
const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE ?? (useCodeServer ? path.join(root, 'tests', 'vscode-host', 'code-server-launcher.mjs') : undefined);
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: suite,
    ...(vscodeExecutablePath ? { vscodeExecutablePath } : {}),
    extensionTestsEnv: { ALISA_TEST_MODEL: process.env.ALISA_TEST_MODEL ?? path.join(root, '..', 'shared', 'models', 'stories260K.gguf') },
  });
  process.exit(0);
} catch (err) {
  console.error(`extension-host tests failed: ${err.message}`);
  process.exit(1);
}
