// Chats name themselves. After the first exchange of a chat still called "New chat", it takes
// the first words of the user's message at once (so the list never shows a row of "New chat"),
// and then, when a model is ready, a short title the model writes from that exchange. The
// model's answer is kept only if it looks like a title (one line, 1-8 words, letters in it; a
// tiny model writes stories, so its first line is cut down or refused), and only if the chat
// still has the first-words title: a name the user gave is never overwritten. Titles are
// editable as before (`session.rename`).
//
// `--auto-title model|words|off` (default model): `words` never asks the model (no extra
// generation), `off` leaves "New chat".
import type { LlmProvider } from '../llm';
import { DEFAULT_SESSION_TITLE, type MemoryStore } from '../memory';
import type { EventHub } from '../events';

export type AutoTitleMode = 'model' | 'words' | 'off';

const MAX_WORDS = 6;
const MAX_CHARS = 48;
/** Tokens the model may spend on a title. */
const TITLE_TOKENS = 16;

/** "Why does `npm test` fail with ENOENT on CI?" -> "Why does npm test fail with ENOENT…" */
export function firstWordsTitle(text: string): string | null {
  const plain = text
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .replace(/[`*_#>[\]()]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!/\p{L}|\p{N}/u.test(plain)) return null;
  const words = plain.split(' ');
  let title = '';
  let used = 0;
  for (const w of words) {
    const next = title ? `${title} ${w}` : w;
    if (used === MAX_WORDS || next.length > MAX_CHARS) break;
    title = next;
    used++;
  }
  // One word longer than the limit on its own.
  if (title === '') title = words[0]!.slice(0, MAX_CHARS - 1);
  const cut = used < words.length;
  title = title.replace(/[\s,;:.!?-]+$/u, '');
  return capitalise(cut ? `${title}…` : title);
}

/** The model's answer as a title, or null when it does not look like one. */
export function cleanModelTitle(raw: string): string | null {
  let line = raw
    .replace(/\[[a-z]+\]/gi, ' ') // an emotion tag
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (!line) return null;
  line = line
    .replace(/^(title|chat title|topic)\s*[:\-–]\s*/i, '')
    .replace(/^["'“”‘’*_`]+|["'“”‘’*_`]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s,;:.!?-]+$/u, '');
  const words = line.split(' ').filter(Boolean);
  if (words.length === 0 || words.length > 8 || line.length > 60 || !/\p{L}/u.test(line)) return null;
  return capitalise(line);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface SessionTitlerDeps {
  memory: () => MemoryStore;
  events: EventHub;
  /** The provider to ask, if one is ready now (null: none; titles stay the first words). */
  readyProvider: () => LlmProvider | null;
  mode: AutoTitleMode;
  log?: (line: string) => void;
}

export class SessionTitler {
  /** Titles being written by the model, by session (one at a time per session). */
  private readonly pending = new Set<number>();

  constructor(private readonly deps: SessionTitlerDeps) {
    if (deps.mode === 'off') return;
    deps.events.onEvent((event) => {
      if (event.type === 'reply.end' && !event.interrupted) this.afterReply(event.sessionId, event.text);
    });
  }

  /** Names a chat after its first exchange; returns the promise of the model's title (for tests). */
  afterReply(sessionId: number, replyText: string): Promise<void> | null {
    let words: string | null;
    try {
      const memory = this.deps.memory();
      const session = memory.getSession(sessionId);
      if (!session || session.title !== DEFAULT_SESSION_TITLE) return null;
      const firstUser = memory.listMessages(sessionId, { limit: 20 }).find((m) => m.role === 'user');
      if (!firstUser) return null; // she spoke first (idle talk): wait for the user's words
      words = firstWordsTitle(firstUser.text);
      if (!words) return null;
      const renamed = memory.renameSession(sessionId, words);
      this.deps.events.emit({ type: 'sessions.changed', session: renamed });
      if (this.deps.mode !== 'model' || this.pending.has(sessionId)) return null;
      const provider = this.deps.readyProvider();
      if (!provider) return null;
      this.pending.add(sessionId);
      return this.modelTitle(provider, sessionId, firstUser.text, replyText, words).finally(() => this.pending.delete(sessionId));
    } catch (err) {
      this.deps.log?.(`chat ${sessionId}: could not be named (${(err as Error).message})`);
      return null;
    }
  }

  private async modelTitle(provider: LlmProvider, sessionId: number, userText: string, replyText: string, words: string): Promise<void> {
    try {
      const result = await provider.generate({
        messages: [
          { role: 'system', content: 'You name chats. Answer with a title of two to six words for the conversation, and nothing else.' },
          { role: 'user', content: `User: ${userText.slice(0, 600)}\nAssistant: ${replyText.slice(0, 600)}\n\nTitle:` },
        ],
        maxTokens: TITLE_TOKENS,
        temperature: 0.2,
        cacheKey: 'chat-titles',
        onText: () => {},
      });
      const title = cleanModelTitle(result.text);
      if (!title) return;
      const memory = this.deps.memory();
      // The user renamed it meanwhile (or it is gone): theirs stands.
      if (memory.getSession(sessionId)?.title !== words) return;
      this.deps.events.emit({ type: 'sessions.changed', session: memory.renameSession(sessionId, title) });
    } catch (err) {
      this.deps.log?.(`chat ${sessionId}: the model could not name it (${(err as Error).message}); it keeps its first words`);
    }
  }
}
