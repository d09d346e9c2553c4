// @-mention attachments through the real companion over its WebSocket (issue 17): with the real
// tiny model (512 tokens of context), attachments go in, `reply.end` names the sources that went
// into the prompt, and both messages keep them in the history; a large file is cut to fit and
// cited by the lines kept; bad attachments are refused with a clear error and store nothing. What
// the model read (secrets redacted, the block placed in the user's turn, the citation request) is
// checked on the requests an OpenAI-compatible server in tests/ records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACHMENTS_TOTAL_MAX, type Attachment, type CompanionMessage } from '../protocol';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startCompanion, tempDir, type RunningCompanion, type TestClient } from './helpers/companion';
import { connectAs, useCompanionClient } from './helpers/comp-live';
import { startToolServer, type ToolServer } from './helpers/fake-tool-server';

const WS = { id: 'file:///home/me/shop', name: 'shop' };
const SECRET = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const fileLines = (n: number) => Array.from({ length: n }, (_, i) => `export const value${i + 1} = ${i + 1}; // line ${i + 1}`).join('\n');

type End = Extract<CompanionMessage, { type: 'reply.end' }>;

async function send(client: TestClient, text: string, attachments: Attachment[], sessionId?: number) {
  const started = await client.request('chat.send', { text, attachments, ...(sessionId !== undefined ? { sessionId } : {}) });
  const events = await client.reply(started.replyId!);
  const end = events.at(-1)!;
  expect(end.type, JSON.stringify(end)).toBe('reply.end');
  return { started, end: end as End };
}

describe('with the real tiny model', () => {
  let client: TestClient;
  useCompanionClient((_c, connected) => (client = connected), { args: ['--no-idle', '--mute'] });

  it('attachments in, sources out on reply.end, and both messages keep them in the history', async () => {
    const small: Attachment = { kind: 'file', label: 'src/price.ts', path: 'src/price.ts', text: 'export const price = 3;' };
    const problems: Attachment = { kind: 'problems', label: '@problems (1)', text: 'src/price.ts:1:14 error: Type string is not assignable (ts 2322)' };
    const { started, end } = await send(client, 'why is this wrong?', [small, problems]);
    expect(end.sources).toEqual([
      { kind: 'file', label: 'src/price.ts', path: 'src/price.ts' },
      { kind: 'problems', label: '@problems (1)' },
    ]);
    const { messages } = await client.request('session.messages', { sessionId: started.sessionId });
    const user = messages.find((m) => m.id === started.userMessageId)!;
    const reply = messages.find((m) => m.id === end.messageId)!;
    expect(user.text).toBe('why is this wrong?');
    expect(user.sources?.map((s) => s.label)).toEqual(['src/price.ts', '@problems (1)']);
    expect(reply.sources).toEqual(end.sources);
    // A message without attachments has none (and the history of older messages reads as before).
    const plain = await client.request('chat.send', { text: 'thanks', sessionId: started.sessionId });
    const plainEnd = (await client.reply(plain.replyId!)).at(-1) as End;
    expect(plainEnd.sources).toBeUndefined();
    const after = await client.request('session.messages', { sessionId: started.sessionId });
    expect(after.messages.find((m) => m.id === plain.userMessageId)).not.toHaveProperty('sources');
  }, 120_000);

  it('a file larger than the context is cut to fit and cited by the lines kept; the reply still comes', async () => {
    const big: Attachment = { kind: 'file', label: 'src/big.ts', path: 'src/big.ts', text: fileLines(300) };
    const { end } = await send(client, 'what does this file do?', [big]);
    expect(end.sources).toHaveLength(1);
    const [src] = end.sources!;
    expect(src).toMatchObject({ kind: 'file', path: 'src/big.ts', startLine: 1 });
    expect(src!.endLine).toBeGreaterThan(0);
    expect(src!.endLine).toBeLessThan(300);
    expect(src!.label).toBe(`src/big.ts:1-${src!.endLine}`);
    // The prompt fitted the model: she answered in full, from a prompt far smaller than the file.
    expect(end.interrupted).toBe(false);
    expect(end.tokens.completion).toBeGreaterThan(0);
    expect(end.tokens.prompt).toBeLessThan(big.text.length / 4);
  }, 120_000);

  it('bad attachments are refused with a clear error and nothing is stored', async () => {
    const session = await client.request('session.create', {});
    const refused = async (attachments: unknown[], pattern: RegExp) => {
      const err = await client.request('chat.send', { text: 'look', sessionId: session.id, attachments: attachments as Attachment[] }).catch((e) => e);
      expect(err?.info?.code, JSON.stringify(err?.info)).toBe('invalid_argument');
      expect(err.info.message).toMatch(pattern);
    };
    const chunk = (i: number): Attachment => ({ kind: 'file', label: `f${i}.ts`, path: `f${i}.ts`, text: 'x'.repeat(15_000) });
    expect(7 * 15_000).toBeGreaterThan(ATTACHMENTS_TOTAL_MAX);
    await refused([0, 1, 2, 3, 4, 5, 6].map(chunk), /one message may carry 100,000/);
    await refused([{ kind: 'file', label: 'passwd', path: '../../etc/passwd', text: 'root' }], /outside the workspace/);
    await refused([{ kind: 'file', label: 'big', text: 'x'.repeat(16_001) }], /./);
    await refused([{ kind: 'nonsense', label: 'x', text: '' }], /./);
    await refused(
      Array.from({ length: 13 }, (_, i) => ({ kind: 'memory', label: `m${i}`, text: 'x' })),
      /./,
    );
    expect((await client.request('session.messages', { sessionId: session.id })).messages).toEqual([]);
  }, 60_000);
});

describe('what the model reads, with an OpenAI-compatible server', () => {
  let server: ToolServer;
  let companion: RunningCompanion;
  let client: TestClient;
  const userTurn = () => String(server.requests.at(-1)!.messages.at(-1)!.content);

  beforeAll(async () => {
    server = await startToolServer(() => ({ text: '<emotion=calm> It is on src/price.ts:1.' }));
    companion = await startCompanion({ model: null, args: ['--providers', 'openai', '--endpoint', server.url, '--no-idle', '--mute'] });
    client = await connectAs(companion, WS);
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await companion?.stop();
    await server?.close();
  });

  it('the attachments sit in the user turn before the message, secrets redacted, with the request to cite', async () => {
    const file: Attachment = {
      kind: 'file',
      label: 'src/config.ts',
      path: 'src/config.ts',
      text: `export const token = '${SECRET}';\nexport const port = 8080;`,
    };
    const memory: Attachment = { kind: 'memory', label: 'memory: prefers pytest', text: 'The user prefers pytest' };
    const { end } = await send(client, 'is the config fine?', [file, memory]);
    const turn = userTurn();
    expect(turn).toContain('cite it as path:line');
    expect(turn).toContain('[src/config.ts]\nexport const token =');
    expect(turn).toContain('export const port = 8080;');
    expect(turn).toContain('[memory: prefers pytest]\nThe user prefers pytest');
    expect(turn).toMatch(/is the config fine\?$/);
    expect(JSON.stringify(server.requests.at(-1)!.messages)).not.toContain(SECRET);
    // Not in the system message (the prompt cache's stable prefix).
    expect(String(server.requests.at(-1)!.messages[0]!.content)).not.toContain('export const port');
    expect(end.sources?.map((s) => s.label)).toEqual(['src/config.ts', 'memory: prefers pytest']);
  }, 60_000);

  it('an edited message is asked without its attachments, and its chips go', async () => {
    const file: Attachment = { kind: 'file', label: 'src/old.ts', path: 'src/old.ts', text: 'export const old = 1;' };
    const { started } = await send(client, 'look at this', [file]);
    expect(userTurn()).toContain('[src/old.ts]');
    const edited = await client.request('chat.edit', { messageId: started.userMessageId!, text: 'never mind, hello' });
    const end = (await client.reply(edited.replyId)).at(-1) as End;
    expect(end.type).toBe('reply.end');
    expect(end.sources).toBeUndefined();
    expect(userTurn()).not.toContain('src/old.ts');
    const { messages } = await client.request('session.messages', { sessionId: started.sessionId });
    expect(messages.find((m) => m.id === started.userMessageId)).not.toHaveProperty('sources');
  }, 60_000);

  it('@codebase with an index: its best chunks go into the turn and are cited as path:start-end', async () => {
    const folder = tempDir('alisa-mentions-code-');
    mkdirSync(path.join(folder, 'src'));
    writeFileSync(
      path.join(folder, 'src', 'invoice.ts'),
      'export function invoiceTotal(lines: number[]): number {\n  return lines.reduce((a, b) => a + b, 0);\n}\n',
    );
    writeFileSync(path.join(folder, 'src', 'weather.ts'), 'export const forecast = "sunny";\n');
    // A second client of its own workspace: the index is per workspace.
    const coder = await connectAs(companion, { id: `file://${folder}`, name: 'coder' });
    try {
      await coder.request('codeIndex.build', { folders: [{ path: folder, name: 'coder' }], privacyGlobs: [] });
      await coder.waitFor((m) => m.type === 'codeIndex.progress' && m.state === 'ready', 30_000);
      const { end } = await send(coder, 'how is the invoice total computed?', [{ kind: 'codebase', label: '@codebase', text: '' }]);
      const cited = end.sources?.filter((s) => s.kind === 'codebase' && s.path !== undefined) ?? [];
      expect(cited.map((s) => s.path)).toContain('src/invoice.ts');
      const chunk = cited.find((s) => s.path === 'src/invoice.ts')!;
      expect(chunk.label).toBe(`src/invoice.ts:${chunk.startLine}-${chunk.endLine}`);
      expect(userTurn()).toContain(`[${chunk.label}]`);
      expect(userTurn()).toContain('lines.reduce((a, b) => a + b, 0)');
    } finally {
      coder.close();
    }
  }, 60_000);

  it('@codebase without an index says so in the sources, and the reply still comes', async () => {
    const { end } = await send(client, 'where is the price computed?', [{ kind: 'codebase', label: '@codebase', text: '' }]);
    const note = end.sources?.find((s) => s.kind === 'codebase');
    expect(note?.label).toMatch(/^@codebase: /);
    expect(note?.path).toBeUndefined();
    expect(end.text).toContain('src/price.ts:1');
  }, 60_000);
});
