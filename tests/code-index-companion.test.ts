// The codebase index (issue 17) through the real companion over its WebSocket: a window says its
// folders (codeIndex.build), hears the pass as codeIndex.progress events, searches, reports a
// changed file (codeIndex.update); paths outside its folders and clients without a workspace are
// refused; after a restart the index on disk answers at once and a new build reads nothing again.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompanionMessage } from '../protocol';
import { startCompanion, tempDir, type TestClient, type RunningCompanion } from './helpers/companion';
import { connectAs } from './helpers/comp-live';
import { requireModel } from './helpers/model';

type Progress = Extract<CompanionMessage, { type: 'codeIndex.progress' }>;
const WS = { id: 'file:///home/me/shop', name: 'shop' };

const root = tempDir('alisa-code-ws-');
const dataDir = tempDir('alisa-code-data-');
const files: Record<string, string> = {
  'src/cart.ts': 'export function addToCart(cart: Cart, item: Item) {\n  cart.items.push(item);\n  return cart;\n}\n',
  'src/checkout.ts': 'export async function submitOrder(cart: Cart) {\n  await paymentGateway.charge(cart.total);\n}\n',
  'lib/tax_rules.py': 'def vat_for_country(country):\n    return RATES.get(country, 0.2)\n',
  '.env': 'PAYMENT_KEY=submitOrder\n',
};
for (const [rel, text] of Object.entries(files)) {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}
const privacyGlobs = ['**/.env*'];
const running: RunningCompanion[] = [];
afterAll(async () => {
  for (const c of running) await c.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(withModel = false): Promise<{ c: RunningCompanion; client: TestClient }> {
  if (withModel) requireModel();
  const c = await startCompanion({ ...(withModel ? {} : { model: null }), dataDir, args: ['--no-idle', '--mute'] });
  running.push(c);
  return { c, client: await connectAs(c, WS) };
}

/** The first `codeIndex.progress` after event `from` whose pass is over. */
async function passEnd(client: TestClient, from: number): Promise<Progress> {
  const isEnd = (m: CompanionMessage) => m.type === 'codeIndex.progress' && m.workspace === WS.id && ['ready', 'error', 'cancelled'].includes(m.state);
  const seen = client.events.slice(from).find(isEnd);
  return (seen ?? (await client.waitFor((m) => client.events.indexOf(m) >= from && isEnd(m)))) as Progress;
}

describe('codeIndex.* through the real companion', () => {
  let client: TestClient;
  let c: RunningCompanion;

  it('build: progress events end in ready; search finds the chunk with path and lines; private files are not indexed', async () => {
    ({ c, client } = await start());
    const from = client.events.length;
    const started = await client.request('codeIndex.build', { folders: [{ path: root, name: 'shop' }], privacyGlobs });
    expect(started.workspace).toBe(WS.id);
    const end = await passEnd(client, from);
    expect(end).toMatchObject({ state: 'ready', files: 3, filesDone: 3, filesTotal: 3, error: null });
    expect(end.skipped.privacy).toBe(1);
    const progress = client.events.slice(from).filter((m): m is Progress => m.type === 'codeIndex.progress');
    expect(progress[0]?.state).toBe('scanning');

    const { hits } = await client.request('codeIndex.search', { query: 'how is the order submitted?', limit: 5 });
    expect(hits[0]).toMatchObject({ path: 'src/checkout.ts', startLine: 1, endLine: 3 });
    expect(hits[0]!.text).toContain('paymentGateway.charge');
    expect(hits.some((h) => h.path === '.env')).toBe(false);
    expect((await client.request('codeIndex.search', { query: 'vat country' })).hits[0]?.path).toBe('lib/tax_rules.py');
    expect(await client.request('codeIndex.status', {})).toMatchObject({ state: 'ready', files: 3 });
  }, 60_000);

  it('update: a changed file is indexed again; a path outside the folders is refused', async () => {
    writeFileSync(path.join(root, 'src/cart.ts'), 'export function removeFromCart(cart: Cart, id: string) {\n  return cart;\n}\n');
    const from = client.events.length;
    await client.request('codeIndex.update', { paths: [path.join(root, 'src/cart.ts')] });
    expect(await passEnd(client, from)).toMatchObject({ state: 'ready', filesTotal: 1, files: 3 });
    expect((await client.request('codeIndex.search', { query: 'removeFromCart' })).hits[0]?.path).toBe('src/cart.ts');
    // Its parts (add, cart) still match other chunks; the old text itself is gone.
    const old = (await client.request('codeIndex.search', { query: 'addToCart' })).hits;
    expect(old.some((h) => h.text.includes('addToCart'))).toBe(false);

    await expect(client.request('codeIndex.update', { paths: ['/etc/passwd'] })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    await expect(client.request('codeIndex.update', { paths: [path.join(root, '..', 'elsewhere.ts')] })).rejects.toMatchObject({
      info: { code: 'invalid_argument', message: expect.stringContaining('outside') },
    });
    await expect(client.request('codeIndex.build', { folders: [{ path: 'relative/dir', name: 'x' }], privacyGlobs })).rejects.toMatchObject({
      info: { code: 'invalid_argument' },
    });
  }, 60_000);

  it('a client without a workspace is told it has none', async () => {
    const bare = await connectAs(c, null);
    await expect(bare.request('codeIndex.search', { query: 'cart' })).rejects.toMatchObject({
      info: { code: 'invalid_argument', message: expect.stringContaining('has none') },
    });
    bare.close();
  });

  it('after a restart the index on disk answers at once, and a new build reads nothing again', async () => {
    client.close();
    await c.stop();
    ({ c, client } = await start());
    expect((await client.request('codeIndex.search', { query: 'removeFromCart' })).hits[0]?.path).toBe('src/cart.ts');
    const from = client.events.length;
    await client.request('codeIndex.build', { folders: [{ path: root, name: 'shop' }], privacyGlobs });
    expect(await passEnd(client, from)).toMatchObject({ state: 'ready', filesTotal: 0, files: 3 });
    client.close();
  }, 60_000);

  it('"Ask about the codebase": a chat message with an @codebase attachment gets the chunks into the prompt and cites them on reply.end (real tiny model)', async () => {
    await c.stop();
    ({ c, client } = await start(true));
    const from = client.events.length;
    await client.request('codeIndex.build', { folders: [{ path: root, name: 'shop' }], privacyGlobs });
    await passEnd(client, from);
    const started = await client.request('chat.send', {
      text: 'How is the order submitted to the payment gateway?',
      attachments: [{ kind: 'codebase', label: '@codebase', text: '' }],
    });
    const events = await client.reply(started.replyId!);
    const end = events.at(-1)!;
    expect(end.type).toBe('reply.end');
    const sources = end.type === 'reply.end' ? (end.sources ?? []) : [];
    expect(sources.find((s) => s.kind === 'codebase' && s.path === 'src/checkout.ts')).toMatchObject({ startLine: 1, endLine: 3 });
    expect(sources.some((s) => s.path === '.env')).toBe(false);
    client.close();
  }, 120_000);
});
