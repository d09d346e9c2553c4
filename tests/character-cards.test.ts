// Character cards (issue 18) through the real companion over its WebSocket, with a real SQLite
// database: SillyTavern V2 and V3 cards as JSON and as PNG (the cards in `chara` / `ccv3` text
// chunks of real PNG bytes made by tests/helpers/png.ts, with zlib's CRC), imported, exported and
// imported again with every field kept; bad cards refused with a clear error and nothing stored;
// a card named like an existing character never stored over her without the user's word; the
// built-in Alisa never deleted; and a database from before cards (schema v9) keeps its characters.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_INLINE_MAX_BYTES, type Character } from '../protocol';
import { expandMacros } from '../common/character-macros';
import { MemoryStore } from '../companion/memory';
import { migrate } from '../companion/memory/database';
import { MIGRATIONS } from '../companion/memory/schema';
import { cardForExport, composePersona, mapCard, tableCrc32 } from '../companion/persona/character-cards';
import zlib from 'node:zlib';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { startToolServer } from './helpers/fake-tool-server';
import { cardPng, makePng, pngChunk, readTextChunks, withTextChunks } from './helpers/png';

const V2 = {
  spec: 'chara_card_v2',
  spec_version: '2.0',
  data: {
    name: 'Mika',
    description: '{{char}} is a cheerful pair programmer who sits next to {{user}}.',
    personality: 'cheerful, curious, blunt about bugs',
    scenario: '{{user}} is fixing a flaky test late at night.',
    first_mes: 'Hi {{user}}! Which test is flaky today?',
    mes_example: '<START>\n{{user}}: It fails sometimes.\n{{char}}: Then it is a race. Show me.',
    creator_notes: 'Made for the tests.',
    system_prompt: 'Stay in character. {{original}}',
    post_history_instructions: 'Keep replies short.',
    alternate_greetings: ['Back again?', 'Coffee first?'],
    tags: ['coding', 'friendly'],
    creator: 'tester',
    character_version: '1.2',
    extensions: { alisa: { voice: 'en-GB-SoniaNeural' }, depth_prompt: { prompt: 'Be kind.', depth: 4 }, talkativeness: '0.5', fav: false },
    character_book: { name: 'Lore', entries: [{ keys: ['test'], content: 'Tests are sacred.', extensions: {}, enabled: true, insertion_order: 0 }] },
    some_future_field: { nested: [1, 2, { deep: 'kept' }] },
  },
};

const V3 = {
  spec: 'chara_card_v3',
  spec_version: '3.0',
  data: {
    ...V2.data,
    name: 'Rin',
    first_mes: 'Oh. It is you.',
    nickname: 'Rinny',
    group_only_greetings: ['Hello, everyone.'],
    creator_notes_multilingual: { ja: 'テスト用' },
    source: ['https://example.invalid/rin'],
    assets: [{ type: 'icon', uri: 'ccdefault:', name: 'main', ext: 'png' }],
    creation_date: 1700000000,
    modification_date: 1700000500,
  },
  top_level_unknown: 'kept too',
};

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const json = (o: unknown) => Buffer.from(JSON.stringify(o), 'utf8');

let c: RunningCompanion;
let client: TestClient;
let files: string;

beforeAll(async () => {
  // Many small requests in a row (each case lists the characters before and after): no flood limit.
  c = await startCompanion({ model: null, args: ['--rate-limit', '100000'] });
  client = await TestClient.connect(c);
  files = tempDir('alisa-cards-');
});

afterAll(async () => {
  client?.close();
  await c?.stop();
  fs.rmSync(files, { recursive: true, force: true });
});

function file(name: string, bytes: Buffer): string {
  const p = path.join(files, name);
  fs.writeFileSync(p, bytes);
  return p;
}

async function characters(): Promise<Character[]> {
  return (await client.request('character.list', {})).characters;
}

async function remove(...chars: Character[]): Promise<void> {
  for (const ch of chars) await client.request('character.delete', { characterId: ch.id });
}

/** The card exported as JSON, parsed. */
async function exportJson(id: number): Promise<{ spec: string; data: Record<string, unknown> } & Record<string, unknown>> {
  const r = await client.request('character.export', { characterId: id, format: 'json' });
  expect(r.format).toBe('json');
  return JSON.parse(r.content!);
}

function portraitFiles(): string[] {
  const dir = path.join(c.dataDir, 'characters');
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String) : [];
}

describe('character cards: import', () => {
  it('reads a V2 JSON card: name, persona composed from it, greeting, voice, the card fields', async () => {
    const r = await client.request('character.import', { data: b64(json(V2)) });
    expect(r.status).toBe('imported');
    const mika = r.character;
    expect(mika).toMatchObject({
      name: 'Mika',
      greeting: 'Hi {{user}}! Which test is flaky today?',
      voice: 'en-GB-SoniaNeural',
      builtin: false,
      portrait: false,
      avatarId: null,
    });
    // The persona holds what the card says of her, in SillyTavern's order; {{original}} is dropped.
    const p = mika.systemPrompt;
    const at = (s: string) => p.indexOf(s);
    expect(at('Stay in character.')).toBe(0);
    expect(p).not.toContain('{{original}}');
    expect(at('Stay in character.')).toBeLessThan(at('{{char}} is a cheerful pair programmer'));
    expect(at('cheerful pair programmer')).toBeLessThan(at("{{char}}'s personality: cheerful, curious"));
    expect(at('personality:')).toBeLessThan(at('Scenario: {{user}} is fixing a flaky test'));
    expect(at('Scenario:')).toBeLessThan(at('{{char}}: Then it is a race.'));
    expect(at('{{char}}: Then it is a race.')).toBeLessThan(at('Keep replies short.'));
    expect(p).not.toContain('<START>');
    expect(mika.card).toEqual({
      spec: 'chara_card_v2',
      description: V2.data.description,
      personality: V2.data.personality,
      scenario: V2.data.scenario,
      firstMessage: V2.data.first_mes,
      alternateGreetings: V2.data.alternate_greetings,
      exampleDialogue: V2.data.mes_example,
      systemPrompt: V2.data.system_prompt,
      postHistoryInstructions: V2.data.post_history_instructions,
      creatorNotes: V2.data.creator_notes,
      tags: V2.data.tags,
      creator: V2.data.creator,
      characterVersion: V2.data.character_version,
    });
    expect((await characters()).find((x) => x.id === mika.id)).toEqual(mika);
    await remove(mika);
  });

  it('reads a V3 JSON card from a path', async () => {
    const r = await client.request('character.import', { path: file('rin.json', json(V3)) });
    expect(r.status).toBe('imported');
    expect(r.character).toMatchObject({ name: 'Rin', greeting: 'Oh. It is you.', card: { spec: 'chara_card_v3' } });
    await remove(r.character);
  });

  it('reads a V1 flat card (fields at the top level) as V2', async () => {
    const v1 = { name: 'Old Timer', description: 'From before specs.', personality: 'grumpy', scenario: '', first_mes: 'Hm.', mes_example: '' };
    const r = await client.request('character.import', { data: b64(json(v1)) });
    expect(r.character).toMatchObject({ name: 'Old Timer', greeting: 'Hm.', card: { spec: 'chara_card_v2', description: 'From before specs.' } });
    expect((await exportJson(r.character.id)).data).toEqual(v1);
    await remove(r.character);
  });

  it('reads a V2 PNG card: the image without its card chunks becomes her portrait', async () => {
    const image = makePng(12, 9, [200, 80, 60]);
    const r = await client.request('character.import', { path: file('mika.png', cardPng(V2, undefined, image)) });
    expect(r.character).toMatchObject({ name: 'Mika', portrait: true, card: { spec: 'chara_card_v2' } });
    const portrait = await client.request('character.portrait', { characterId: r.character.id });
    expect(portrait?.mimeType).toBe('image/png');
    expect(Buffer.from(portrait!.data, 'base64').equals(image)).toBe(true);
    expect(portraitFiles()).toContain(path.join(String(r.character.id), 'card.png'));
    // Deleting her deletes her portrait.
    await remove(r.character);
    expect(portraitFiles().filter((f) => f.startsWith(String(r.character.id)))).toEqual([]);
  });

  it('reads a V3 PNG card: `ccv3` wins over `chara` as in SillyTavern', async () => {
    const olderV2 = { ...V2, data: { ...V2.data, name: 'Rin', first_mes: 'The V2 copy.' } };
    const r = await client.request('character.import', { data: b64(cardPng(olderV2, V3)) });
    expect(r.character).toMatchObject({ name: 'Rin', greeting: 'Oh. It is you.', portrait: true, card: { spec: 'chara_card_v3' } });
    expect((await exportJson(r.character.id)).data).toEqual(V3.data);
    await remove(r.character);
  });
});

describe('character cards: round trip', () => {
  for (const [label, card] of [
    ['V2', V2],
    ['V3', V3],
  ] as const) {
    it(`${label}: import -> export (JSON and PNG) -> import keeps every field`, async () => {
      const first = (await client.request('character.import', { data: b64(json(card)) })).character;
      const asJson = await exportJson(first.id);
      expect(asJson).toEqual(card);

      const png = await client.request('character.export', { characterId: first.id, format: 'png' });
      expect(png).toMatchObject({ format: 'png', fileName: `${card.data.name}.png`, placeholderImage: true });
      const pngBytes = Buffer.from(png.content!, 'base64');
      expect(png.bytes).toBe(pngBytes.length);
      // Both chunks, as SillyTavern writes them: `chara` says V2, `ccv3` says V3, the same data.
      const chunks = readTextChunks(pngBytes);
      const chara = JSON.parse(Buffer.from(chunks.chara!, 'base64').toString('utf8'));
      const ccv3 = JSON.parse(Buffer.from(chunks.ccv3!, 'base64').toString('utf8'));
      expect([chara.spec, ccv3.spec, ccv3.spec_version]).toEqual(['chara_card_v2', 'chara_card_v3', '3.0']);
      expect(chara.data).toEqual(card.data);
      expect(ccv3.data).toEqual(card.data);

      // Again from both exports (kept beside the first: same name, the user said keep both).
      const fromJson = await client.request('character.import', { data: b64(JSON.stringify(asJson)), onConflict: 'keepBoth' });
      const fromPng = await client.request('character.import', { path: file(`rt-${label}.png`, pngBytes), onConflict: 'keepBoth' });
      expect(fromJson.character.name).toBe(`${card.data.name} 2`);
      expect(fromPng.character.name).toBe(`${card.data.name} 3`);
      expect((await exportJson(fromJson.character.id)).data).toEqual({ ...card.data, name: `${card.data.name} 2` });
      expect((await exportJson(fromPng.character.id)).data).toEqual({ ...card.data, name: `${card.data.name} 3` });
      for (const k of ['systemPrompt', 'greeting', 'voice', 'card'] as const)
        expect(fromPng.character[k]).toEqual(k === 'card' ? { ...first.card, spec: 'chara_card_v3' } : first[k]);
      // The PNG's image is the one she gets back: the exported portrait again.
      const portrait = await client.request('character.portrait', { characterId: fromPng.character.id });
      expect(portrait).not.toBeNull();
      const again = await client.request('character.export', { characterId: fromPng.character.id, format: 'png' });
      expect(again.placeholderImage).toBe(false);
      await remove(first, fromJson.character, fromPng.character);
    });
  }

  it('export writes a file at a chosen path, and her edits go into the card', async () => {
    const mika = (await client.request('character.import', { data: b64(json(V2)) })).character;
    await client.request('character.update', { characterId: mika.id, systemPrompt: 'You are Mika. Short and kind.', greeting: 'Yo {{user}}.', voice: null });
    const target = path.join(files, 'out', 'mika.json');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const r = await client.request('character.export', { characterId: mika.id, format: 'json', path: target });
    expect(r.path).toBe(target);
    expect(r.content).toBeUndefined();
    // Never over an existing file without the user's word.
    fs.writeFileSync(target, 'keep me');
    await expect(client.request('character.export', { characterId: mika.id, format: 'json', path: target })).rejects.toMatchObject({
      info: { code: 'invalid_argument', message: expect.stringMatching(/already exists; it was left as it is/) },
    });
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me');
    await client.request('character.export', { characterId: mika.id, format: 'json', path: target, overwrite: true });
    const out = JSON.parse(fs.readFileSync(target, 'utf8'));
    expect(r.bytes).toBe(fs.statSync(target).size);
    // The edited persona is the description now; what it was composed from is emptied, the rest kept.
    expect(out.data).toEqual({
      ...V2.data,
      description: 'You are Mika. Short and kind.',
      personality: '',
      scenario: '',
      mes_example: '',
      system_prompt: '',
      post_history_instructions: '',
      first_mes: 'Yo {{user}}.',
      extensions: { ...V2.data.extensions, alisa: { voice: null } },
    });
    await expect(client.request('character.export', { characterId: mika.id, format: 'png', path: path.join(files, 'x.json') })).rejects.toMatchObject({
      info: { code: 'invalid_argument', message: expect.stringMatching(/\.png file/) },
    });
    await remove(mika);
  });

  it('exports a character made here (the built-in Alisa) as a new V2 card with a plain image', async () => {
    const alisa = (await characters()).find((x) => x.builtin)!;
    const out = await exportJson(alisa.id);
    expect(out).toMatchObject({
      spec: 'chara_card_v2',
      data: { name: 'Alisa', description: alisa.systemPrompt, extensions: { alisa: { voice: alisa.voice } } },
    });
    const png = await client.request('character.export', { characterId: alisa.id, format: 'png' });
    expect(png.placeholderImage).toBe(true);
    expect(Object.keys(readTextChunks(Buffer.from(png.content!, 'base64'))).sort()).toEqual(['ccv3', 'chara']);
  });
});

describe('character cards: refused, nothing stored', () => {
  const damaged = () => {
    const png = cardPng(V2);
    png[png.length - 20] ^= 0xff; // inside the chara chunk's base64: its CRC no longer matches
    return png;
  };
  const cases: [string, () => Record<string, string>, RegExp][] = [
    [
      'a malformed `chara` chunk (not base64)',
      () => ({ data: b64(withTextChunks(makePng(), { chara: '%%% not base64 %%%' })) }),
      /`chara` chunk is not valid base64/,
    ],
    [
      'a `chara` chunk that is not JSON',
      () => ({ data: b64(withTextChunks(makePng(), { chara: b64('{"spec": "chara_card_v2", data: ') })) }),
      /`chara` chunk is not valid JSON/,
    ],
    ['a PNG whose card chunk is damaged (CRC)', () => ({ data: b64(damaged()) }), /checksum does not match/],
    ['a PNG cut short', () => ({ data: b64(cardPng(V2).subarray(0, 60)) }), /cut short/],
    ['a PNG with no card', () => ({ data: b64(makePng()) }), /no character card/],
    ['bad base64 data', () => ({ data: 'this is not base64!' }), /card data is not valid base64/],
    ['a wrong spec', () => ({ data: b64(json({ ...V2, spec: 'chara_card_v9' })) }), /not a character card this version reads \(spec "chara_card_v9"\)/],
    ['a card with no name', () => ({ data: b64(json({ ...V2, data: { ...V2.data, name: '  ' } })) }), /has no name/],
    ['a field of the wrong type', () => ({ data: b64(json({ ...V2, data: { ...V2.data, tags: 'one,two' } })) }), /`tags` is not a list of texts/],
    [
      'JSON nested too deep',
      () => ({ data: b64(json({ ...V2, data: { ...V2.data, extensions: JSON.parse('{"a":'.repeat(60) + '1' + '}'.repeat(60)) } })) }),
      /nests deeper than/,
    ],
    ['too big to send inline', () => ({ data: b64(Buffer.alloc(CARD_INLINE_MAX_BYTES + 1, 32)) }), /limit is/],
    [
      'a PNG file over the size limit',
      () => ({ path: file('huge.png', Buffer.concat([cardPng(V2), Buffer.alloc(20 * 1024 * 1024)])) }),
      /MB; the limit is 20 MB/,
    ],
    ['a path that is not a card file', () => ({ path: file('notes.txt', json(V2)) }), /is a \.png or \.json file/],
    ['a relative path', () => ({ path: 'cards/mika.png' }), /must be absolute/],
    [
      'a card holding a secret',
      () => ({ data: b64(json({ ...V2, data: { ...V2.data, creator_notes: 'my key is ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8' } })) }),
      /looks like a secret \(github\); Alisa does not store secrets/,
    ],
  ];
  for (const [what, params, message] of cases) {
    it(what, async () => {
      const before = await characters();
      const filesBefore = portraitFiles();
      const p = params();
      await expect(client.request('character.import', p as never)).rejects.toMatchObject({
        info: { code: 'invalid_argument', message: expect.stringMatching(message) },
      });
      expect(await characters()).toEqual(before);
      expect(portraitFiles()).toEqual(filesBefore);
    });
  }

  it('a card over the persona limit', async () => {
    const before = await characters();
    const long = 'x'.repeat(40_000);
    await expect(
      client.request('character.import', { path: file('long.json', json({ ...V2, data: { ...V2.data, description: long, scenario: long } })) }),
    ).rejects.toMatchObject({
      info: { code: 'invalid_argument', message: expect.stringMatching(/persona .* limit is 60000/) },
    });
    expect(await characters()).toEqual(before);
  });
});

describe('character cards: same name, never overwritten silently', () => {
  it('answers conflict and stores nothing; replace keeps her id; keep both adds another', async () => {
    const mika = (await client.request('character.import', { data: b64(cardPng(V2)) })).character;
    expect(mika.portrait).toBe(true);
    const changed = { ...V2, data: { ...V2.data, name: 'mika', first_mes: 'New card, new line.' } };
    const before = await characters();
    const conflict = await client.request('character.import', { data: b64(json(changed)) });
    expect(conflict).toMatchObject({ status: 'conflict', cardName: 'mika', character: { id: mika.id, name: 'Mika' } });
    expect(await characters()).toEqual(before);

    const replaced = await client.request('character.import', { data: b64(json(changed)), onConflict: 'replace' });
    expect(replaced).toMatchObject({ status: 'replaced', character: { id: mika.id, name: 'mika', greeting: 'New card, new line.' } });
    // The new card (JSON) has no image: her old portrait goes with the old card.
    expect(replaced.character.portrait).toBe(false);
    expect(portraitFiles().filter((f) => f.startsWith(`${mika.id}${path.sep}`))).toEqual([]);
    expect((await characters()).length).toBe(before.length);

    const both = await client.request('character.import', { data: b64(json(changed)), onConflict: 'keepBoth' });
    expect(both).toMatchObject({ status: 'imported', character: { name: 'mika 2' } });
    expect((await characters()).length).toBe(before.length + 1);
    await remove(replaced.character, both.character);
  });

  it('the built-in Alisa is not replaced by a card, and cannot be deleted', async () => {
    const alisa = (await characters()).find((x) => x.builtin)!;
    const card = { ...V2, data: { ...V2.data, name: 'Alisa' } };
    expect((await client.request('character.import', { data: b64(json(card)) })).status).toBe('conflict');
    await expect(client.request('character.import', { data: b64(json(card)), onConflict: 'replace' })).rejects.toMatchObject({
      info: { code: 'forbidden', message: expect.stringMatching(/built-in Alisa cannot be replaced/) },
    });
    await expect(client.request('character.delete', { characterId: alisa.id })).rejects.toMatchObject({
      info: { code: 'forbidden', message: expect.stringMatching(/cannot be deleted/) },
    });
    expect((await characters()).find((x) => x.builtin)).toEqual(alisa);
  });
});

describe('character cards: in her prompt', () => {
  it('the composed persona reaches the model with {{char}} and {{user}} resolved', async () => {
    const server = await startToolServer(() => ({ text: '<emotion=happy> Show me the test.' }));
    const own = await startCompanion({
      model: null,
      args: ['--providers', 'openai', '--endpoint', server.url, '--no-idle', '--mute', '--prompt-style', 'full'],
    });
    try {
      const cl = await TestClient.connect(own);
      const mika = (await cl.request('character.import', { data: b64(json(V2)) })).character;
      await cl.request('character.select', { characterId: mika.id });
      const started = await cl.request('chat.send', { text: 'My test is flaky.' });
      await cl.reply(started.replyId!);
      const system = server.requests[0]!.messages.filter((m) => m.role === 'system')
        .map((m) => String(m.content))
        .join('\n');
      expect(system).toContain('Mika is a cheerful pair programmer who sits next to the user.');
      expect(system).toContain("Mika's personality: cheerful, curious, blunt about bugs");
      expect(system).toContain('Scenario: the user is fixing a flaky test late at night.');
      expect(system).toContain('the user: It fails sometimes.\nMika: Then it is a race. Show me.');
      expect(system).toContain('Keep replies short.');
      expect(system).not.toMatch(/\{\{(char|user|original)\}\}/i);
      cl.close();
    } finally {
      await own.stop();
      await server.close();
    }
  });
});

describe('character cards: pieces', () => {
  it('{{char}} and {{user}} are resolved where the text is used, in any case', () => {
    expect(expandMacros('{{char}} helps {{User}}; {{CHAR}} again.', 'Mika')).toBe('Mika helps the user; Mika again.');
    expect(expandMacros('Hi {{user}}!', 'Mika', 'you')).toBe('Hi you!');
  });

  it('a sparse card still says who she is; the mapping reads the alisa voice extension', () => {
    expect(composePersona({ name: 'Nobody' })).toBe('You are {{char}}.');
    const card = { spec: 'chara_card_v2' as const, spec_version: '2.0', data: { name: '  Spaced   Name ', extensions: {} } };
    expect(mapCard(card)).toEqual({ name: 'Spaced Name', systemPrompt: 'You are {{char}}.', greeting: null, voice: undefined });
    // Unedited, export is the card itself (the name's spacing included).
    expect(cardForExport({ name: 'Spaced Name', systemPrompt: 'You are {{char}}.', greeting: null, voice: null }, card)).toEqual(card);
  });

  it('a database from before cards (v9) keeps its characters; they get the new columns empty', () => {
    const dir = tempDir('alisa-cards-v9-');
    try {
      const dbFile = path.join(dir, 'alisa.db');
      const raw = new Database(dbFile);
      migrate(raw, MIGRATIONS.slice(0, 9));
      raw
        .prepare(
          `INSERT INTO characters (key, name, system_prompt, voice, avatar, builtin, created_ts, updated_ts, greeting) VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?)`,
        )
        .run('zoe', 'Zoe', 'You are Zoe.', 'en-US-AvaNeural', null, 0, 'Hey.');
      expect(raw.pragma('user_version', { simple: true })).toBe(9);
      raw.close();
      const store = MemoryStore.open(dbFile);
      try {
        expect(store.getCharacterByKey('zoe')).toEqual({
          id: 1,
          key: 'zoe',
          name: 'Zoe',
          systemPrompt: 'You are Zoe.',
          voice: 'en-US-AvaNeural',
          avatar: null,
          builtin: false,
          greeting: 'Hey.',
          avatarId: null,
          card: null,
          portrait: false,
        });
        expect(store.updateCharacter(1, { avatarId: 'vrm:abc' }).avatarId).toBe('vrm:abc');
      } finally {
        store.close();
      }
      const check = new Database(dbFile, { readonly: true });
      expect(check.pragma('user_version', { simple: true })).toBe(10);
      check.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the fallback CRC table (runtimes without zlib.crc32) agrees with zlib's", () => {
    for (const b of [Buffer.alloc(0), Buffer.from('IEND', 'latin1'), cardPng(V2)]) expect(tableCrc32(b)).toBe(zlib.crc32(b));
    expect(tableCrc32(Buffer.from('tEXt', 'latin1'), Buffer.from('chara\0x', 'latin1'))).toBe(zlib.crc32(Buffer.from('tEXtchara\0x', 'latin1')));
  });

  it('the test PNG helper writes chunks the companion checks (sanity of the fixture itself)', () => {
    const c1 = pngChunk('tEXt', Buffer.from('chara\0abc', 'latin1'));
    expect(c1.readUInt32BE(0)).toBe(9);
    expect(readTextChunks(cardPng(V2))).toHaveProperty('chara');
  });
});
