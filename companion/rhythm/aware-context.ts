// The context store with task memory folded in: the prompt's passive context gets one short line
// of what she has learned about the user (busy and quiet hours, habits), as background awareness.
import { ContextStore } from '../context/context-store';

export class AwareContextStore extends ContextStore {
  /** Set once task memory exists; lines are appended after what she senses right now. */
  patternLines: () => string[] = () => [];

  override passiveContextLines(): string[] {
    let learned: string[] = [];
    try {
      learned = this.patternLines();
    } catch {
      // Task memory unreadable: the prompt goes without it.
    }
    return [...super.passiveContextLines(), ...learned];
  }
}
