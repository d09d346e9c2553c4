// Tests that run inside a real VS Code extension host (tier two, between the vitest unit tests
// and the Playwright UI suite): activation, contributed commands and settings. Loaded by
// @vscode/test-electron's `extensionTestsPath`; `run()` rejecting fails the run.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AlisaApi } from '../../extension/extension';
import type { DebugStop } from '../../protocol/context';
import { registerActionTests } from './actions';
import { registerInstructionsTests } from './instructions';
import { registerMentionTests } from './mentions';
import { registerCodeIndexTests } from './code-index';
import { registerCharacterCardTests } from './character-cards';
import { registerAvatarTests } from './avatars';

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

/** Resolves with the first value `pick` returns for an event, or rejects after `ms`. */
function waitFor<T, R>(event: vscode.Event<T>, pick: (e: T) => R | undefined, ms: number, what: string): Promise<R> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const sub = event((e) => {
      const r = pick(e);
      if (r === undefined) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(r);
    });
  });
}

/**
 * Runs a Node program in `dir` under VS Code's built-in js-debug that throws an uncaught TypeError
 * from `explode()` after 1.5 s, with the "uncaught exceptions" filter on, and returns the debugStop
 * the extension's DebugWatcher emitted.
 */
async function debugStopOf(dir: string): Promise<DebugStop> {
  const api = vscode.extensions.getExtension<AlisaApi>(EXTENSION_ID)!.exports;
  assert.equal(typeof api?.onContextUpdate, 'function', 'activate() returns the AlisaApi');
  const program = path.join(dir, 'explode.js');
  writeFileSync(
    program,
    [
      'function explode() {',
      "  throw new TypeError('boom from the debug test');",
      '}',
      '// Time to set exception breakpoints before the throw.',
      'setTimeout(() => explode(), 1500);',
      '',
    ].join('\n'),
  );
  const name = `alisa debug-stop test ${path.basename(dir)}`;
  const disposables: vscode.Disposable[] = [];
  const sessions: vscode.DebugSession[] = [];
  const filterResults: string[] = [];
  try {
    const stop = waitFor(api.onContextUpdate, (u) => u.debugStop, 60_000, 'a debugStop context update');
    // js-debug stops on no exception by default (filters 'all' and 'uncaught', both off) and there
    // is no API or launch property for the Breakpoints view's checkboxes: once VS Code has
    // configured a session (after the configurationDone response, so VS Code's own
    // setExceptionBreakpoints cannot override ours), ask for 'uncaught'. js-debug makes a parent
    // session and a child for the process; every session of this launch gets the request.
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => {
          if (session.name !== name && session.parentSession?.name !== name && !sessions.includes(session.parentSession!)) return undefined;
          sessions.push(session);
          return {
            onDidSendMessage: (m: { type?: string; command?: string }) => {
              if (m.type !== 'response' || m.command !== 'configurationDone') return;
              session.customRequest('setExceptionBreakpoints', { filters: ['uncaught'] }).then(
                () => filterResults.push(`${session.type}: ok`),
                (err: Error) => filterResults.push(`${session.type}: ${err.message}`),
              );
            },
          };
        },
      }),
    );
    const started = await vscode.debug.startDebugging(undefined, { type: 'node', request: 'launch', name, program, cwd: dir, console: 'internalConsole' });
    assert.equal(started, true, 'startDebugging');
    const debugStop = await stop.catch((err: Error) => {
      throw new Error(
        `${err.message} (sessions: ${sessions.map((s) => s.type).join(', ') || 'none'}; setExceptionBreakpoints: ${filterResults.join(', ') || 'not sent'})`,
      );
    });
    console.log(`    debugStop: ${JSON.stringify(debugStop)} (setExceptionBreakpoints: ${filterResults.join(', ')})`);
    return debugStop;
  } finally {
    for (const d of disposables) d.dispose();
    const root = sessions.find((s) => !s.parentSession) ?? vscode.debug.activeDebugSession;
    if (root) {
      const ended = waitFor(vscode.debug.onDidTerminateDebugSession, (s) => (s.id === root.id ? true : undefined), 30_000, 'the debug session to end');
      await vscode.debug.stopDebugging(root);
      await ended.catch((err: Error) => console.warn(`    ${err.message}`));
    }
  }
}

const fileUnder = (dir: string) => path.join(dir, 'explode.js');

test('the debug watcher reports an uncaught exception outside the workspace (named, without its place)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-debug-'));
  try {
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    assert.ok(!roots.some((r) => fileUnder(dir).startsWith(r + path.sep)), `${dir} is outside the workspace ${roots.join(', ')}`);
    const stop = await debugStopOf(dir);
    assert.match(stop.exceptionMessage, /boom from the debug test/);
    assert.match(stop.exceptionMessage, /TypeError/);
    assert.ok(stop.topFrame, 'a top frame');
    assert.match(stop.topFrame.name, /explode/);
    // Privacy: a frame outside the workspace is named, without its path or line.
    assert.equal(stop.topFrame.path, null);
    assert.equal(stop.topFrame.line, null);
    assert.equal(typeof stop.at, 'number');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the debug watcher reports an uncaught exception inside the workspace with its path and line', async () => {
  const root = vscode.workspace.workspaceFolders?.[0];
  assert.ok(root, 'a workspace folder is open');
  const dir = path.join(root.uri.fsPath, 'debug-stop-test');
  mkdirSync(dir, { recursive: true });
  try {
    const stop = await debugStopOf(dir);
    assert.match(stop.exceptionMessage, /boom from the debug test/);
    assert.ok(stop.topFrame, 'a top frame');
    assert.match(stop.topFrame.name, /explode/);
    assert.equal(stop.topFrame.path, 'debug-stop-test/explode.js');
    assert.equal(stop.topFrame.line, 2); // 1-based: the `throw` line
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The editor actions, each through `alisa.actions.run` (tests/vscode-host/actions.ts).
registerActionTests(test);

// Workspace instructions (tests/vscode-host/instructions.ts).
registerInstructionsTests(test);

// @-mentions read in the window (tests/vscode-host/mentions.ts).
registerMentionTests(test);

// The codebase index built from this window's folders (tests/vscode-host/code-index.ts).
registerCodeIndexTests(test);

// Character cards imported and exported through the commands (tests/vscode-host/character-cards.ts).
registerCharacterCardTests(test);
registerAvatarTests(test);

export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, fn] of tests) {
    const started = Date.now();
    try {
      await fn();
      console.log(`  ok  ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      failures.push(name);
      console.error(`  FAIL ${name}: ${(err as Error).stack ?? err}`);
    }
  }
  console.log(`${tests.length - failures.length} passed, ${failures.length} failed`);
  if (failures.length) throw new Error(`${failures.length} extension-host test(s) failed: ${failures.join('; ')}`);
}
