// A 3D avatar's emotion -> expression mapping (issue 18), through the real companion over its
// WebSocket with real files: an import records the model's expression names (VRM 1.0 presets and
// custom ones, VRM 0.x blend shape groups, a plain glTF's morph targets), an avatar stored before
// that reads them from its model file; `avatar.update` stores the mapping in avatar.json, the
// list and the active AvatarSource carry it and clients hear `avatar.changed`; a bad emotion, an
// over-long or unknown expression name, a sprite set, the built-in SVG and an unknown id are each
// refused with nothing changed; null resets it.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_AVATAR_ID, type AvatarInfo, type CompanionMessage, type ErrorInfo, type Params } from '../protocol';
import { snapshot } from './helpers/file-tree';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { glb, png } from './helpers/glb';
import { REPO_ROOT } from './helpers/model';

const FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures', 'avatar');
const VRM1_PRESETS = ['happy', 'angry', 'sad', 'relaxed', 'surprised', 'aa', 'ih', 'ou', 'ee', 'oh', 'blink', 'blinkLeft', 'blinkRight', 'neutral'];
const VRM0_PRESETS = ['joy', 'angry', 'sorrow', 'fun', 'surprised', 'a', 'i', 'u', 'e', 'o', 'blink', 'blink_l', 'blink_r', 'neutral'];

type Changed = Extract<CompanionMessage, { type: 'avatar.changed' }>;

describe('a 3D avatar’s expressions through the real companion', () => {
  let c: RunningCompanion;
  let client: TestClient;
  let files: string;
  let store: string;
  let vrm1: AvatarInfo;
  let vrm0: AvatarInfo;

  const update = (params: Params<'avatar.update'>) => client.request('avatar.update', params);
  const refused = async (params: unknown): Promise<ErrorInfo> => {
    const before = snapshot(store);
    const err = await update(params as Params<'avatar.update'>).then(
      () => null,
      (e: { info: ErrorInfo }) => e.info,
    );
    if (!err) throw new Error(`accepted: ${JSON.stringify(params)}`);
    expect(snapshot(store)).toEqual(before);
    return err;
  };
  const listed = async (id: string) => (await client.request('avatar.list', {})).avatars.find((a) => a.id === id)!;

  beforeAll(async () => {
    c = await startCompanion({ model: null, args: ['--no-model', '--no-idle', '--mute'] });
    client = await TestClient.connect(c);
    files = tempDir('alisa-avatar-expr-');
    store = path.join(c.dataDir, 'avatars');
    vrm1 = (await client.request('avatar.import', { path: path.join(FIXTURES, 'alisa-test.vrm') })).avatar;
    vrm0 = (await client.request('avatar.import', { path: path.join(FIXTURES, 'alisa-test-vrm0.vrm') })).avatar;
  });
  afterAll(async () => {
    client?.close();
    await c?.stop();
  });

  it('an import records the expression names of both VRM fixtures, in the list and in avatar.json', async () => {
    expect(vrm1.expressions).toEqual(VRM1_PRESETS);
    expect(vrm0.expressions).toEqual(VRM0_PRESETS);
    expect((await listed(vrm0.id)).expressions).toEqual(VRM0_PRESETS);
    expect(JSON.parse(readFileSync(path.join(store, vrm1.id, 'avatar.json'), 'utf8')).expressions).toEqual(VRM1_PRESETS);
    // The built-in SVG has none.
    expect((await listed(BUILTIN_AVATAR_ID)).expressions).toBeUndefined();
  });

  it('custom VRM expressions, 0.x custom groups and a plain glTF’s named morph targets are recorded too', async () => {
    const custom = path.join(files, 'custom.vrm');
    writeFileSync(
      custom,
      glb({
        vrm: '1.0',
        title: 'Custom',
        patch: (j) => {
          (j.extensions as any).VRMC_vrm.expressions = { preset: { happy: {}, sad: {} }, custom: { smirk: {}, ジト目: {}, '<script>': {} } };
        },
      }),
    );
    const old = path.join(files, 'old.vrm');
    writeFileSync(
      old,
      glb({
        vrm: '0.x',
        title: 'Old',
        patch: (j) => {
          (j.extensions as any).VRM.blendShapeMaster = {
            blendShapeGroups: [
              { presetName: 'joy', name: 'Joy' },
              { presetName: 'unknown', name: 'Pout' },
            ],
          };
        },
      }),
    );
    const plain = path.join(files, 'plain.glb');
    writeFileSync(
      plain,
      glb({
        patch: (j) => {
          (j.meshes as any)[0].extras = { targetNames: ['smile', 'frown'] };
        },
      }),
    );
    const a = (await client.request('avatar.import', { path: custom })).avatar;
    const b = (await client.request('avatar.import', { path: old })).avatar;
    const g = (await client.request('avatar.import', { path: plain, kind: 'gltf' })).avatar;
    // A name no expression map could hold ('<script>') is left out rather than failing the import.
    expect(a.expressions).toEqual(['happy', 'sad', 'smirk', 'ジト目']);
    expect(b.expressions).toEqual(['joy', 'Pout']);
    expect(g.expressions).toEqual(['smile', 'frown']);
    await update({ id: g.id, expressionMap: { happy: 'smile' } });
    expect((await listed(g.id)).expressionMap).toEqual({ happy: 'smile' });
    for (const x of [a, b, g]) await client.request('avatar.delete', { id: x.id, confirm: true });
  });

  it('an avatar stored before expressions were recorded reads them from its model file, once', async () => {
    const manifest = path.join(store, vrm0.id, 'avatar.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    delete m.expressions;
    writeFileSync(manifest, JSON.stringify(m));
    expect((await listed(vrm0.id)).expressions).toEqual(VRM0_PRESETS);
    expect(JSON.parse(readFileSync(manifest, 'utf8')).expressions).toEqual(VRM0_PRESETS);

    // One whose model file cannot be read: its expressions are unknown, and a typed name is kept
    // as given (the renderer checks it against the model when it loads).
    const file = path.join(files, 'damaged-later.vrm');
    writeFileSync(file, glb({ vrm: '1.0', title: 'Damaged later' }));
    const d = (await client.request('avatar.import', { path: file })).avatar;
    const dm = JSON.parse(readFileSync(path.join(store, d.id, 'avatar.json'), 'utf8'));
    delete dm.expressions;
    writeFileSync(path.join(store, d.id, 'avatar.json'), JSON.stringify(dm));
    writeFileSync(path.join(store, d.id, 'model.vrm'), 'not a model any more');
    expect((await listed(d.id)).expressions).toBeUndefined();
    await update({ id: d.id, expressionMap: { happy: 'Smile' } });
    expect((await listed(d.id)).expressionMap).toEqual({ happy: 'Smile' });
    await client.request('avatar.delete', { id: d.id, confirm: true });
  });

  it('avatar.update stores the mapping: avatar.json, the list, the active AvatarSource and avatar.changed carry it', async () => {
    await client.request('avatar.select', { id: vrm1.id });
    const from = client.events.length;
    const { avatar } = await update({ id: vrm1.id, expressionMap: { happy: 'surprised', shy: 'blinkLeft', sad: 'SAD' } });
    // A different case is stored in the model's own spelling.
    const map = { happy: 'surprised', shy: 'blinkLeft', sad: 'sad' };
    expect(avatar.expressionMap).toEqual(map);
    const changed = (await client.waitFor((e) => e.type === 'avatar.changed' && client.events.indexOf(e) >= from)) as Changed;
    expect(changed.active).toMatchObject({ id: vrm1.id, expressionMap: map });
    expect(changed.avatars?.find((a) => a.id === vrm1.id)?.expressionMap).toEqual(map);
    expect(JSON.parse(readFileSync(path.join(store, vrm1.id, 'avatar.json'), 'utf8')).expressionMap).toEqual(map);
    const list = await client.request('avatar.list', {});
    expect(list.active.expressionMap).toEqual(map);
    expect(list.active).not.toHaveProperty('expressions');
    expect(list.avatars.find((a) => a.id === vrm1.id)!.expressionMap).toEqual(map);

    // A VRM 0.x model takes its own names.
    await update({ id: vrm0.id, expressionMap: { happy: 'joy', calm: 'fun' } });
    expect((await listed(vrm0.id)).expressionMap).toEqual({ happy: 'joy', calm: 'fun' });
  });

  it('a bad emotion, a bad or unknown name, a sprite set, the built-in SVG and an unknown id are refused with nothing changed', async () => {
    expect((await refused({ id: vrm1.id, expressionMap: { angry: 'angry' } })).message).toMatch(/angry/);
    expect((await refused({ id: vrm1.id, expressionMap: { happy: 'x'.repeat(65) } })).message).toMatch(/at most 64 characters/);
    expect((await refused({ id: vrm1.id, expressionMap: { happy: '../model' } })).message).toMatch(/letters, digits/);
    expect((await refused({ id: vrm1.id, expressionMap: { happy: 'wink' } })).message).toMatch(/has no expression “wink” \(for happy\); it has happy, angry/);
    // 1.0 names are not 0.x names: the user picks from the model's own list.
    expect((await refused({ id: vrm0.id, expressionMap: { happy: 'happy' } })).message).toMatch(/has no expression “happy”/);
    expect((await refused({ id: BUILTIN_AVATAR_ID, expressionMap: { happy: 'happy' } })).code).toBe('forbidden');
    expect((await refused({ id: 'nobody-123456', expressionMap: { happy: 'happy' } })).code).toBe('not_found');

    const dir = path.join(files, 'sprites');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'neutral.png'), png(16, 16));
    const sprites = (await client.request('avatar.import', { path: dir, kind: 'sprites' })).avatar;
    expect(sprites.expressions).toBeUndefined();
    const e = await refused({ id: sprites.id, expressionMap: { happy: 'happy' } });
    expect(e.message).toMatch(/is a sprite set: it has a picture per emotion, not expressions/);

    // The earlier mapping is still there.
    expect((await listed(vrm1.id)).expressionMap).toEqual({ happy: 'surprised', shy: 'blinkLeft', sad: 'sad' });
  });

  it('a rename keeps names unique; null resets the mapping', async () => {
    expect((await refused({ id: vrm1.id, name: vrm0.name.toUpperCase() })).message).toMatch(/already named/);
    await update({ id: vrm1.id, name: 'Mine' });
    const from = client.events.length;
    const { avatar } = await update({ id: vrm1.id, expressionMap: null });
    expect(avatar).toMatchObject({ name: 'Mine' });
    expect(avatar.expressionMap).toBeUndefined();
    const changed = (await client.waitFor((e) => e.type === 'avatar.changed' && client.events.indexOf(e) >= from)) as Changed;
    expect(changed.active).toMatchObject({ id: vrm1.id, name: 'Mine' });
    expect(changed.active.expressionMap).toBeUndefined();
    expect(JSON.parse(readFileSync(path.join(store, vrm1.id, 'avatar.json'), 'utf8'))).not.toHaveProperty('expressionMap');
    expect((await client.request('avatar.list', {})).active.expressionMap).toBeUndefined();
  });

  it('the model file is left as imported', () => {
    const stored = readdirSync(path.join(store, vrm1.id)).find((f) => f.startsWith('model.'))!;
    expect(readFileSync(path.join(store, vrm1.id, stored)).equals(readFileSync(path.join(FIXTURES, 'alisa-test.vrm')))).toBe(true);
  });
});
