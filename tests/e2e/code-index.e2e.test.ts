// "Ask about the codebase" (issue 17) in real VS Code with the real tiny model: the window sends
// its folder to the companion's codebase index when it connects; "Alisa: Ask About the Codebase…"
// takes a question in an input box and sends it through the panel with an `@codebase`
// attachment; her reply cites the chunk the index found as a file:line link, and clicking it
// opens the file at that line. The index itself is tested in tests/code-index*.test.ts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { requireModel } from '../helpers/model';
import { missingPrerequisites } from './harness/code-server';
import { openWithTinyModel, type VsCodeSession } from './harness/session';
import type { Workbench } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the codebase end-to-end suite: ${missing}. .ci/run installs it.`);

const PADDING = Array.from({ length: 8 }, (_, i) => `export const unrelated${i} = ${i};`).join('\n');
const CHECKOUT = `${PADDING}\n\nexport async function submitOrderToGateway(order: Order) {\n  await paymentGateway.charge(order.total);\n}\n`;

describe.skipIf(missing !== null)('Ask About the Codebase in real VS Code', { timeout: 240_000 }, () => {
  let vscode: (VsCodeSession & { frame: Frame }) | undefined;
  let wb: Workbench;
  let frame: Frame;

  beforeAll(async () => {
    requireModel();
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-codebase-'));
    mkdirSync(path.join(workspace, 'src'));
    writeFileSync(path.join(workspace, 'src', 'checkout.ts'), CHECKOUT);
    writeFileSync(path.join(workspace, 'src', 'cart.ts'), 'export function addToCart(cart: Cart, item: Item) {\n  cart.items.push(item);\n}\n');
    vscode = await openWithTinyModel('codebase', workspace);
    wb = vscode.wb;
    frame = vscode.frame;
  }, 600_000);

  afterAll(() => vscode?.close());

  it('the question goes with @codebase; the reply cites the chunk, and its link opens the file at the line', async () => {
    await wb.runCommand('Alisa: Ask About the Codebase');
    const input = wb.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('where is the order submitted to the payment gateway?');
    await input.press('Enter');

    frame = await wb.alisaFrame();
    const mine = frame.locator('.msg[data-role="user"]', { hasText: 'where is the order submitted' }).last();
    await mine.waitFor({ timeout: 30_000 });
    const reply = frame.locator('.msg[data-role="assistant"][data-status="complete"]').last();
    const link = reply.locator('a.msg-source-link', { hasText: /src\/checkout\.ts:\d+-\d+/ }).first();
    await link.waitFor({ timeout: 90_000 });
    await wb.screenshot('codebase-reply');
    const label = await link.innerText();
    const line = Number(/:(\d+)-/.exec(label)![1]);

    await wb.runCommand('View: Close All Editors');
    await link.click();
    await wb.page.locator('.tab.active', { hasText: 'checkout.ts' }).first().waitFor({ timeout: 30_000 });
    await wb.page
      .locator('.statusbar-item', { hasText: new RegExp(`Ln ${line}, Col 1`) })
      .first()
      .waitFor({ timeout: 30_000 });
    await wb.screenshot('codebase-source-opened');
  });
});
