// Your own avatars (issue 18) through the real companion over its WebSocket, with real files: a
// VRM import lists with its thumbnail and is served over HTTP (token checked, no traversal); every
// bad import (truncated GLB, a glTF with an external URI, an oversized file, a GLB without VRM, a
// damaged sprite) is a clear error and leaves the store folder exactly as it was; names are never
// overwritten silently; delete removes the files; a character's own avatar wins over the global one.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_AVATAR_ID, type CompanionMessage, type ErrorInfo } from '../protocol';
import { snapshot } from './helpers/file-tree';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { glb, gltfParts, packGlb, png } from './helpers/glb';
import { REPO_ROOT } from './helpers/model';

const FIXTURE_VRM1 = path.join(REPO_ROOT, 'tests', 'fixtures', 'avatar', 'alisa-test.vrm');
const FIXTURE_VRM0 = path.join(REPO_ROOT, 'tests', 'fixtures', 'avatar', 'alisa-test-vrm0.vrm');

type Changed = Extract<CompanionMessage, { type: 'avatar.changed' }>;

function get(port: number, pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    // http.request sends the path as written: `..` and `%2e%2e` reach the server unnormalised.
    const req = http.request({ host: '127.0.0.1', port, path: pathAndQuery, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function refused(client: TestClient, params: Parameters<TestClient['request']>[1] & object): Promise<ErrorInfo> {
  try {
    await client.request('avatar.import', params as never);
  } catch (err) {
    return (err as { info: ErrorInfo }).info;
  }
  throw new Error('the import was accepted');
}

describe('the avatar store through the real companion', () => {
  let c: RunningCompanion;
  let client: TestClient;
  let files: string;
  let store: string;

  beforeAll(async () => {
    // No model: avatars do not need one. A 1 MB limit keeps the oversized file small.
    c = await startCompanion({ model: null, args: ['--no-model', '--no-idle', '--mute', '--avatar-max-import-mb', '1'] });
    client = await TestClient.connect(c);
    files = tempDir('alisa-avatar-files-');
    store = path.join(c.dataDir, 'avatars');
  });
  afterAll(async () => {
    client?.close();
    await c?.stop();
  });

  it('lists only the built-in SVG at first, active and selected', async () => {
    const list = await client.request('avatar.list', {});
    expect(list.avatars.map((a) => [a.id, a.kind, a.builtin])).toEqual([[BUILTIN_AVATAR_ID, 'svg', true]]);
    expect(list.selectedId).toBe(BUILTIN_AVATAR_ID);
    expect(list.active).toMatchObject({ id: BUILTIN_AVATAR_ID, kind: 'svg', url: null });
  });

  describe('bad imports: a clear error each, and nothing stored', () => {
    const cases: Array<{ name: string; file: () => string; kind?: 'vrm' | 'gltf' | 'sprites'; error: RegExp }> = [
      {
        name: 'a truncated GLB',
        file: () => {
          const whole = glb({ vrm: '1.0', images: [png(8, 8)] });
          const f = path.join(files, 'truncated.vrm');
          writeFileSync(f, whole.subarray(0, whole.length - 40));
          return f;
        },
        error: /truncated/i,
      },
      {
        name: 'a GLB whose BIN chunk is shorter than its buffer says (header patched to match)',
        file: () => {
          const { json, bin } = gltfParts({ vrm: '1.0' });
          const f = path.join(files, 'short-bin.vrm');
          writeFileSync(f, packGlb({ ...json, buffers: [{ byteLength: bin.length + 400 }] }, bin));
          return f;
        },
        error: /truncated: buffer 0 should have/,
      },
      {
        name: 'a JSON glTF with an external URI',
        file: () => {
          const { json } = gltfParts({ vrm: '1.0' });
          const f = path.join(files, 'external.gltf');
          writeFileSync(f, JSON.stringify({ ...json, buffers: [{ byteLength: 36, uri: 'mesh.bin' }] }));
          return f;
        },
        error: /refers to an external file.*"mesh\.bin".*convert it to GLB/s,
      },
      {
        name: 'an image at an http address',
        file: () => {
          const f = path.join(files, 'remote-image.glb');
          writeFileSync(f, glb({ vrm: '0.x', patch: (j) => Object.assign(j, { images: [{ uri: 'https://example.com/skin.png' }] }) }));
          return f;
        },
        error: /texture 0 refers to an external file or address/,
      },
      {
        name: 'an oversized file (over alisa.avatar.maxImportMB)',
        file: () => {
          // A valid VRM but for its size: a texture with 1.3 MB of trailing bytes.
          const big = Buffer.concat([png(64, 64), Buffer.alloc(1_300_000, 7)]);
          const f = path.join(files, 'huge.vrm');
          writeFileSync(f, glb({ vrm: '1.0', images: [big] }));
          return f;
        },
        error: /huge\.vrm is 1\.\d MB; avatars may be at most 1 MB/,
      },
      {
        name: 'a GLB without a VRM extension, imported as a VRM',
        file: () => {
          const f = path.join(files, 'plain.glb');
          writeFileSync(f, glb({ vrm: null, images: [png(4, 4)] }));
          return f;
        },
        error: /without a VRM extension/,
      },
      {
        name: 'a VRM with an unknown spec version',
        file: () => {
          const f = path.join(files, 'future.vrm');
          writeFileSync(f, glb({ vrm: '1.0', patch: (j) => ((j.extensions as { VRMC_vrm: { specVersion: string } }).VRMC_vrm.specVersion = '2.0') }));
          return f;
        },
        error: /specVersion "2\.0"/,
      },
      {
        name: 'a texture larger than the limit',
        file: () => {
          // A real PNG header saying 9000×16: the size comes from the image's own bytes.
          const header = png(16, 16);
          header.writeUInt32BE(9000, 16);
          const f = path.join(files, 'wide-texture.vrm');
          writeFileSync(f, glb({ vrm: '1.0', images: [header] }));
          return f;
        },
        error: /texture 0 is 9000×16 pixels; at most 8192×8192/,
      },
      {
        name: 'a texture that is no image',
        file: () => {
          const f = path.join(files, 'bad-texture.vrm');
          writeFileSync(f, glb({ vrm: '1.0', images: [Buffer.from('definitely not an image')] }));
          return f;
        },
        error: /texture 0 is not a PNG, JPEG, WebP or KTX2 image/,
      },
      {
        name: 'glTF 1.0',
        file: () => {
          const f = path.join(files, 'old.glb');
          writeFileSync(f, glb({ vrm: '1.0', patch: (j) => Object.assign(j, { asset: { version: '1.0' } }) }));
          return f;
        },
        error: /glTF 1\.0; only glTF 2\.0/,
      },
      {
        name: 'a sprite folder with a damaged PNG',
        kind: 'sprites',
        file: () => {
          const dir = path.join(files, 'damaged-sprites');
          mkdirSync(dir, { recursive: true });
          writeFileSync(path.join(dir, 'neutral.png'), png(32, 48));
          const happy = png(32, 48);
          happy[happy.length - 20] ^= 0xff; // a flipped byte: its CRC no longer matches
          writeFileSync(path.join(dir, 'happy.png'), happy);
          return dir;
        },
        error: /frame happy\.png: it is not a valid PNG/,
      },
      {
        name: 'a sprite folder without neutral.png',
        file: () => {
          const dir = path.join(files, 'no-neutral');
          mkdirSync(dir, { recursive: true });
          writeFileSync(path.join(dir, 'happy.png'), png(32, 48));
          return dir;
        },
        error: /no neutral\.png/,
      },
      {
        name: 'a sprite folder whose frames differ in size',
        file: () => {
          const dir = path.join(files, 'mixed-sizes');
          mkdirSync(dir, { recursive: true });
          writeFileSync(path.join(dir, 'neutral.png'), png(32, 48));
          writeFileSync(path.join(dir, 'blink.png'), png(30, 48));
          return dir;
        },
        error: /blink\.png is 30×48 pixels but neutral is 32×48/,
      },
    ];
    for (const t of cases) {
      it(t.name, async () => {
        const file = t.file();
        const before = snapshot(store);
        const error = await refused(client, { path: file, ...(t.kind ? { kind: t.kind } : {}) });
        expect(error.code).toBe('invalid_argument');
        expect(error.message).toMatch(t.error);
        expect(snapshot(store)).toEqual(before);
        const list = await client.request('avatar.list', {});
        expect(list.avatars).toHaveLength(1);
      });
    }
  });

  it('a GLB without VRM is accepted when imported as plain glTF on purpose', async () => {
    const f = path.join(files, 'plain.glb');
    const { avatar } = await client.request('avatar.import', { path: f, kind: 'gltf' });
    expect(avatar).toMatchObject({ kind: 'gltf', name: 'plain', vrmVersion: null, images: 1 });
    expect(readFileSync(path.join(store, avatar.id, 'model.glb'))).toEqual(readFileSync(f));
    await client.request('avatar.delete', { id: avatar.id, confirm: true });
  });

  let vrmId = '';
  it('a VRM 1.0 imports with its meta and a thumbnail, is listed, and is served with the token only', async () => {
    const from = client.events.length;
    const { avatar } = await client.request('avatar.import', { path: FIXTURE_VRM1 });
    vrmId = avatar.id;
    expect(avatar).toMatchObject({ kind: 'vrm', vrmVersion: '1.0', builtin: false });
    expect(avatar.url).toBe(`/avatars/${avatar.id}/model.vrm`);
    expect(avatar.thumbnailUrl).toMatch(new RegExp(`^/avatars/${avatar.id}/thumbnail\\.(png|jpg)$`));
    expect(readFileSync(path.join(store, avatar.id, 'model.vrm'))).toEqual(readFileSync(FIXTURE_VRM1));
    // No temporary folder is left behind.
    expect(readdirSync(store).filter((n) => n.startsWith('.'))).toEqual([]);

    const changed = (await client.waitFor((m) => m.type === 'avatar.changed' && client.events.indexOf(m) >= from)) as Changed;
    expect(changed.avatars?.map((a) => a.id)).toContain(avatar.id);

    const list = await client.request('avatar.list', {});
    expect(list.avatars.map((a) => a.id)).toEqual([BUILTIN_AVATAR_ID, avatar.id]);

    // Served: the model and the thumbnail, with their types, only with the token.
    const model = await get(c.port, `${avatar.url}?token=${encodeURIComponent(c.token)}`);
    expect(model.status).toBe(200);
    expect(model.type).toBe('model/gltf-binary');
    expect(model.body).toEqual(readFileSync(FIXTURE_VRM1));
    const thumb = await get(c.port, avatar.thumbnailUrl!, { authorization: `Bearer ${c.token}` });
    expect(thumb.status).toBe(200);
    expect(thumb.type).toMatch(/^image\/(png|jpeg)$/);
    expect(thumb.body.length).toBeGreaterThan(100);
    expect((await get(c.port, avatar.url!)).status).toBe(401);
    expect((await get(c.port, `${avatar.url}?token=wrong`)).status).toBe(401);
  });

  it('the thumbnail is the image the VRM meta names: kept when small, scaled to 256 px when large', async () => {
    const small = png(64, 64, [255, 0, 0, 255]);
    const meta1 = path.join(files, 'meta-thumb.vrm');
    writeFileSync(
      meta1,
      glb({
        vrm: '1.0',
        images: [png(600, 300), small],
        patch: (j) => ((j.extensions as { VRMC_vrm: { meta: { thumbnailImage: number } } }).VRMC_vrm.meta.thumbnailImage = 1),
      }),
    );
    const a = (await client.request('avatar.import', { path: meta1 })).avatar;
    expect(a).toMatchObject({ name: 'Test Girl', author: 'Alisa tests', images: 2 });
    expect(readFileSync(path.join(store, a.id, 'thumbnail.png'))).toEqual(small);

    const meta0 = path.join(files, 'meta-thumb-0.vrm');
    writeFileSync(meta0, glb({ vrm: '0.x', title: 'Old Girl', images: [png(1024, 512)] }));
    const b = (await client.request('avatar.import', { path: meta0 })).avatar;
    expect(b).toMatchObject({ name: 'Old Girl', vrmVersion: '0.x', licence: 'CC0' });
    const thumb = readFileSync(path.join(store, b.id, 'thumbnail.png'));
    expect([thumb.readUInt32BE(16), thumb.readUInt32BE(20)]).toEqual([256, 128]);
    await client.request('avatar.delete', { id: a.id, confirm: true });
    await client.request('avatar.delete', { id: b.id, confirm: true });
  });

  it('a JSON glTF with everything embedded as data: URIs is accepted and kept as .gltf', async () => {
    const { json, bin } = gltfParts({ vrm: '0.x', title: 'Embedded' });
    const thumb = png(8, 8, [0, 255, 0, 255]);
    const embedded: Record<string, unknown> = {
      ...json,
      buffers: [{ byteLength: bin.length, uri: `data:application/octet-stream;base64,${bin.toString('base64')}` }],
      images: [{ uri: `data:image/png;base64,${thumb.toString('base64')}` }],
      textures: [{ source: 0 }],
    };
    (embedded.extensions as { VRM: { meta: { texture: number } } }).VRM.meta.texture = 0;
    const f = path.join(files, 'embedded.gltf');
    writeFileSync(f, JSON.stringify(embedded));
    const { avatar } = await client.request('avatar.import', { path: f });
    expect(avatar).toMatchObject({ name: 'Embedded', kind: 'vrm', vrmVersion: '0.x', url: `/avatars/${avatar.id}/model.gltf` });
    expect(readFileSync(path.join(store, avatar.id, 'thumbnail.png'))).toEqual(thumb);
    const served = await get(c.port, `${avatar.url}?token=${encodeURIComponent(c.token)}`);
    expect(served.type).toBe('model/gltf+json');
    await client.request('avatar.delete', { id: avatar.id, confirm: true });
  });

  it('the route refuses traversal, the manifest and unknown names', async () => {
    const auth = { authorization: `Bearer ${c.token}` };
    for (const p of [
      `/avatars/${vrmId}/../../alisa.db`,
      `/avatars/${vrmId}/..%2f..%2falisa.db`,
      '/avatars/%2e%2e/alisa.db',
      `/avatars/${vrmId}/avatar.json`,
      `/avatars/${vrmId}/model.exe`,
      '/avatars/selected.json',
      `/avatars/${vrmId}`,
      `/avatars/${vrmId.toUpperCase()}/model.vrm`,
    ]) {
      const r = await get(c.port, p, auth);
      expect(r.status, p).toBe(404);
      expect(r.body.toString()).not.toContain('SQLite');
    }
  });

  it('a VRM 0.x imports too; the same name again gets "(2)" and a new id, never an overwrite', async () => {
    const first = await client.request('avatar.import', { path: FIXTURE_VRM0, name: 'Twin' });
    const second = await client.request('avatar.import', { path: FIXTURE_VRM0, name: 'Twin' });
    expect(first.avatar).toMatchObject({ name: 'Twin', vrmVersion: '0.x' });
    expect(second.avatar.name).toBe('Twin (2)');
    expect(second.avatar.id).not.toBe(first.avatar.id);
    expect(existsSync(path.join(store, first.avatar.id, 'model.vrm'))).toBe(true);

    // Replacing is explicit: the same id, the new model.
    const plain = path.join(files, 'plain.glb');
    const replaced = await client.request('avatar.import', { path: plain, kind: 'gltf', name: 'Twin', replaceId: first.avatar.id });
    expect(replaced.avatar).toMatchObject({ id: first.avatar.id, kind: 'gltf', name: 'Twin' });
    expect(readFileSync(path.join(store, first.avatar.id, 'model.glb'))).toEqual(readFileSync(plain));
    expect(existsSync(path.join(store, first.avatar.id, 'model.vrm'))).toBe(false);
  });

  it('a sprite folder imports with its frames, a sprites.json and the neutral frame as thumbnail', async () => {
    const dir = path.join(files, 'my-sprites');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'neutral.png'), png(300, 400, [10, 20, 30, 255]));
    writeFileSync(path.join(dir, 'happy.png'), png(300, 400, [250, 200, 30, 255]));
    writeFileSync(path.join(dir, 'blink.png'), png(300, 400, [0, 0, 0, 0]));
    writeFileSync(path.join(dir, 'mouth-1.png'), png(300, 400));
    writeFileSync(path.join(dir, 'happy-mouth-2.png'), png(300, 400));
    writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    const { avatar, skipped } = await client.request('avatar.import', { path: dir });
    expect(avatar).toMatchObject({ kind: 'sprites', name: 'my-sprites', images: 5 });
    expect(skipped).toEqual([expect.stringMatching(/^notes\.txt: not a frame name/)]);
    const set = JSON.parse(readFileSync(path.join(store, avatar.id, 'sprites.json'), 'utf8'));
    expect(set).toMatchObject({
      format: 'alisa-sprites',
      width: 300,
      height: 400,
      emotions: { neutral: { base: 'neutral.png' }, happy: { base: 'happy.png', mouth: ['happy-mouth-2.png'] } },
      blink: 'blink.png',
      mouth: ['mouth-1.png'],
    });
    // The thumbnail is the neutral frame, scaled to 256 px on its long side.
    const thumb = await get(c.port, `${avatar.thumbnailUrl}?token=${encodeURIComponent(c.token)}`);
    expect(thumb.type).toBe('image/png');
    expect([thumb.body.readUInt32BE(16), thumb.body.readUInt32BE(20)]).toEqual([192, 256]);
    const manifest = await get(c.port, `${avatar.url}?token=${encodeURIComponent(c.token)}`);
    expect(manifest.type).toBe('application/json');
  });

  it('select makes it active; a character with its own avatar wins while active; delete removes the files and falls back', async () => {
    const selected = await client.request('avatar.select', { id: vrmId });
    expect(selected).toMatchObject({ selectedId: vrmId, active: { id: vrmId, kind: 'vrm' } });
    expect((await client.request('avatar.list', {})).active.id).toBe(vrmId);

    const sprites = (await client.request('avatar.list', {})).avatars.find((a) => a.kind === 'sprites')!;
    const character = await client.request('character.create', { name: 'Mika', systemPrompt: 'You are Mika.' });
    await client.request('character.update', { characterId: character.id, avatarId: sprites.id });
    const from = client.events.length;
    await client.request('character.select', { characterId: character.id });
    const changed = (await client.waitFor((m) => m.type === 'avatar.changed' && client.events.indexOf(m) >= from)) as Changed;
    expect(changed.active.id).toBe(sprites.id);
    expect((await client.request('avatar.list', {})).active.id).toBe(sprites.id);

    // Deleting her avatar: the global choice shows instead.
    const folder = path.join(store, sprites.id);
    expect(statSync(folder).isDirectory()).toBe(true);
    await client.request('avatar.delete', { id: sprites.id, confirm: true });
    expect(existsSync(folder)).toBe(false);
    expect((await client.request('avatar.list', {})).active.id).toBe(vrmId);

    await client.request('avatar.delete', { id: vrmId, confirm: true });
    const list = await client.request('avatar.list', {});
    expect(list.selectedId).toBe(BUILTIN_AVATAR_ID);
    expect(list.active.id).toBe(BUILTIN_AVATAR_ID);
    expect((await get(c.port, `/avatars/${vrmId}/model.vrm?token=${encodeURIComponent(c.token)}`)).status).toBe(404);
  });

  it('the browser UI uploads a model over HTTP: token checked, the same checks, the size counted, nothing stored on an error', async () => {
    const upload = (query: string, body: Buffer, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: c.port, method: 'POST', path: `/avatars/import?${query}`, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const token = `token=${encodeURIComponent(c.token)}`;
    const vrm = readFileSync(FIXTURE_VRM1);
    const before = snapshot(store);
    expect((await upload('filename=up.vrm', vrm)).status).toBe(401);
    const big = await upload(`${token}&filename=huge.vrm`, Buffer.alloc(1_100_000));
    expect(big.status).toBe(413);
    expect(big.body.error.message).toMatch(/larger than 1 MB.*alisa\.avatar\.maxImportMB/);
    const plain = glb({ vrm: null });
    const notVrm = await upload(`${token}&filename=plain.glb`, plain);
    expect(notVrm.status).toBe(422);
    expect(notVrm.body.error.message).toMatch(/plain\.glb is a glTF model without a VRM extension/);
    expect((await upload(`${token}&filename=notes.txt`, plain)).body.error.message).toMatch(/not a \.vrm, \.glb or \.gltf file/);
    expect((await upload(`${token}&filename=x.vrm&path=/etc/passwd`, vrm)).status).toBe(400);
    expect(snapshot(store)).toEqual(before);

    const from = client.events.length;
    const ok = await upload(`${token}&filename=${encodeURIComponent('../../Up Girl.vrm')}&name=Uploaded`, vrm);
    expect(ok.status).toBe(200);
    expect(ok.body.avatar).toMatchObject({ name: 'Uploaded', kind: 'vrm' });
    expect(readFileSync(path.join(store, ok.body.avatar.id, 'model.vrm'))).toEqual(vrm);
    await client.waitFor((m) => m.type === 'avatar.changed' && client.events.indexOf(m) >= from && !!m.avatars?.some((a) => a.id === ok.body.avatar.id));
    const asPlain = await upload(`${token}&filename=plain.glb&kind=gltf`, plain);
    expect(asPlain.body.avatar).toMatchObject({ name: 'plain', kind: 'gltf' });
    await client.request('avatar.delete', { id: ok.body.avatar.id, confirm: true });
    await client.request('avatar.delete', { id: asPlain.body.avatar.id, confirm: true });
  });

  it('the built-in avatar cannot be deleted, and delete needs confirm', async () => {
    await expect(client.request('avatar.delete', { id: BUILTIN_AVATAR_ID, confirm: true })).rejects.toMatchObject({ info: { code: 'forbidden' } });
    await expect(client.request('avatar.delete', { id: 'x', confirm: false } as never)).rejects.toMatchObject({
      info: { code: 'invalid_argument', message: expect.stringContaining('confirm') },
    });
    await expect(client.request('avatar.select', { id: 'no-such-avatar' })).rejects.toMatchObject({ info: { code: 'not_found' } });
  });
});
