// What the header's and the composer's toggle buttons share (Do not disturb, mute): the pressed
// look, and a click that shows the new state at once while the companion is asked, and the old
// one again if it refuses (the caller tells why).
import { icon } from './dom';

/** aria-pressed, the label (read aloud and as the tooltip) and the icon of a toggle button. */
export function showToggle(button: HTMLButtonElement, pressed: boolean, label: string, iconPaths: readonly string[]): void {
  button.setAttribute('aria-pressed', String(pressed));
  button.setAttribute('aria-label', label);
  button.title = label;
  button.replaceChildren(icon(iconPaths));
}

/** Shows `value` (show), asks for it with the button disabled (ask), and shows `!value` again if that fails. */
export async function toggleOptimistically(
  button: HTMLButtonElement,
  value: boolean,
  show: (value: boolean) => void,
  ask: (value: boolean) => Promise<unknown>,
): Promise<void> {
  show(value);
  button.disabled = true;
  try {
    await ask(value);
  } catch {
    // Not changed (the caller tells why): show the real state again.
    show(!value);
  } finally {
    button.disabled = false;
  }
}
