// The SVG avatar in a test DOM (happy-dom): the real art (media/avatar.svg) in an `#avatar` root as
// the panel has it, and the reduced-motion preference as the page would report it.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const AVATAR_ART = readFileSync(path.join(__dirname, '..', '..', 'media', 'avatar.svg'), 'utf8');

/** Appends `<div id="avatar" class="avatar" data-emotion="neutral">` with the art to the body. */
export function mountAvatar(): HTMLElement {
  const root = document.createElement('div');
  root.id = 'avatar';
  root.className = 'avatar';
  root.setAttribute('data-emotion', 'neutral');
  root.innerHTML = AVATAR_ART;
  document.body.append(root);
  return root;
}

/** What `matchMedia('(prefers-reduced-motion: reduce)')` answers from now on. */
export function setReducedMotion(reduce: boolean): void {
  Object.defineProperty(window, 'matchMedia', {
    configurable: true,
    value: (q: string) => ({ matches: reduce && q.includes('reduce'), addEventListener() {}, removeEventListener() {} }),
  });
}
