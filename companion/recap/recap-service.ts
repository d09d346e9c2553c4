// Returning after a break (issue 17), the companion's half: every `context.update` goes through
// the RecapTracker; when one ends a break and there is something to say, she greets the user with
// the recap (a spontaneous message: her greeting from the model when one is loaded, then the
// recap sentence, whose facts come from the events alone). Only with consent
// (alisa.memory.recapAfterBreak): "on" says it, "off" never, "ask" (the default) keeps the recap
// and asks once (`recap.ask`: the panel's card); the answer (`recap.consent`) is saved by the
// extension as the setting, and a yes gives the recap that was waiting. Do not disturb holds it.
import type { ClientWorkspace, Emotion, Mode } from '../../protocol';
import type { ContextUpdate } from '../../protocol/context';
import type { RecapMode } from '../../protocol/recap';
import type { ChatService } from '../chat/chat-service';
import { fallbackUtterance, shapeUtterance, utteranceInstruction } from '../idle/utterance';
import type { MemoryStore } from '../memory';
import type { CompanionState } from '../state';
import { DEFAULT_BREAK_MS, RecapTracker } from './recap-tracker';

/** A recap waiting for the user's answer is about this break only: after this long it is old news. */
const PENDING_MS = 15 * 60_000;
const MODE_EMOTION: Record<Mode, Emotion> = { teasing: 'teasing', serious: 'serious', calm: 'calm' };

interface RecapDeps {
  chat: ChatService;
  state: CompanionState;
  memory?: () => MemoryStore;
  now?: () => number;
  log?: (line: string) => void;
}

export class RecapService {
  readonly tracker = new RecapTracker();
  /** Until a client configures it: off (a client that cannot ask cannot get consent). */
  mode: RecapMode = 'off';
  private pending: { text: string; at: number; workspace: ClientWorkspace | null } | null = null;
  private asked = false;
  private readonly now: () => number;

  constructor(private readonly deps: RecapDeps) {
    this.now = deps.now ?? Date.now;
  }

  configure(p: { mode?: RecapMode; breakMinutes?: number; privacyGlobs?: string[] }): { mode: RecapMode; breakMinutes: number } {
    if (p.mode !== undefined) {
      this.mode = p.mode;
      if (p.mode !== 'ask') this.asked = false;
      if (p.mode === 'off') this.pending = null;
    }
    if (p.breakMinutes !== undefined) this.tracker.breakMs = p.breakMinutes * 60_000;
    if (p.privacyGlobs !== undefined) this.tracker.privacyGlobs = p.privacyGlobs;
    return { mode: this.mode, breakMinutes: this.tracker.breakMs / 60_000 };
  }

  /**
   * One editor report from a window of `workspace`; says the recap (or asks for consent) when it
   * ends a break, in that workspace's latest chat (the one its panel shows).
   */
  observe(update: ContextUpdate, workspace: ClientWorkspace | null = null): void {
    const at = this.now();
    const { before } = this.tracker.observe(update, at);
    if (!before || this.mode === 'off') return;
    const text = this.tracker.recapText(before);
    if (text === null) return;
    if (this.mode === 'on') {
      void this.say(text, workspace);
      return;
    }
    this.pending = { text, at, workspace };
    if (this.asked) return;
    this.asked = true;
    this.deps.chat.emit({ type: 'recap.ask' });
  }

  /** The user's answer to the card: the mode follows it; a yes gives the recap that waited. */
  async consent(allow: boolean): Promise<{ mode: RecapMode; recapped: boolean }> {
    this.mode = allow ? 'on' : 'off';
    this.asked = false;
    const waiting = this.pending;
    this.pending = null;
    if (!allow || !waiting || this.now() - waiting.at > PENDING_MS) return { mode: this.mode, recapped: false };
    return { mode: this.mode, recapped: await this.say(waiting.text, waiting.workspace) };
  }

  private doNotDisturb(): boolean {
    try {
      return this.deps.memory?.().getSetting('idle.doNotDisturb') === 'true';
    } catch {
      return false;
    }
  }

  /** Her greeting, then the recap: the model words the greeting (when one is loaded), the facts are the events'. */
  private async say(recap: string, workspace: ClientWorkspace | null): Promise<boolean> {
    if (this.doNotDisturb()) {
      this.deps.log?.('recap: held back (do not disturb)');
      return false;
    }
    const mode = this.deps.state.mode;
    const emotion = MODE_EMOTION[mode];
    try {
      const said = await this.deps.chat.speakUnprompted({
        instruction: `${utteranceInstruction('welcome_back', emotion).slice(0, -1)} Greet them only; what they did comes after your words.)`,
        emotion,
        shape: (raw) => {
          const greeting = shapeUtterance(raw);
          return greeting ? `${greeting} ${recap}` : '';
        },
        fallback: () => `${fallbackUtterance('welcome_back', mode)} ${recap}`,
        workspace,
      });
      return said !== null;
    } catch (err) {
      this.deps.log?.(`recap: ${(err as Error).message}`);
      return false;
    }
  }
}

export { DEFAULT_BREAK_MS };
