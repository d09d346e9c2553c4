// A character's greeting (her first line in an empty chat) in the memory store, against a real
// SQLite file: created, changed, cleared, listed; and a database from before it (schema v5) gains
// the column on open with every character kept and no greeting. Then over the companion's real
// WebSocket (the built process, no model needed): character.create / update carry it through the
// request schemas, which drop what they do not declare.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Character } from '../protocol';
import { MemoryStore } from '../companion/memory';
import { migrate } from '../companion/memory/database';
import { MIGRATIONS } from '../companion/memory/schema';
import { startCompanion, TestClient } from './helpers/companion';

let dir: string;
let file: string;
const open: MemoryStore[] = [];

function openStore(): MemoryStore {
  const store = MemoryStore.open(file);
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alisa-greeting-'));
  file = path.join(dir, 'alisa.db');
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('character greetings', () => {
  it('are created, changed, cleared and listed; the answers keep the protocol', () => {
    const store = openStore();
    const builtin = store.upsertBuiltinCharacter({ key: 'alisa', name: 'Alisa', systemPrompt: 'p', voice: null });
    expect(builtin.greeting).toBeNull();
    const mika = store.createCharacter({ name: 'Mika', systemPrompt: 'You are Mika.', greeting: 'Hi! What are we building today?' });
    expect(mika.greeting).toBe('Hi! What are we building today?');
    expect(Character.safeParse(mika).success).toBe(true);

    // Only what the patch names changes.
    expect(store.updateCharacter(mika.id, { name: 'Mika II' }).greeting).toBe('Hi! What are we building today?');
    expect(store.updateCharacter(mika.id, { greeting: 'Back again?' }).greeting).toBe('Back again?');
    expect(store.updateCharacter(mika.id, { greeting: null }).greeting).toBeNull();
    expect(store.updateCharacter(mika.id, { greeting: 'Yo.' })).toMatchObject({ name: 'Mika II', systemPrompt: 'You are Mika.', greeting: 'Yo.' });
    expect(store.listCharacters().map((c) => [c.name, c.greeting])).toEqual([
      ['Alisa', null],
      ['Mika II', 'Yo.'],
    ]);
    // A blank greeting is none.
    expect(store.updateCharacter(mika.id, { greeting: '   ' }).greeting).toBeNull();
  });

  it('come to a database from before them: the column is added, characters kept, none greets', () => {
    const raw = new Database(file);
    migrate(raw, MIGRATIONS.slice(0, 5));
    raw
      .prepare(
        `INSERT INTO characters (key, name, system_prompt, voice, avatar, builtin, created_ts, updated_ts) VALUES ('zoe', 'Zoe', 'p', NULL, NULL, 0, 1, 1)`,
      )
      .run();
    expect(raw.pragma('user_version', { simple: true })).toBe(5);
    raw.close();

    const store = openStore();
    const zoe = store.getCharacterByKey('zoe')!;
    expect(zoe).toMatchObject({ name: 'Zoe', greeting: null });
    expect(store.updateCharacter(zoe.id, { greeting: 'Hello.' }).greeting).toBe('Hello.');
  });

  it('go through the companion: created with one, changed, cleared, and listed', async () => {
    const c = await startCompanion({ model: null });
    try {
      const client = await TestClient.connect(c);
      const mika = await client.request('character.create', { name: 'Mika', systemPrompt: 'You are Mika.', greeting: 'Hi! Ready?' });
      expect(mika.greeting).toBe('Hi! Ready?');
      expect((await client.request('character.update', { characterId: mika.id, greeting: 'Back?' })).greeting).toBe('Back?');
      expect((await client.request('character.update', { characterId: mika.id, greeting: null })).greeting).toBeNull();
      const { characters } = await client.request('character.list', {});
      expect(characters.find((x) => x.id === mika.id)).toMatchObject({ name: 'Mika', greeting: null });
      expect(characters.find((x) => x.builtin)).toMatchObject({ greeting: null });
      client.close();
    } finally {
      await c.stop();
    }
  });
});
