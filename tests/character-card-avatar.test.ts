// A character card's image becomes her avatar (issue 18), through the real companion over its
// WebSocket and HTTP, with a real SQLite database and the real avatar store: a PNG card makes one
// sprite set whose neutral frame is the card's image (without its card chunks) and her avatarId
// points at it; replacing her by a card replaces that avatar rather than adding one; deleting her
// deletes it but never an avatar the user imported; an image the store cannot use is a warning, not
// a failed import; character.update refuses an avatar id that names nothing; and a PNG export of a
// character without a card image shows her sprite avatar's neutral frame.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_AVATAR_ID, type AvatarInfo, type Character, type ErrorInfo } from '../protocol';
import { parseCard } from '../companion/persona/character-cards';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { cardPng, makePng } from './helpers/png';

const card = (name: string, greeting = 'Hello.') => ({
  spec: 'chara_card_v2',
  spec_version: '2.0',
  data: { name, description: `${name} helps with code.`, personality: 'calm', scenario: '', first_mes: greeting, mes_example: '' },
});
const b64 = (b: Buffer) => b.toString('base64');

let c: RunningCompanion;
let client: TestClient;
let files: string;

beforeAll(async () => {
  c = await startCompanion({ model: null, args: ['--no-model', '--no-idle', '--mute', '--rate-limit', '100000'] });
  client = await TestClient.connect(c);
  files = tempDir('alisa-card-avatar-');
});

afterAll(async () => {
  client?.close();
  await c?.stop();
  fs.rmSync(files, { recursive: true, force: true });
});

/** The stored avatars (not the built-in SVG). */
async function stored(): Promise<AvatarInfo[]> {
  return (await client.request('avatar.list', {})).avatars.filter((a) => !a.builtin);
}

/** A file the companion serves for an avatar (its url or thumbnailUrl, or a frame beside them). */
async function served(url: string): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await fetch(`${c.url}${url}`, { headers: { authorization: `Bearer ${c.token}` } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

/** The neutral frame of sprite avatar `a`, as the panel fetches it (sprites.json, then its base). */
async function neutralFrame(a: AvatarInfo): Promise<Buffer> {
  const manifest = await served(a.url!);
  expect(manifest.status).toBe(200);
  const base = (JSON.parse(manifest.body.toString('utf8')) as { emotions: { neutral: { base: string } } }).emotions.neutral.base;
  const frame = await served(a.url!.replace(/sprites\.json$/, base));
  expect(frame.status).toBe(200);
  expect(frame.type).toBe('image/png');
  return frame.body;
}

async function refusedWith(p: Promise<unknown>): Promise<ErrorInfo> {
  try {
    await p;
  } catch (err) {
    return (err as { info: ErrorInfo }).info;
  }
  throw new Error('the request was accepted');
}

describe("a card's image becomes her avatar", () => {
  let mika: Character;
  const first = makePng(12, 9, [200, 80, 60]);

  it('a PNG card makes one sprite avatar named after her, the card image as its neutral frame, and her avatarId points at it', async () => {
    const before = await stored();
    const r = await client.request('character.import', { data: b64(cardPng(card('Mika'), undefined, first)) });
    expect(r.status).toBe('imported');
    expect(r.warning).toBeUndefined();
    mika = r.character;
    const added = (await stored()).filter((a) => !before.some((b) => b.id === a.id));
    expect(added).toHaveLength(1);
    const avatar = added[0]!;
    expect(avatar).toMatchObject({ kind: 'sprites', name: 'Mika', images: 1 });
    expect(mika.avatarId).toBe(avatar.id);
    expect((await client.request('character.list', {})).characters.find((ch) => ch.id === mika.id)?.avatarId).toBe(avatar.id);
    expect((await neutralFrame(avatar)).equals(first)).toBe(true);
    // The picker shows it with a thumbnail the companion serves.
    expect(avatar.thumbnailUrl).toMatch(new RegExp(`^/avatars/${avatar.id}/thumbnail\\.png$`));
    const thumb = await served(avatar.thumbnailUrl!);
    expect(thumb.status).toBe(200);
    expect(thumb.type).toBe('image/png');
  });

  it('replacing her by a card replaces her card avatar: still one, now the new image', async () => {
    const old = mika.avatarId!;
    const second = makePng(10, 10, [20, 160, 90]);
    const r = await client.request('character.import', { data: b64(cardPng(card('Mika', 'Hi again.'), undefined, second)), onConflict: 'replace' });
    expect(r.status).toBe('replaced');
    const mine = (await stored()).filter((a) => a.name.startsWith('Mika'));
    expect(mine).toHaveLength(1);
    expect(r.character.avatarId).toBe(mine[0]!.id);
    expect(mine[0]!.id).toBe(old);
    expect((await neutralFrame(mine[0]!)).equals(second)).toBe(true);
    mika = r.character;
  });

  it('replacing her by a card without an image removes the previous card avatar and she has the default', async () => {
    const r = await client.request('character.import', { data: b64(Buffer.from(JSON.stringify(card('Mika')))), onConflict: 'replace' });
    expect(r.status).toBe('replaced');
    expect(r.character.avatarId).toBeNull();
    expect((await stored()).filter((a) => a.name.startsWith('Mika'))).toEqual([]);
    expect(fs.readdirSync(path.join(c.dataDir, 'avatars')).filter((n) => !n.startsWith('.') && n !== 'selected.json')).toEqual([]);
    await client.request('character.delete', { characterId: r.character.id });
  });

  it('deleting her deletes the avatar her card made, and nothing else', async () => {
    const r = await client.request('character.import', { data: b64(cardPng(card('Rin'), undefined, makePng(6, 6))) });
    const own = r.character.avatarId!;
    expect(own).toBeTruthy();
    const folder = path.join(c.dataDir, 'avatars', own);
    expect(fs.existsSync(folder)).toBe(true);
    // An avatar the user imported, chosen by another character, stays.
    const dir = path.join(files, 'user-sprites');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'neutral.png'), makePng(6, 6, [1, 2, 3]));
    const { avatar: users } = await client.request('avatar.import', { path: dir, kind: 'sprites' });
    await client.request('character.delete', { characterId: r.character.id });
    expect(fs.existsSync(folder)).toBe(false);
    expect((await stored()).map((a) => a.id)).toEqual([users.id]);
    // And a character who chose the user's avatar leaves it when she goes.
    const other = await client.request('character.create', { name: 'Plain', systemPrompt: 'You are plain.' });
    await client.request('character.update', { characterId: other.id, avatarId: users.id });
    await client.request('character.delete', { characterId: other.id });
    expect((await stored()).map((a) => a.id)).toEqual([users.id]);
    await client.request('avatar.delete', { id: users.id, confirm: true });
  });

  it('an image too large for a sprite: the card is imported, her portrait kept, no avatar, and the warning says why', async () => {
    const before = await stored();
    const wide = makePng(4097, 2);
    const r = await client.request('character.import', { data: b64(cardPng(card('Wide'), undefined, wide)) });
    expect(r.status).toBe('imported');
    expect(r.character).toMatchObject({ name: 'Wide', portrait: true, avatarId: null });
    expect(r.warning).toMatch(/did not become her avatar.*4097×2 pixels; at most 4096×4096/);
    expect(await stored()).toEqual(before);
    await client.request('character.delete', { characterId: r.character.id });
  });
});

describe('character.update and avatars', () => {
  it('refuses an avatar id that names no avatar; null and the built-in one are fine', async () => {
    const ch = await client.request('character.create', { name: 'Chooser', systemPrompt: 'You choose.' });
    const err = await refusedWith(client.request('character.update', { characterId: ch.id, avatarId: 'no-such-avatar-1a2b3c' }));
    expect(err.code).toBe('invalid_argument');
    expect(err.message).toContain('There is no avatar "no-such-avatar-1a2b3c"');
    // Nothing changed.
    expect((await client.request('character.list', {})).characters.find((x) => x.id === ch.id)?.avatarId ?? null).toBeNull();
    expect((await client.request('character.update', { characterId: ch.id, avatarId: BUILTIN_AVATAR_ID })).avatarId).toBe(BUILTIN_AVATAR_ID);
    expect((await client.request('character.update', { characterId: ch.id, avatarId: null })).avatarId).toBeNull();
    await client.request('character.delete', { characterId: ch.id });
  });
});

describe('export', () => {
  it('a PNG export of a character without a card image shows her sprite avatar’s neutral frame', async () => {
    const dir = path.join(files, 'export-sprites');
    fs.mkdirSync(dir, { recursive: true });
    const neutral = makePng(7, 5, [90, 30, 140]);
    fs.writeFileSync(path.join(dir, 'neutral.png'), neutral);
    fs.writeFileSync(path.join(dir, 'happy.png'), makePng(7, 5, [250, 200, 0]));
    const { avatar } = await client.request('avatar.import', { path: dir, kind: 'sprites' });
    const ch = await client.request('character.create', { name: 'Sprite Girl', systemPrompt: 'You are drawn.' });
    expect(ch.portrait).toBeFalsy();

    const plain = await client.request('character.export', { characterId: ch.id, format: 'png' });
    expect(plain.placeholderImage).toBe(true);

    await client.request('character.update', { characterId: ch.id, avatarId: avatar.id });
    const r = await client.request('character.export', { characterId: ch.id, format: 'png' });
    expect(r.placeholderImage).toBe(false);
    const exported = parseCard(Buffer.from(r.content!, 'base64'));
    expect(exported.card.data.name).toBe('Sprite Girl');
    expect(exported.image?.equals(neutral)).toBe(true);
    await client.request('character.delete', { characterId: ch.id });
    // Her avatar was the user's: it stays.
    expect((await stored()).map((a) => a.id)).toContain(avatar.id);
    await client.request('avatar.delete', { id: avatar.id, confirm: true });
  });
});
