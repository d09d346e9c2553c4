// The watchers' cost while the user types in a large file, in real VS Code (code-server): the
// extension host's CPU time while typing the same text with Alisa's awareness on and off, side by
// side (alternating rounds), and the time the typing itself took (lag shows up there).
// Prints: typing_exthost_cpu_ms_awareness_on, typing_exthost_cpu_ms_awareness_off,
// typing_exthost_cpu_ratio, typing_wall_ms_on, typing_wall_ms_off.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MODEL_PATH } from '../tests/helpers/model';
import { missingPrerequisites } from '../tests/e2e/harness/code-server';
import { openVsCode } from '../tests/e2e/harness/session';
import { runMain } from './lib/main';
import { machineLoad, median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TEXT = 'const value = compute(items.filter((x) => x.ok).map((x) => x.n));'.repeat(3);

/** The extension host of the code-server this bench started (a descendant of `root`), not another one on the machine. */
function ownExtensionHost(root: number): number | null {
  const hosts = spawnSync('pgrep', ['-f', 'type=extensionHost'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
  const parentOf = (pid: number): number | null => {
    try {
      return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    } catch {
      return null;
    }
  };
  for (const host of hosts) {
    for (let p: number | null = host, depth = 0; p && p > 1 && depth < 10; p = parentOf(p), depth++) if (p === root) return host;
  }
  return null;
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
}

async function main(): Promise<void> {
  const missing = missingPrerequisites();
  if (missing) return void console.log(`typing_bench: skipped (${missing})`);
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-typing-'));
  // A large file, with type errors (diagnostics that change as the user types: the text typed below
  // calls functions that do not exist), in a project TypeScript checks.
  const lines = Array.from({ length: 5000 }, (_, i) =>
    i % 25 === 0 ? `export const s${i}: string = ${i};` : `export function f${i}(a: number, b: number): number { return a * ${i} + b; }`,
  );
  writeFileSync(path.join(workspace, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, include: ['*.ts'] }));
  writeFileSync(path.join(workspace, 'big.ts'), lines.join('\n') + '\n');
  const { server, wb, close } = await openVsCode('typing-bench', {
    workspace,
    settings: {
      'alisa.model.path': MODEL_PATH,
      'alisa.llm.threads': 1,
      'alisa.llm.gpu': 'off',
      'alisa.dataFolder': mkdtempSync(path.join(os.tmpdir(), 'alisa-typing-data-')),
    },
  });
  const settingsFile = path.join(server.userDataDir, 'User', 'settings.json');
  const setAwareness = (on: boolean) => {
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
    settings['alisa.awareness.enabled'] = on;
    writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  };
  try {
    await wb.openAlisaFrame();
    const exthost = ownExtensionHost(server.proc.pid!);
    if (!exthost) throw new Error(`the extension host of this bench's code-server (pid ${server.proc.pid}) was not found`);
    await wb.page.keyboard.press('Control+P');
    await wb.page.locator('.quick-input-widget input').fill('big.ts');
    await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'big.ts' }).first().waitFor();
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.monaco-editor .view-lines').first().click();
    await wb.page.keyboard.press('Control+End');
    const results: Record<'on' | 'off', { cpu: number[]; wall: number[] }> = { on: { cpu: [], wall: [] }, off: { cpu: [], wall: [] } };
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of ['on', 'off'] as const) {
        setAwareness(mode === 'on');
        await wb.page.waitForTimeout(1500); // the setting applies; watchers start or stop
        const cpu0 = cpuMs(exthost);
        const t0 = performance.now();
        await wb.page.keyboard.type(TEXT, { delay: 15 });
        await wb.page.keyboard.press('Enter');
        await wb.page.waitForTimeout(2500); // debounced diagnostics and the coalescer settle
        results[mode].cpu.push(cpuMs(exthost) - cpu0);
        results[mode].wall.push(performance.now() - t0 - 2500);
      }
    }
    const on = median(results.on.cpu);
    const off = median(results.off.cpu);
    console.log(`typing_chars_per_round: ${TEXT.length}`);
    console.log(`typing_exthost_cpu_ms_awareness_on: ${on.toFixed(0)}`);
    console.log(`typing_exthost_cpu_ms_awareness_off: ${off.toFixed(0)}`);
    console.log(`typing_exthost_cpu_ratio: ${(on / Math.max(off, 1)).toFixed(2)}`);
    console.log(`typing_wall_ms_on: ${median(results.on.wall).toFixed(0)}`);
    console.log(`typing_wall_ms_off: ${median(results.off.wall).toFixed(0)}`);
    console.log(`typing_load: ${machineLoad()}`);
  } finally {
    await close();
  }
}

runMain(main);
