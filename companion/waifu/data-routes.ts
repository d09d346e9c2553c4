// The waifu-rt3d routes over Alisa's own data (issue 19): health, sessions, characters and
// avatars, with the shapes the original's front ends read (see the reference, seed-apis.md), but
// backed by Alisa's database and avatar store, and without the original's defects:
//
//   GET    /api/healthcheck            real values: `lmstudio`/`ok` = Alisa's active LLM provider is
//                                      ready (and the database open); `libs` true (three.js and
//                                      three-vrm are bundled in dist/avatar-vrm.js); `ttsConfigured`
//                                      = a voice engine can speak; `issues` in plain words
//   GET    /api/sessions               every chat of Alisa's, newest created first (the legacy
//                                      clients' chat too: it is an ordinary chat in the panel)
//   POST   /api/sessions               {"ok", "session_id", "id", "title", "created_ts"}: both the
//                                      original's code and its clients' shapes
//   PUT    /api/sessions/:id           rename; DELETE /api/sessions/:id: delete, as the panel does
//                                      (VS Code's list hears `sessions.changed`). An unknown id is
//                                      404 {"detail":"Session N not found"} (the original said ok)
//   GET    /api/sessions/:id/messages  oldest first; an unknown id is an empty list, as the original
//   GET/POST /api/characters, PUT/DELETE /api/characters/:id   Alisa's characters: name, persona
//                                      (system_prompt), voice (voice_id), avatar_url (and, when it
//                                      is /files/avatars/X of a stored model, her 3D avatar);
//                                      tts_provider and personality_traits have no Alisa field and
//                                      are kept beside her in the settings table. The built-in
//                                      character cannot be deleted; an unknown id is 404
//   GET    /api/avatars, POST /api/avatars/upload, DELETE /api/avatars/:name, GET /files/avatars/:name
//                                      Alisa's stored 3D models (VRM, glTF), named "<name>.<ext>".
//                                      Uploads pass the store's checks (size, structure, no external
//                                      files); a name that is taken is 409, never overwritten; an
//                                      unknown name is 404.
// Non-integer ids are 422 in FastAPI's shape. Times (`created_ts`, `ts`) are seconds (float).
import path from 'node:path';
import type { Character, Message, Session } from '../../protocol';
import { AVATAR_FILE_TYPES } from '../avatars/avatar-store';
import { AlisaError, toAlisaError } from '../errors';
import type { MemoryStore } from '../memory';
import { type ApiReply, type ApiRequest, detail, ok, type RouteTable, type WaifuDeps } from './api-types';

/** The model files the original's viewer loads (three.js GLTFLoader). */
const MODEL_EXTENSIONS = ['.vrm', '.glb', '.gltf'];
const AVATAR_URL_PREFIX = '/files/avatars/';
/** As the WebSocket character methods (protocol/messages.ts character.create). */
const LIMITS = { name: 80, systemPrompt: 60_000, voice: 200, avatar: 500, ttsProvider: 100, traits: 50, trait: 200, title: 200 };
const EXTRAS_SETTING = 'waifu.characterExtras';
/** Messages read per page when a whole session is listed. */
const MESSAGE_PAGE = 10_000;

export function dataRoutes(deps: WaifuDeps): RouteTable {
  const { core } = deps;
  const memory = () => core.memory();
  return {
    'GET /api/healthcheck': () => healthcheck(deps),

    // ---- sessions ----
    'GET /api/sessions': async () => {
      const sessions = memory()
        .listSessions()
        .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
      return { status: 200, body: { sessions: sessions.map(sessionShape) } };
    },
    'POST /api/sessions': async (req) => {
      const parsed = objectBody(req, true);
      if ('reply' in parsed) return parsed.reply;
      const body = parsed.body;
      const title = body.title;
      if (title !== undefined && title !== null && typeof title !== 'string') return detail(400, 'title must be a string.');
      if (typeof title === 'string' && title.length > LIMITS.title) return detail(400, `title may be at most ${LIMITS.title} characters.`);
      const session = memory().createSession(typeof title === 'string' && title.trim() !== '' ? title : 'New Session', core.state.characterId, null);
      core.events.emit({ type: 'sessions.changed', session });
      // The original's code answered {id, title, created_ts}; its clients read {ok, session_id}.
      return ok({ session_id: session.id, id: session.id, title: session.title, created_ts: seconds(session.createdAt) });
    },
    'PUT /api/sessions/:id': async (req) => {
      const id = intParam(req, 'id');
      if (typeof id !== 'number') return id;
      const parsed = objectBody(req, true);
      if ('reply' in parsed) return parsed.reply;
      const body = parsed.body;
      if (body.title !== undefined && typeof body.title !== 'string') return detail(400, 'title must be a string.');
      if (typeof body.title !== 'string' || body.title.trim() === '') return detail(400, 'Title required');
      if (body.title.length > LIMITS.title) return detail(400, `title may be at most ${LIMITS.title} characters.`);
      if (!memory().getSession(id)) return sessionNotFound(id);
      const session = memory().renameSession(id, body.title);
      core.events.emit({ type: 'sessions.changed', session });
      return ok();
    },
    'DELETE /api/sessions/:id': async (req) => {
      const id = intParam(req, 'id');
      if (typeof id !== 'number') return id;
      const store = memory();
      if (!store.getSession(id)) return sessionNotFound(id);
      // As session.delete: its summary goes with it, and the Memory view hears of that too.
      const summary = store.sessionSummary(id);
      store.deleteSession(id);
      core.events.emit({ type: 'sessions.changed', deletedSessionId: id });
      if (summary) core.events.emit({ type: 'memory.changed', deletedIds: [summary.id] });
      return ok();
    },
    'GET /api/sessions/:id/messages': async (req) => {
      const id = intParam(req, 'id');
      if (typeof id !== 'number') return id;
      const store = memory();
      if (!store.getSession(id)) return { status: 200, body: { messages: [] } };
      return { status: 200, body: { messages: allMessages(store, id).map(messageShape) } };
    },

    // ---- characters ----
    'GET /api/characters': async () => {
      const store = memory();
      const extras = readExtras(store);
      const characters = [...store.listCharacters()].sort((a, b) => a.id - b.id);
      return { status: 200, body: { characters: characters.map((c) => characterShape(deps, c, extras)) } };
    },
    'POST /api/characters': async (req) => {
      const parsed = objectBody(req, false);
      if ('reply' in parsed) return parsed.reply;
      const body = parsed.body;
      if (!nonBlank(body.name) || !nonBlank(body.system_prompt)) {
        if ((body.name !== undefined && typeof body.name !== 'string') || (body.system_prompt !== undefined && typeof body.system_prompt !== 'string'))
          return detail(400, 'name and system_prompt must be strings.');
        return detail(400, 'name and system_prompt required');
      }
      const fields = characterFields(deps, body);
      if ('status' in fields) return fields;
      const store = memory();
      const created = store.createCharacter({
        name: fields.patch.name!,
        systemPrompt: fields.patch.systemPrompt!,
        ...(fields.patch.voice ? { voice: fields.patch.voice } : {}),
        ...(fields.patch.avatar ? { avatar: fields.patch.avatar } : {}),
      });
      const character = fields.patch.avatarId ? store.updateCharacter(created.id, { avatarId: fields.patch.avatarId }) : created;
      const extras = readExtras(store);
      extras[extrasKey(character)] = { tts_provider: fields.ttsProvider ?? '', personality_traits: fields.traits ?? [] };
      writeExtras(store, extras);
      return { status: 200, body: characterShape(deps, character, extras) };
    },
    'PUT /api/characters/:id': async (req) => {
      const id = intParam(req, 'id');
      if (typeof id !== 'number') return id;
      const parsed = objectBody(req, false);
      if ('reply' in parsed) return parsed.reply;
      const body = parsed.body;
      const known = ['name', 'system_prompt', 'avatar_url', 'voice_id', 'tts_provider', 'personality_traits'];
      if (!known.some((k) => body[k] !== undefined)) return detail(400, 'No fields to update');
      const fields = characterFields(deps, body);
      if ('status' in fields) return fields;
      const store = memory();
      const existing = store.getCharacter(id);
      if (!existing) return detail(404, `Character ${id} not found`);
      const character = Object.keys(fields.patch).length > 0 ? store.updateCharacter(id, fields.patch) : existing;
      if (fields.ttsProvider !== undefined || fields.traits !== undefined) {
        const extras = readExtras(store);
        const before = extras[extrasKey(existing)] ?? { tts_provider: '', personality_traits: [] };
        delete extras[extrasKey(existing)];
        extras[extrasKey(character)] = {
          tts_provider: fields.ttsProvider ?? before.tts_provider,
          personality_traits: fields.traits ?? before.personality_traits,
        };
        writeExtras(store, extras);
      }
      // Her avatar may have changed: the panel shows the new one.
      core.avatars?.refresh();
      return ok();
    },
    'DELETE /api/characters/:id': async (req) => {
      const id = intParam(req, 'id');
      if (typeof id !== 'number') return id;
      const store = memory();
      const character = store.getCharacter(id);
      if (!character) return detail(404, `Character ${id} not found`);
      if (character.builtin) return detail(400, 'Cannot delete default character');
      // As character.delete: her card files go, and the active character falls back to the default.
      store.deleteCharacter(id);
      core.characterCards?.removeFiles(id);
      if (core.state.characterId === id) core.state.setCharacter(core.defaultCharacterId());
      const extras = readExtras(store);
      if (delete extras[extrasKey(character)]) writeExtras(store, extras);
      core.avatars?.refresh();
      return ok();
    },

    // ---- avatars ----
    'GET /api/avatars': async () => ({
      status: 200,
      body: { avatars: models(deps).map((m) => ({ name: m.name, url: `${AVATAR_URL_PREFIX}${encodeURIComponent(m.name)}` })) },
    }),
    'POST /api/avatars/upload': async (req) => uploadAvatar(deps, req),
    'DELETE /api/avatars/:name': async (req) => {
      const avatars = core.avatars;
      const model = models(deps).find((m) => m.name === req.params.name);
      if (!avatars || !model) return detail(404, `There is no avatar named ${req.params.name}.`);
      avatars.delete(model.id);
      return ok();
    },
    'GET /files/avatars/:name': async (req) => {
      const model = models(deps).find((m) => m.name === req.params.name);
      const file = model && core.avatars ? core.avatars.store.filePath(model.id, model.file) : null;
      if (!model || !file) return detail(404, 'Not Found');
      return { status: 200, file, contentType: AVATAR_FILE_TYPES[path.extname(file)] ?? 'application/octet-stream' };
    },
  };
}

// ---- health --------------------------------------------------------------------------------------

async function healthcheck(deps: WaifuDeps): Promise<ApiReply> {
  const { core } = deps;
  const status = core.status();
  const issues: string[] = [];
  const model = status.model;
  const lmstudio = model.state === 'ready';
  if (model.state === 'error') issues.push(`The language model is not available: ${model.error?.message ?? 'it failed to load.'}`);
  else if (model.state === 'loading' || model.state === 'downloading')
    issues.push(`The language model is ${model.state}${model.progress !== null ? ` (${Math.round(model.progress * 100)}%)` : ''}.`);
  else if (model.state === 'none') issues.push('No language model is loaded yet; it loads with the first message.');
  const databaseReady = status.database.state === 'ready';
  if (!databaseReady) issues.push(`The database is not open: ${status.database.error?.message ?? 'unknown error.'}`);
  let ttsConfigured = false;
  try {
    const voice = await core.voice.status();
    ttsConfigured = voice.tts.some((e) => e.available);
    if (!ttsConfigured) {
      const reasons = voice.tts.map((e) => `${e.id}: ${e.reason ?? 'not available'}`).join('; ');
      issues.push(`No voice can speak${reasons ? ` (${reasons})` : ''}.`);
    }
  } catch (err) {
    issues.push(`The voice status could not be read: ${toAlisaError(err).message}`);
  }
  return {
    status: 200,
    body: {
      ok: lmstudio && databaseReady,
      // Alisa bundles three.js, its GLTFLoader and three-vrm (dist/avatar-vrm.js): nothing to fetch.
      libs: { three_local: true, gltf_loader_local: true, three_vrm_local: true },
      lmstudio,
      ttsConfigured,
      issues,
      // Beyond the original's keys: what the answer rests on.
      model: { provider: model.provider, state: model.state, name: model.model },
      database: status.database.state,
      version: status.version,
    },
  };
}

// ---- request checks ------------------------------------------------------------------------------

/** The JSON object body, or a 400; `emptyOk`: a missing body reads as {}. */
function objectBody(req: ApiRequest, emptyOk: boolean): { body: Record<string, unknown> } | { reply: ApiReply } {
  if (req.json === undefined && emptyOk) return { body: {} };
  if (req.json === null || typeof req.json !== 'object' || Array.isArray(req.json)) return { reply: detail(400, 'The body must be a JSON object.') };
  return { body: req.json as Record<string, unknown> };
}

/** A path id as FastAPI's `int` parameter: anything else is 422 in its shape. */
function intParam(req: ApiRequest, name: string): number | ApiReply {
  const raw = req.params[name] ?? '';
  const n = /^[+-]?\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (Number.isSafeInteger(n)) return n;
  return {
    status: 422,
    body: {
      detail: [{ type: 'int_parsing', loc: ['path', name], msg: 'Input should be a valid integer, unable to parse string as an integer', input: raw }],
    },
  };
}

function nonBlank(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

// ---- sessions ------------------------------------------------------------------------------------

const seconds = (ms: number) => ms / 1000;

function sessionShape(s: Session): { id: number; title: string; created_ts: number; message_count: number } {
  return { id: s.id, title: s.title || `Session ${s.id}`, created_ts: seconds(s.createdAt), message_count: s.messageCount };
}

function sessionNotFound(id: number): ApiReply {
  return detail(404, `Session ${id} not found`);
}

function allMessages(store: MemoryStore, sessionId: number): Message[] {
  const pages: Message[][] = [];
  let before: number | undefined;
  for (;;) {
    const page = store.listMessages(sessionId, { limit: MESSAGE_PAGE, ...(before !== undefined ? { beforeId: before } : {}) });
    pages.unshift(page);
    if (page.length < MESSAGE_PAGE) break;
    before = page[0]!.id;
  }
  return pages.flat();
}

function messageShape(m: Message): { id: number; role: string; text: string; ts: number } {
  return { id: m.id, role: m.role, text: m.text, ts: seconds(m.createdAt) };
}

// ---- characters ----------------------------------------------------------------------------------

interface Extras {
  tts_provider: string;
  personality_traits: string[];
}

/** Keyed by id and key, so a later character that reuses a deleted one's id does not inherit its extras. */
function extrasKey(c: Pick<Character, 'id' | 'key'>): string {
  return `${c.id}:${c.key}`;
}

function readExtras(store: MemoryStore): Record<string, Extras> {
  try {
    const parsed = JSON.parse(store.getSetting(EXTRAS_SETTING) ?? '{}') as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, Extras>) : {};
  } catch {
    return {};
  }
}

function writeExtras(store: MemoryStore, extras: Record<string, Extras>): void {
  store.setSetting(EXTRAS_SETTING, JSON.stringify(extras));
}

function characterShape(deps: WaifuDeps, c: Character, extras: Record<string, Extras>) {
  const own = extras[extrasKey(c)];
  let avatarUrl = c.avatar ?? '';
  if (!avatarUrl && c.avatarId) {
    const model = models(deps).find((m) => m.id === c.avatarId);
    if (model) avatarUrl = `${AVATAR_URL_PREFIX}${encodeURIComponent(model.name)}`;
  }
  return {
    id: c.id,
    name: c.name,
    system_prompt: c.systemPrompt,
    avatar_url: avatarUrl,
    voice_id: c.voice ?? '',
    tts_provider: typeof own?.tts_provider === 'string' ? own.tts_provider : '',
    personality_traits: Array.isArray(own?.personality_traits) ? own.personality_traits : [],
  };
}

interface CharacterFields {
  patch: { name?: string; systemPrompt?: string; voice?: string | null; avatar?: string | null; avatarId?: string | null };
  ttsProvider?: string;
  traits?: string[];
}

/** The waifu fields of `body` as Alisa's, checked with the WebSocket methods' limits; a 400 names the first wrong one. */
function characterFields(deps: WaifuDeps, body: Record<string, unknown>): CharacterFields | ApiReply {
  const out: CharacterFields = { patch: {} };
  const text = (key: string, max: number, required: boolean): string | null | undefined | ApiReply => {
    const v = body[key];
    if (v === undefined || v === null) return required ? detail(400, `${key} must not be empty.`) : v;
    if (typeof v !== 'string') return detail(400, `${key} must be a string.`);
    if (required && v.trim() === '') return detail(400, `${key} must not be empty.`);
    if (v.length > max) return detail(400, `${key} may be at most ${max} characters.`);
    return v;
  };
  const name = text('name', LIMITS.name, body.name !== undefined);
  if (isReply(name)) return name;
  if (typeof name === 'string') out.patch.name = name.trim();
  const prompt = text('system_prompt', LIMITS.systemPrompt, body.system_prompt !== undefined);
  if (isReply(prompt)) return prompt;
  if (typeof prompt === 'string') out.patch.systemPrompt = prompt;
  const voice = text('voice_id', LIMITS.voice, false);
  if (isReply(voice)) return voice;
  if (voice !== undefined) out.patch.voice = voice === null || voice.trim() === '' ? null : voice.trim();
  const avatar = text('avatar_url', LIMITS.avatar, false);
  if (isReply(avatar)) return avatar;
  if (avatar !== undefined) {
    const url = avatar === null || avatar.trim() === '' ? null : avatar.trim();
    out.patch.avatar = url;
    // One of Alisa's stored models: she wears it in the panel too.
    const model = url?.startsWith(AVATAR_URL_PREFIX) ? models(deps).find((m) => m.name === safeDecode(url.slice(AVATAR_URL_PREFIX.length))) : undefined;
    out.patch.avatarId = model ? model.id : null;
  }
  const provider = text('tts_provider', LIMITS.ttsProvider, false);
  if (isReply(provider)) return provider;
  if (provider !== undefined) out.ttsProvider = provider ?? '';
  const traits = body.personality_traits;
  if (traits !== undefined && traits !== null) {
    if (!Array.isArray(traits) || traits.some((t) => typeof t !== 'string')) return detail(400, 'personality_traits must be a list of strings.');
    if (traits.length > LIMITS.traits) return detail(400, `personality_traits may hold at most ${LIMITS.traits} traits.`);
    if (traits.some((t: string) => t.length > LIMITS.trait)) return detail(400, `Each personality trait may be at most ${LIMITS.trait} characters.`);
    out.traits = traits as string[];
  } else if (traits === null) {
    out.traits = [];
  }
  return out;
}

function isReply(v: unknown): v is ApiReply {
  return typeof v === 'object' && v !== null && 'status' in v;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---- avatars -------------------------------------------------------------------------------------

interface Model {
  id: string;
  /** The name the API uses: the avatar's name (no separators) and its model's extension. */
  name: string;
  /** The model's file in the avatar's folder. */
  file: string;
}

/** Alisa's stored 3D models (sprite sets and the built-in SVG are not models the viewer can load). */
function models(deps: WaifuDeps): Model[] {
  const avatars = deps.core.avatars;
  if (!avatars) return [];
  const out: Model[] = [];
  for (const a of avatars.store.list()) {
    if (a.builtin || (a.kind !== 'vrm' && a.kind !== 'gltf')) continue;
    const file = a.url?.split('/').pop() ?? '';
    const ext = path.extname(file).toLowerCase();
    if (!MODEL_EXTENSIONS.includes(ext)) continue;
    out.push({ id: a.id, name: `${cleanBase(a.name)}${ext}`, file });
  }
  return out;
}

/** As the original: `..`, `/` and `\` deleted; also control characters, and surrounding blanks. */
function cleanBase(name: string): string {
  let prev: string;
  let s = name;
  do {
    prev = s;
    s = s.replace(/\.\./g, '').replace(/[/\\]/g, '');
  } while (s !== prev);
  return s.replace(/[\u0000-\u001f\u007f]/g, '').trim();
}

function missingFile(): ApiReply {
  return { status: 422, body: { detail: [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null }] } };
}

function uploadAvatar(deps: WaifuDeps, req: ApiRequest): ApiReply {
  const avatars = deps.core.avatars;
  const upload = req.files.find((f) => f.field === 'file');
  if (!upload) return missingFile();
  // As the original: the name's ending, whatever comes before it (".vrm" alone included).
  const ext = MODEL_EXTENSIONS.find((e) => upload.filename.toLowerCase().endsWith(e));
  if (!ext) return detail(400, 'Only .vrm/.glb/.gltf supported');
  if (!avatars) return detail(503, 'This companion keeps no avatars.');
  const base = cleanBase(upload.filename.slice(0, upload.filename.length - ext.length))
    .slice(0, 70)
    .trim();
  if (base === '') return detail(400, `The file name "${upload.filename.slice(0, 200)}" has no usable name before its extension.`);
  const max = avatars.store.maxImportBytes;
  if (upload.data.length > max) {
    return detail(
      413,
      `${base}${ext} is ${(upload.data.length / 1_000_000).toFixed(1)} MB; avatars may be at most ${Math.round(max / 1_000_000)} MB (alisa.avatar.maxImportMB).`,
    );
  }
  const taken = avatars.store.list().find((a) => !a.builtin && a.name.toLowerCase() === base.toLowerCase());
  if (taken) {
    const shown = models(deps).find((m) => m.id === taken.id)?.name ?? `${base}${ext}`;
    return detail(409, `An avatar named ${shown} already exists; delete it first or upload under another name.`);
  }
  let stored;
  try {
    stored = avatars.importBytes(upload.data, `${base}${ext}`, { name: base, kind: ext === '.vrm' ? 'vrm' : 'gltf' });
  } catch (err) {
    const e = toAlisaError(err);
    if (e.code === 'invalid_argument') return detail(400, `${e.message}${e.action ? ` ${e.action}` : ''}`);
    throw err instanceof AlisaError ? err : e;
  }
  const model = models(deps).find((m) => m.id === stored.avatar.id);
  const name = model?.name ?? `${base}${ext}`;
  return ok({ name, url: `${AVATAR_URL_PREFIX}${encodeURIComponent(name)}` });
}
