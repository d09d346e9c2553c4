// The one conversation the legacy port may touch: messages from old clients go to a session of
// their own ("Legacy clients"), created on first use, remembered across restarts (in the
// settings table) and shown in the panel like any other chat. Its short-term buffer can be
// reset (POST /history/clear): the next legacy message starts a fresh legacy session, so the
// earlier turns leave the prompt while the database keeps every message.
import type { CompanionEvent, HistorySummary } from '../../protocol';
import type { MemoryStore } from '../memory';

const LEGACY_SESSION_TITLE = 'Legacy clients';
const SETTING = 'legacy.sessionId';

interface LegacySessionDeps {
  memory: () => MemoryStore;
  emit: (event: CompanionEvent) => void;
  /** The character a new legacy session starts with. */
  characterId: () => number | null;
}

export class LegacySession {
  constructor(private readonly deps: LegacySessionDeps) {}

  /** The current legacy session's id; null before the first legacy message or after a reset. */
  current(): number | null {
    const memory = this.deps.memory();
    const saved = memory.getSetting(SETTING);
    const id = saved ? Number(saved) : NaN;
    return Number.isSafeInteger(id) && id > 0 && memory.getSession(id) ? id : null;
  }

  /** The session legacy chat goes to, created (and announced to the panel) when there is none. */
  ensure(): number {
    const memory = this.deps.memory();
    let created = false;
    const id = memory.transaction(() => {
      const existing = this.current();
      if (existing !== null) return existing;
      const session = memory.createSession(LEGACY_SESSION_TITLE, this.deps.characterId());
      memory.setSetting(SETTING, String(session.id));
      created = true;
      return session.id;
    });
    if (created) {
      const session = memory.getSession(id);
      this.deps.emit(session ? { type: 'sessions.changed', session } : { type: 'sessions.changed' });
    }
    return id;
  }

  /** Forgets the short-term buffer: nothing is deleted, the next legacy message starts a new session. */
  resetBuffer(): void {
    this.deps.memory().setSetting(SETTING, '');
  }

  /** The legacy conversation's size (all zeros when there is none yet or it was just reset). */
  summary(maxTokens: number): HistorySummary {
    const id = this.current();
    if (id === null) return { sessions: 0, messages: 0, turns: 0, estimatedTokens: 0, maxTokens };
    return this.deps.memory().summary(id, maxTokens);
  }

  /**
   * True for the current legacy session: requests that name no session (the panel's, help
   * replies) must not land in it, or legacy clients would read them back through the prompt
   * and the summary. An unreadable database reserves nothing (the request fails there anyway).
   */
  isReserved(sessionId: number): boolean {
    try {
      return this.current() === sessionId;
    } catch {
      return false;
    }
  }
}
