// The waifu-rt3d data routes (issue 19): healthcheck, sessions, characters and avatars, against
// the real companion with the real tiny model, database and avatar store. Each route's status
// codes and JSON shapes as the reference (seed-apis.md) gives them, bad input on every route, and
// the original front ends' flows scripted over HTTP ("list and delete sessions", "upload an
// avatar"), with the panel's WebSocket watching: one source of truth for both.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireModel } from './helpers/model';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { glb, gltfParts, packGlb } from './helpers/glb';

type Json = Record<string, unknown>;

let c: RunningCompanion;
let panel: TestClient;
let api: string;

async function call(method: string, p: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const r = await fetch(`${api}${p}`, init);
  return { status: r.status, json: (await r.json()) as Json };
}

async function upload(name: string, bytes: Buffer | Uint8Array, field = 'file'): Promise<{ status: number; json: Json }> {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)]), name);
  const r = await fetch(`${api}/api/avatars/upload`, { method: 'POST', body: form });
  return { status: r.status, json: (await r.json()) as Json };
}

const intError = (input: string) => ({
  detail: [{ type: 'int_parsing', loc: ['path', 'id'], msg: 'Input should be a valid integer, unable to parse string as an integer', input }],
});

beforeAll(async () => {
  requireModel();
  c = await startCompanion({ args: ['--waifu-port', '0', '--avatar-max-import-mb', '2'] });
  api = `http://127.0.0.1:${c.waifuPort}`;
  panel = await TestClient.connect(c);
  // The model loads in the background: wait for it (the healthcheck reports it).
  const { model } = await panel.request('status.get', {});
  if (model.state !== 'ready') await panel.waitFor((m) => m.type === 'status' && m.status.model.state === 'ready', 60_000);
}, 90_000);

afterAll(async () => {
  panel?.close();
  await c?.stop();
});

describe('GET /api/healthcheck', () => {
  it('answers the original shape with real values: the model ready, the libraries bundled, a voice that speaks', async () => {
    const { status, json } = await call('GET', '/api/healthcheck');
    expect(status).toBe(200);
    expect(json).toMatchObject({
      ok: true,
      libs: { three_local: true, gltf_loader_local: true, three_vrm_local: true },
      lmstudio: true,
      ttsConfigured: true,
      issues: [],
    });
    expect(json.model).toMatchObject({ provider: 'embedded', state: 'ready' });
    // Alisa really ships three.js, its GLTFLoader and three-vrm (what `libs` claims).
    const bundle = readFileSync(path.join(__dirname, '..', 'dist', 'avatar-vrm.js'), 'utf8');
    expect(bundle).toMatch(/VRMC_vrm/);
    expect(bundle).toMatch(/KHR_materials/);
  });

  it('says in words what is missing when no model is loaded', async () => {
    const cold = await startCompanion({ model: null, args: ['--no-model', '--waifu-port', '0'] });
    try {
      const r = await fetch(`http://127.0.0.1:${cold.waifuPort}/api/healthcheck`);
      expect(r.status).toBe(200);
      const json = (await r.json()) as Json;
      expect(json).toMatchObject({ ok: false, lmstudio: false });
      expect(json.issues).toEqual(['No language model is loaded yet; it loads with the first message.']);
    } finally {
      await cold.stop();
    }
  }, 30_000);
});

describe('sessions', () => {
  it('"list and delete sessions": create, list, read messages, rename, delete, with the panel following', async () => {
    // index_v2.html's "new session" reads ok and session_id; the original's code answered id, title, created_ts.
    const created = await call('POST', '/api/sessions', { title: 'From waifu' });
    expect(created.status).toBe(200);
    expect(Object.keys(created.json).sort()).toEqual(['created_ts', 'id', 'ok', 'session_id', 'title']);
    const id = created.json.session_id as number;
    expect(created.json).toMatchObject({ ok: true, id, title: 'From waifu' });
    const createdTs = created.json.created_ts as number;
    expect(Math.abs(createdTs - Date.now() / 1000)).toBeLessThan(600);
    const changed = await panel.waitFor((m) => m.type === 'sessions.changed' && m.session?.id === id);
    expect(changed.type === 'sessions.changed' && changed.session?.title).toBe('From waifu');

    // A chat in it (through the panel's protocol): the API reads the same database.
    const sent = await panel.request('chat.send', { text: 'Hello there', sessionId: id });
    await panel.reply(sent.replyId!);

    const list = await call('GET', '/api/sessions');
    expect(list.status).toBe(200);
    const sessions = list.json.sessions as Json[];
    const row = sessions.find((s) => s.id === id)!;
    expect(Object.keys(row).sort()).toEqual(['created_ts', 'id', 'message_count', 'title']);
    expect(row).toEqual({ id, title: 'From waifu', created_ts: createdTs, message_count: 2 });
    const times = sessions.map((s) => s.created_ts as number);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const messages = await call('GET', `/api/sessions/${id}/messages`);
    expect(messages.status).toBe(200);
    const rows = messages.json.messages as Json[];
    expect(rows.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(rows[0]).toMatchObject({ text: 'Hello there' });
    for (const m of rows) {
      expect(Object.keys(m).sort()).toEqual(['id', 'role', 'text', 'ts']);
      expect(typeof m.ts).toBe('number');
      expect(Math.abs((m.ts as number) - Date.now() / 1000)).toBeLessThan(600);
    }
    expect((rows[0]!.id as number) < (rows[1]!.id as number)).toBe(true);

    const renamed = await call('PUT', `/api/sessions/${id}`, { title: 'Renamed' });
    expect(renamed).toEqual({ status: 200, json: { ok: true } });
    await panel.waitFor((m) => m.type === 'sessions.changed' && m.session?.id === id && m.session.title === 'Renamed');
    const panelList = await panel.request('session.list', { scope: 'all' });
    expect(panelList.sessions.find((s) => s.id === id)?.title).toBe('Renamed');

    const deleted = await call('DELETE', `/api/sessions/${id}`);
    expect(deleted).toEqual({ status: 200, json: { ok: true } });
    await panel.waitFor((m) => m.type === 'sessions.changed' && m.deletedSessionId === id);
    expect(((await call('GET', '/api/sessions')).json.sessions as Json[]).some((s) => s.id === id)).toBe(false);
    expect((await panel.request('session.list', { scope: 'all' })).sessions.some((s) => s.id === id)).toBe(false);
    // As the original: the messages of a session that is not there are an empty list.
    expect(await call('GET', `/api/sessions/${id}/messages`)).toEqual({ status: 200, json: { messages: [] } });
  }, 60_000);

  it('lists the sessions the panel made, and makes "New Session" without a title or a body', async () => {
    const s = await panel.request('session.create', { title: 'Made in VS Code' });
    expect(((await call('GET', '/api/sessions')).json.sessions as Json[]).find((r) => r.id === s.id)).toMatchObject({
      title: 'Made in VS Code',
      message_count: 0,
    });
    expect((await call('POST', '/api/sessions', {})).json).toMatchObject({ ok: true, title: 'New Session' });
    const bare = await fetch(`${api}/api/sessions`, { method: 'POST' });
    expect(bare.status).toBe(200);
    expect(await bare.json()).toMatchObject({ ok: true, title: 'New Session' });
  });

  it('refuses bad input with a clear 4xx and changes nothing', async () => {
    const { session_id: id } = (await call('POST', '/api/sessions', { title: 'Keep me' })).json as { session_id: number };
    const before = await call('GET', '/api/sessions');
    expect(await call('POST', '/api/sessions', { title: 42 })).toEqual({ status: 400, json: { detail: 'title must be a string.' } });
    expect(await call('POST', '/api/sessions', { title: 'x'.repeat(201) })).toEqual({ status: 400, json: { detail: 'title may be at most 200 characters.' } });
    expect(await call('POST', '/api/sessions', [1])).toEqual({ status: 400, json: { detail: 'The body must be a JSON object.' } });
    expect((await call('POST', '/api/sessions', 'nope')).status).toBe(400);
    expect(await call('PUT', `/api/sessions/${id}`, {})).toEqual({ status: 400, json: { detail: 'Title required' } });
    expect(await call('PUT', `/api/sessions/${id}`, { title: '   ' })).toEqual({ status: 400, json: { detail: 'Title required' } });
    expect(await call('PUT', `/api/sessions/${id}`, { title: ['a'] })).toEqual({ status: 400, json: { detail: 'title must be a string.' } });
    expect(await call('PUT', `/api/sessions/${id}`)).toEqual({ status: 400, json: { detail: 'Title required' } });
    expect(await call('PUT', '/api/sessions/999999', { title: 'Ghost' })).toEqual({ status: 404, json: { detail: 'Session 999999 not found' } });
    expect(await call('DELETE', '/api/sessions/999999')).toEqual({ status: 404, json: { detail: 'Session 999999 not found' } });
    for (const bad of ['abc', '1.5', '1e3', '%20']) {
      expect(await call('PUT', `/api/sessions/${bad}`, { title: 'x' })).toEqual({ status: 422, json: intError(decodeURIComponent(bad)) });
      expect(await call('DELETE', `/api/sessions/${bad}`)).toEqual({ status: 422, json: intError(decodeURIComponent(bad)) });
      expect(await call('GET', `/api/sessions/${bad}/messages`)).toEqual({ status: 422, json: intError(decodeURIComponent(bad)) });
    }
    expect(await call('GET', '/api/sessions')).toEqual(before);
  });
});

describe('characters', () => {
  it("lists Alisa's characters in the original shape, the built-in one first", async () => {
    const { status, json } = await call('GET', '/api/characters');
    expect(status).toBe(200);
    const list = json.characters as Json[];
    const { characters } = await panel.request('character.list', {});
    const builtin = characters.find((ch) => ch.builtin)!;
    expect(list[0]).toEqual({
      id: builtin.id,
      name: builtin.name,
      system_prompt: builtin.systemPrompt,
      avatar_url: '',
      voice_id: builtin.voice ?? '',
      tts_provider: '',
      personality_traits: [],
    });
    expect(list.map((ch) => ch.id)).toEqual([...list.map((ch) => ch.id as number)].sort((a, b) => a - b));
  });

  it("creates, updates and deletes a character that the panel sees as Alisa's own", async () => {
    const created = await call('POST', '/api/characters', {
      name: 'Tsuki',
      system_prompt: 'You are Tsuki, a calm moon spirit.',
      voice_id: 'en-us',
      tts_provider: 'piper_local',
      personality_traits: ['calm', 'kind'],
    });
    expect(created.status).toBe(200);
    const id = created.json.id as number;
    expect(created.json).toEqual({
      id,
      name: 'Tsuki',
      system_prompt: 'You are Tsuki, a calm moon spirit.',
      avatar_url: '',
      voice_id: 'en-us',
      tts_provider: 'piper_local',
      personality_traits: ['calm', 'kind'],
    });
    let own = (await panel.request('character.list', {})).characters.find((ch) => ch.id === id)!;
    expect(own).toMatchObject({ name: 'Tsuki', systemPrompt: 'You are Tsuki, a calm moon spirit.', voice: 'en-us', builtin: false });
    expect(((await call('GET', '/api/characters')).json.characters as Json[]).find((ch) => ch.id === id)).toEqual(created.json);

    expect(await call('PUT', `/api/characters/${id}`, { name: 'Tsuki II', personality_traits: ['bold'] })).toEqual({ status: 200, json: { ok: true } });
    own = (await panel.request('character.list', {})).characters.find((ch) => ch.id === id)!;
    expect(own.name).toBe('Tsuki II');
    expect(((await call('GET', '/api/characters')).json.characters as Json[]).find((ch) => ch.id === id)).toEqual({
      ...created.json,
      name: 'Tsuki II',
      personality_traits: ['bold'],
    });

    expect(await call('DELETE', `/api/characters/${id}`)).toEqual({ status: 200, json: { ok: true } });
    expect((await panel.request('character.list', {})).characters.some((ch) => ch.id === id)).toBe(false);
    expect(await call('DELETE', `/api/characters/${id}`)).toEqual({ status: 404, json: { detail: `Character ${id} not found` } });
    expect(await call('PUT', `/api/characters/${id}`, { name: 'Back' })).toEqual({ status: 404, json: { detail: `Character ${id} not found` } });
  });

  it('refuses to delete the default character', async () => {
    const { characters } = await panel.request('character.list', {});
    const builtin = characters.find((ch) => ch.builtin)!;
    expect(await call('DELETE', `/api/characters/${builtin.id}`)).toEqual({ status: 400, json: { detail: 'Cannot delete default character' } });
    expect((await panel.request('character.list', {})).characters.some((ch) => ch.id === builtin.id)).toBe(true);
  });

  it('refuses bad input with a clear 400 (422 for a bad id) and stores nothing', async () => {
    const before = await call('GET', '/api/characters');
    const required = { status: 400, json: { detail: 'name and system_prompt required' } };
    expect(await call('POST', '/api/characters', {})).toEqual(required);
    expect(await call('POST', '/api/characters', { name: 'Only a name' })).toEqual(required);
    expect(await call('POST', '/api/characters', { system_prompt: 'Only a prompt' })).toEqual(required);
    expect(await call('POST', '/api/characters', { name: '  ', system_prompt: 'x' })).toEqual(required);
    expect(await call('POST', '/api/characters', { name: 5, system_prompt: 'x' })).toEqual({
      status: 400,
      json: { detail: 'name and system_prompt must be strings.' },
    });
    const bad: Array<[Json, string]> = [
      [{ name: 'x'.repeat(81), system_prompt: 'p' }, 'name may be at most 80 characters.'],
      [{ name: 'A', system_prompt: 'p'.repeat(60_001) }, 'system_prompt may be at most 60000 characters.'],
      [{ name: 'A', system_prompt: 'p', voice_id: 7 }, 'voice_id must be a string.'],
      [{ name: 'A', system_prompt: 'p', avatar_url: 'u'.repeat(501) }, 'avatar_url may be at most 500 characters.'],
      [{ name: 'A', system_prompt: 'p', tts_provider: {} }, 'tts_provider must be a string.'],
      [{ name: 'A', system_prompt: 'p', personality_traits: 'calm' }, 'personality_traits must be a list of strings.'],
      [{ name: 'A', system_prompt: 'p', personality_traits: [1] }, 'personality_traits must be a list of strings.'],
      [{ name: 'A', system_prompt: 'p', personality_traits: Array(51).fill('t') }, 'personality_traits may hold at most 50 traits.'],
    ];
    for (const [body, message] of bad) expect(await call('POST', '/api/characters', body)).toEqual({ status: 400, json: { detail: message } });
    expect(await call('POST', '/api/characters', null)).toEqual({ status: 400, json: { detail: 'The body must be a JSON object.' } });
    expect((await fetch(`${api}/api/characters`, { method: 'POST' })).status).toBe(400);

    const { characters } = await panel.request('character.list', {});
    const builtin = characters.find((ch) => ch.builtin)!;
    expect(await call('PUT', `/api/characters/${builtin.id}`, {})).toEqual({ status: 400, json: { detail: 'No fields to update' } });
    expect(await call('PUT', `/api/characters/${builtin.id}`, { unknown: 1 })).toEqual({ status: 400, json: { detail: 'No fields to update' } });
    expect(await call('PUT', `/api/characters/${builtin.id}`, { name: '' })).toEqual({ status: 400, json: { detail: 'name must not be empty.' } });
    expect(await call('PUT', `/api/characters/${builtin.id}`, { system_prompt: 3 })).toEqual({
      status: 400,
      json: { detail: 'system_prompt must be a string.' },
    });
    for (const id of ['x', '1.0', 'abc-1']) {
      expect(await call('PUT', `/api/characters/${id}`, { name: 'n' })).toEqual({ status: 422, json: intError(decodeURIComponent(id)) });
      expect(await call('DELETE', `/api/characters/${id}`)).toEqual({ status: 422, json: intError(decodeURIComponent(id)) });
    }
    expect(await call('GET', '/api/characters')).toEqual(before);
  });
});

describe('avatars', () => {
  it('"upload an avatar": upload, list, load the model from its url, refuse a second of the same name, delete', async () => {
    expect(await call('GET', '/api/avatars')).toEqual({ status: 200, json: { avatars: [] } });
    const model = glb({ vrm: '1.0', title: 'Moon' });
    const up = await upload('Tsuki.vrm', model);
    expect(up).toEqual({ status: 200, json: { ok: true, name: 'Tsuki.vrm', url: '/files/avatars/Tsuki.vrm' } });
    await panel.waitFor((m) => m.type === 'avatar.changed' && !!m.avatars?.some((a) => a.name === 'Tsuki'));
    expect(await call('GET', '/api/avatars')).toEqual({ status: 200, json: { avatars: [{ name: 'Tsuki.vrm', url: '/files/avatars/Tsuki.vrm' }] } });

    const file = await fetch(`${api}/files/avatars/Tsuki.vrm`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('model/gltf-binary');
    expect(Buffer.from(await file.arrayBuffer()).equals(model)).toBe(true);

    // The same name again: refused, the stored model untouched.
    const again = await upload('tsuki.vrm', glb({ vrm: '0.x' }));
    expect(again).toEqual({ status: 409, json: { detail: 'An avatar named Tsuki.vrm already exists; delete it first or upload under another name.' } });
    expect(Buffer.from(await (await fetch(`${api}/files/avatars/Tsuki.vrm`)).arrayBuffer()).equals(model)).toBe(true);
    expect((await panel.request('avatar.list', {})).avatars.filter((a) => !a.builtin)).toHaveLength(1);

    // A character may wear it: Alisa's own avatar for her, too.
    const ch = await call('POST', '/api/characters', { name: 'Wearer', system_prompt: 'p', avatar_url: '/files/avatars/Tsuki.vrm' });
    expect(ch.json.avatar_url).toBe('/files/avatars/Tsuki.vrm');
    const stored = (await panel.request('avatar.list', {})).avatars.find((a) => a.name === 'Tsuki')!;
    expect((await panel.request('character.list', {})).characters.find((x) => x.id === ch.json.id)?.avatarId).toBe(stored.id);
    await call('DELETE', `/api/characters/${ch.json.id}`);

    expect(await call('DELETE', '/api/avatars/Tsuki.vrm')).toEqual({ status: 200, json: { ok: true } });
    expect(await call('GET', '/api/avatars')).toEqual({ status: 200, json: { avatars: [] } });
    expect((await fetch(`${api}/files/avatars/Tsuki.vrm`)).status).toBe(404);
    expect(await call('DELETE', '/api/avatars/Tsuki.vrm')).toEqual({ status: 404, json: { detail: 'There is no avatar named Tsuki.vrm.' } });
    expect(existsSync(path.join(c.dataDir, 'avatars', stored.id))).toBe(false);
  });

  it('takes .glb and .gltf models too, each under its real extension', async () => {
    const plain = await upload('Cube.glb', glb());
    expect(plain).toEqual({ status: 200, json: { ok: true, name: 'Cube.glb', url: '/files/avatars/Cube.glb' } });
    const { json, bin } = gltfParts();
    json.buffers = [{ byteLength: bin.length, uri: `data:application/octet-stream;base64,${bin.toString('base64')}` }];
    const text = await upload('Scene.gltf', Buffer.from(JSON.stringify(json)));
    expect(text).toEqual({ status: 200, json: { ok: true, name: 'Scene.gltf', url: '/files/avatars/Scene.gltf' } });
    const r = await fetch(`${api}/files/avatars/Scene.gltf`);
    expect(r.headers.get('content-type')).toBe('model/gltf+json');
    expect(((await call('GET', '/api/avatars')).json.avatars as Json[]).map((a) => a.name).sort()).toEqual(['Cube.glb', 'Scene.gltf']);
    for (const name of ['Cube.glb', 'Scene.gltf']) expect((await call('DELETE', `/api/avatars/${name}`)).status).toBe(200);
  });

  it('refuses bad uploads in words and stores nothing', async () => {
    const dir = path.join(c.dataDir, 'avatars');
    const stored = () => (existsSync(dir) ? readdirSync(dir).filter((n) => n !== 'selected.json') : []);
    const before = stored();
    expect(await upload('notes.txt', Buffer.from('hello'))).toEqual({ status: 400, json: { detail: 'Only .vrm/.glb/.gltf supported' } });
    expect(await upload('noext', glb())).toEqual({ status: 400, json: { detail: 'Only .vrm/.glb/.gltf supported' } });
    const missing = { status: 422, json: { detail: [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null }] } };
    expect(await upload('Tsuki.vrm', glb({ vrm: '1.0' }), 'model')).toEqual(missing);
    expect(await call('POST', '/api/avatars/upload', { file: 'Tsuki.vrm' })).toEqual(missing);
    expect(await call('POST', '/api/avatars/upload')).toEqual(missing);

    const garbage = await upload('Broken.glb', Buffer.from('this is not a model at all'));
    expect(garbage.status).toBe(400);
    expect(garbage.json.detail).toMatch(/^Broken\.glb cannot be used: /);
    const noVrm = await upload('Plain.vrm', glb());
    expect(noVrm.status).toBe(400);
    expect(noVrm.json.detail).toMatch(/without a VRM extension/);
    const { json, bin } = gltfParts();
    json.buffers = [{ byteLength: bin.length, uri: 'https://example.com/secret.bin' }];
    const external = await upload('Remote.gltf', Buffer.from(JSON.stringify(json)));
    expect(external.status).toBe(400);
    expect(external.json.detail).toMatch(/Remote\.gltf cannot be used/);
    const unnamed = await upload('.vrm', glb({ vrm: '1.0' }));
    expect(unnamed).toEqual({ status: 400, json: { detail: 'The file name ".vrm" has no usable name before its extension.' } });
    const tooBig = await upload('Big.glb', packGlb(gltfParts().json, Buffer.alloc(2_100_000)));
    expect(tooBig.status).toBe(413);
    expect(stored()).toEqual(before);
    expect(await call('GET', '/api/avatars')).toEqual({ status: 200, json: { avatars: [] } });
  });

  it('sanitises names as the original (no .., /, \\) and keeps every file inside the store', async () => {
    for (const [name, clean] of [
      ['../../evil.vrm', 'evil.vrm'],
      ['..\\..\\win.vrm', 'win.vrm'],
      ['....//nest.vrm', 'nest.vrm'],
    ]) {
      const r = await upload(name!, glb({ vrm: '1.0' }));
      expect(r, name).toEqual({ status: 200, json: { ok: true, name: clean, url: `/files/avatars/${clean}` } });
    }
    expect(existsSync(path.join(c.dataDir, '..', 'evil.vrm'))).toBe(false);
    expect(existsSync(path.join(c.dataDir, 'evil.vrm'))).toBe(false);
    // Deleting by a path never reaches the database or another folder.
    for (const p of ['..%2F..%2Falisa.db', '..%5Calisa.db', '%2e%2e', '..']) {
      const r = await fetch(`${api}/api/avatars/${p}`, { method: 'DELETE' });
      expect([404, 405], p).toContain(r.status);
    }
    expect(existsSync(path.join(c.dataDir, 'alisa.db'))).toBe(true);
    for (const name of ['evil.vrm', 'win.vrm', 'nest.vrm']) expect((await call('DELETE', `/api/avatars/${name}`)).status).toBe(200);
    expect((await panel.request('avatar.list', {})).avatars.filter((a) => !a.builtin)).toEqual([]);
  });
});
