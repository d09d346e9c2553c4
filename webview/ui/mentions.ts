// Where @-mentions come from and how they become attachments (issue 17). The categories that are
// not a file (@problems, @terminal, @selection, @diff, @codebase) are listed here; files, folders
// and symbols come from the host (VS Code's workspace, `ui.mentionQuery`), memories from the
// companion (`memories.list` with the typed words). A chosen mention is read into an Attachment
// by the host (`ui.resolveMentions`): only VS Code can read the workspace. A browser tab (the
// companion's own page, no editor) offers only memories and the codebase index, which need no
// editor: it resolves those itself.
import { ATTACHMENTS_TOTAL_MAX, type Attachment, type AttachmentKind, type HostToWebview, type Mention } from '../../protocol';
import { request, type Host } from '../host/host';

/** How long the host may take to list or read mentions before the panel gives up on it. */
const HOST_TIMEOUT_MS = 15_000;
/** Memories one completion lists at most. */
const MEMORIES_LISTED = 5;

interface Category {
  kind: AttachmentKind;
  /** What is typed after `@` (`problems`), and the chip's label. */
  word: string;
  detail: string;
  /** Only where an editor is: VS Code. */
  editor: boolean;
}

export const MENTION_CATEGORIES: readonly Category[] = [
  { kind: 'problems', word: 'problems', detail: 'The errors and warnings in the workspace now', editor: true },
  { kind: 'terminal', word: 'terminal', detail: "The last terminal command's output", editor: true },
  { kind: 'selection', word: 'selection', detail: "The active editor's selection", editor: true },
  { kind: 'diff', word: 'diff', detail: 'The uncommitted changes (git diff)', editor: true },
  { kind: 'codebase', word: 'codebase', detail: 'The parts of the codebase that best match your message', editor: false },
];

/** The outcome of reading one mention: its attachment, or why it cannot be attached. */
export type MentionResult = { attachment: Attachment } | { error: string };

let counter = 0;

type Answer = Extract<HostToWebview, { type: 'host.mentions' | 'host.attachments' }>;

export class MentionSource {
  /** Questions to the host awaiting their answer, by id (one listener for all: the host's cannot be removed). */
  private readonly pending = new Map<string, (answer: Answer) => void>();

  constructor(private readonly host: Host) {
    host.onMessage((m) => {
      if (m.type !== 'host.mentions' && m.type !== 'host.attachments') return;
      this.pending.get(m.id)?.(m);
    });
  }

  /** Asks the host; answered by a message of `type` with the same id, or given up after a while. */
  private ask<T extends Answer['type']>(type: T, send: (id: string) => void): Promise<Extract<Answer, { type: T }>> {
    const id = `mention-${Date.now().toString(36)}-${++counter}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('VS Code did not answer in time.'));
      }, HOST_TIMEOUT_MS);
      this.pending.set(id, (answer) => {
        if (answer.type !== type) return;
        this.pending.delete(id);
        clearTimeout(timer);
        resolve(answer as Extract<Answer, { type: T }>);
      });
      send(id);
    });
  }

  /** Whether this host reads the workspace (VS Code) or offers only memories and the codebase (a browser). */
  get inEditor(): boolean {
    return this.host.kind === 'vscode';
  }

  /** What matches the words typed after `@`: the categories first, then files, folders, symbols, memories. */
  async candidates(query: string): Promise<Mention[]> {
    const q = query.toLowerCase();
    const categories = MENTION_CATEGORIES.filter((c) => (this.inEditor || !c.editor) && c.word.startsWith(q)).map(
      (c): Mention => ({ kind: c.kind, label: `@${c.word}`, detail: c.detail }),
    );
    const [editor, memories] = await Promise.all([
      this.inEditor
        ? this.ask('host.mentions', (id) => this.host.send({ type: 'ui.mentionQuery', id, query })).then(
            (m) => m.candidates,
            () => [],
          )
        : Promise.resolve([]),
      request(this.host, 'memories.list', { ...(q ? { query } : {}), limit: MEMORIES_LISTED }, { timeoutMs: HOST_TIMEOUT_MS }).then(
        (r) => r.facts.map((f): Mention => ({ kind: 'memory', label: `memory: ${shorten(f.text, 60)}`, detail: 'A memory', text: f.text })),
        () => [],
      ),
    ]);
    return [...categories, ...editor, ...memories];
  }

  /** Reads mentions into attachments (one result each, in order). */
  async resolve(mentions: readonly Mention[]): Promise<MentionResult[]> {
    if (!this.inEditor) return mentions.map(resolveHere);
    try {
      const answer = await this.ask('host.attachments', (id) => this.host.send({ type: 'ui.resolveMentions', id, mentions: [...mentions] }));
      return answer.results;
    } catch (err) {
      return mentions.map(() => ({ error: (err as Error).message }));
    }
  }
}

/** What a browser tab can attach by itself: a memory (its text came with the list) and the codebase (the companion retrieves it). */
function resolveHere(m: Mention): MentionResult {
  if (m.kind === 'memory' && m.text) return { attachment: { kind: 'memory', label: m.label, text: m.text } };
  if (m.kind === 'codebase') return { attachment: { kind: 'codebase', label: m.label, text: '' } };
  return { error: `${m.label} can only be attached in VS Code.` };
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Why these attachments cannot go in one message (their total is over the wire's limit), or null. */
export function attachmentsTooLarge(list: readonly Attachment[]): string | null {
  const total = list.reduce((n, a) => n + a.text.length + a.label.length, 0);
  if (total <= ATTACHMENTS_TOTAL_MAX) return null;
  return `The chips hold ${total.toLocaleString('en-US')} characters; one message may carry ${ATTACHMENTS_TOTAL_MAX.toLocaleString('en-US')}. Remove a chip, or mention a symbol or the selection instead of a whole file.`;
}
