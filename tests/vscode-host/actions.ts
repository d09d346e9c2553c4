// The editor actions (issue 16) in a real extension host: each one called through
// `executeCommand('alisa.actions.run', name, args)`, which answers the ActionOutcome, against a
// workspace the launcher opened (a temporary folder) that these tests fill: a git repository with
// one commit, a TypeScript file with a type error, a tasks.json with a shell task that writes a
// file, a script, a private .env and a link leading outside. What needs a click (the question's
// modal, propose_edit's Apply) is in the Playwright suite tests/e2e/actions.e2e.test.ts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ActionOutcome } from '../../protocol/actions';

type Test = (name: string, fn: () => Promise<void>) => void;

const NEEDLE = 'needle-7731';
const TS_FILE = 'src/total.ts';
const BROKEN_TS =
  'export function computeTotal(prices: number[]): number {\n  const label: number = "sum";\n  return prices.reduce((a, b) => a + b, 0) + label;\n}\n';
const SCRIPT = "console.log('hello from script ' + (1 + 2));\nprocess.exitCode = 7;\n";
const TASK = 'write-marker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(action: string, args: Record<string, unknown> = {}): Thenable<ActionOutcome | undefined> {
  return vscode.commands.executeCommand<ActionOutcome | undefined>('alisa.actions.run', action, args);
}

/** The outcome, which must be there (the companion is connected once `ready()` has returned). */
async function outcome(action: string, args: Record<string, unknown> = {}): Promise<ActionOutcome> {
  const o = await run(action, args);
  assert.ok(o, `${action}: no outcome (is the companion connected?)`);
  console.log(`    ${action} ${JSON.stringify(args)} -> ${o.status}${o.reason ? `: ${o.reason}` : ''}`);
  return o;
}

function textOf(o: ActionOutcome): string {
  assert.equal(o.status, 'done', `${o.action} did not run: ${o.status} (${o.reason})`);
  return String(o.result?.text ?? '');
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Alisa Test', '-c', 'user.email=alisa@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
  });

export function registerActionTests(test: Test): void {
  let root = '';
  let outside = '';
  const settings = () => vscode.workspace.getConfiguration('alisa.actions');

  test('actions: the workspace is set up and the companion takes actions from this window', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    root = folder.uri.fsPath;
    const file = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    };
    file(TS_FILE, BROKEN_TS);
    file('tsconfig.json', JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext' }, include: ['src'] }));
    file('notes.txt', `alpha\nbravo ${NEEDLE}\ncharlie\n`);
    file('script.js', SCRIPT);
    file('.env', `API_KEY=sk-test-${NEEDLE}\n`);
    file(
      '.vscode/tasks.json',
      JSON.stringify({ version: '2.0.0', tasks: [{ label: TASK, type: 'shell', command: 'echo task-ran > task-out.txt', problemMatcher: [] }] }, null, 2),
    );
    // Outside the workspace: a sibling file (`../`) and a folder a link inside points to.
    outside = mkdtempSync(path.join(os.tmpdir(), 'alisa-outside-'));
    writeFileSync(path.join(outside, 'secret.txt'), `outside ${NEEDLE}\n`);
    writeFileSync(path.join(root, '..', `${path.basename(root)}-outside.txt`), 'outside the workspace\n');
    symlinkSync(outside, path.join(root, 'link-out'));
    git(root, 'init', '-q');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'initial');
    // Many actions in a minute: more than the default limit of 10.
    await settings().update('perMinute', 600, vscode.ConfigurationTarget.Global);
    // The companion starts with the extension; the window registers its editor actions once connected.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const o = await run('git_status');
      if (o && !(o.status === 'refused' && /needs a VS Code window/.test(o.reason ?? ''))) {
        assert.equal(o.status, 'done', `git_status: ${o.status} (${o.reason})`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`the companion did not take actions within 90 s (last: ${JSON.stringify(o)})`);
      await sleep(500);
    }
  });

  test('actions: open_file opens the file at the line', async () => {
    const o = await outcome('open_file', { path: TS_FILE, line: 3 });
    assert.match(textOf(o), /Opened src\/total\.ts:3/);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an active editor');
    assert.equal(realpathSync(editor.document.uri.fsPath), realpathSync(path.join(root, TS_FILE)));
    assert.equal(editor.selection.active.line, 2);
  });

  test('actions: read_file reads a file, or a range of its lines', async () => {
    const whole = textOf(await outcome('read_file', { path: 'notes.txt' }));
    assert.match(whole, /^notes\.txt:1-\d/);
    assert.ok(whole.includes(`alpha\nbravo ${NEEDLE}\ncharlie`), whole);
    assert.equal(textOf(await outcome('read_file', { path: 'notes.txt', startLine: 2, endLine: 2 })), `notes.txt:2-2\nbravo ${NEEDLE}`);
  });

  test('actions: read_file refuses ../ and a link leading outside, and a file of the privacy globs', async () => {
    const up = await outcome('read_file', { path: `../${path.basename(root)}-outside.txt` });
    assert.equal(up.status, 'refused');
    assert.match(up.reason ?? '', /outside the workspace/);
    const link = await outcome('read_file', { path: 'link-out/secret.txt' });
    assert.equal(link.status, 'refused');
    assert.match(link.reason ?? '', /outside the workspace/);
    // Only this window knows the privacy globs: the companion passes it, the window refuses (reported as failed).
    const env = await outcome('read_file', { path: '.env' });
    assert.notEqual(env.status, 'done');
    assert.match(env.reason ?? '', /privacy globs/);
    assert.ok(!JSON.stringify(env).includes('sk-test'), 'nothing of .env in the outcome');
  });

  test('actions: find_in_workspace finds text (not in .env, not through the link) and a symbol', async () => {
    const found = await outcome('find_in_workspace', { query: NEEDLE });
    const matches = (found.result?.matches ?? []) as Array<{ path: string; line: number }>;
    assert.deepEqual(
      matches.map((m) => `${m.path}:${m.line}`),
      ['notes.txt:2'],
      textOf(found),
    );
    // The TypeScript service answers workspace symbols once it has loaded the project.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const o = await outcome('find_in_workspace', { query: 'computeTotal', kind: 'symbol' });
      const hits = ((o.result?.matches ?? []) as Array<{ path: string; line: number; text: string }>).filter((m) => m.path === TS_FILE);
      if (hits.length) {
        assert.equal(hits[0]!.line, 1);
        assert.match(hits[0]!.text, /computeTotal/);
        break;
      }
      if (Date.now() > deadline) throw new Error(`no symbol computeTotal within 90 s: ${textOf(o)}`);
      await sleep(1000);
    }
  });

  test("actions: list_problems lists the TypeScript file's error", async () => {
    const uri = vscode.Uri.file(path.join(root, TS_FILE));
    const hasError = () => vscode.languages.getDiagnostics(uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error);
    if (!hasError()) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          sub.dispose();
          reject(new Error('no TypeScript error in src/total.ts within 120 s'));
        }, 120_000);
        const sub = vscode.languages.onDidChangeDiagnostics(() => {
          if (!hasError()) return;
          clearTimeout(timer);
          sub.dispose();
          resolve();
        });
        // Subscribed: a report that came in meanwhile is seen now.
        if (hasError()) {
          clearTimeout(timer);
          sub.dispose();
          resolve();
        }
      });
    }
    const text = textOf(await outcome('list_problems'));
    assert.match(text, /^src\/total\.ts:2: error: .*not assignable/m, text);
  });

  test('actions: git_status and git_diff show a change', async () => {
    assert.doesNotMatch(textOf(await outcome('git_status')), /notes\.txt/);
    writeFileSync(path.join(root, 'notes.txt'), `alpha\nbravo ${NEEDLE} changed\ncharlie\n`);
    assert.match(textOf(await outcome('git_status')), /^ M notes\.txt$/m);
    const diff = textOf(await outcome('git_diff', { path: 'notes.txt' }));
    assert.match(diff, /^-bravo needle-7731$/m);
    assert.match(diff, /^\+bravo needle-7731 changed$/m);
    assert.match(textOf(await outcome('git_diff')), /notes\.txt/);
  });

  test('actions: open_url refuses an address that is not http(s)', async () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)']) {
      const o = await outcome('open_url', { url });
      assert.equal(o.status, 'refused');
      assert.match(o.reason ?? '', /only http:\/\/ and https:\/\//);
    }
  });

  test('actions: run_in_terminal refuses inline code; runs `node script.js` (output, exit code); run_task runs the task', async () => {
    const inline = await outcome('run_in_terminal', { command: 'node -e "console.log(1)"' });
    assert.equal(inline.status, 'refused');
    assert.match(inline.reason ?? '', /inline code/);
    // The user's own requests to run programs, without asking (a question would need a click).
    await settings().update('policy', { program: 'allow' }, vscode.ConfigurationTarget.Global);
    try {
      const ran = await outcome('run_in_terminal', { command: 'node script.js' });
      assert.match(textOf(ran), /hello from script 3/);
      assert.equal(ran.result?.exitCode, 7);
      assert.equal(ran.result?.timedOut, false);
      assert.ok(
        vscode.window.terminals.some((t) => t.name === 'Alisa'),
        'the "Alisa" terminal showed it',
      );
      const marker = path.join(root, 'task-out.txt');
      assert.equal(existsSync(marker), false);
      // The task list is read from tasks.json, which appeared after the window opened.
      let task = await outcome('run_task', { name: TASK });
      for (let i = 0; i < 10 && task.status === 'failed' && /There is no task/.test(task.reason ?? ''); i++) {
        await sleep(1000);
        task = await outcome('run_task', { name: TASK });
      }
      assert.match(textOf(task), /ended with exit code 0/);
      assert.equal(readFileSync(marker, 'utf8').trim(), 'task-ran');
    } finally {
      await settings().update('policy', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('actions: settings are reset and the outside files removed', async () => {
    await settings().update('perMinute', undefined, vscode.ConfigurationTarget.Global);
    assert.equal(settings().inspect('policy')?.globalValue, undefined);
    rmSync(path.join(root, '..', `${path.basename(root)}-outside.txt`), { force: true });
    rmSync(outside, { recursive: true, force: true });
  });
}
