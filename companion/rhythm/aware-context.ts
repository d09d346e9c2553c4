// The context store with task memory folded in: one short line of what she has learned about the
// user (busy and quiet hours, habits), as background awareness. It changes rarely, so it goes into
// the prompt's system message (see persona/prompt-builder.ts), not with each message.
import { ContextStore } from '../context/context-store';

export class AwareContextStore extends ContextStore {
  /** Set once task memory exists. */
  patternLines: () => string[] = () => [];

  override learnedLines(): string[] {
    try {
      return this.patternLines();
    } catch {
      return []; // Task memory unreadable: the prompt goes without it.
    }
  }
}
