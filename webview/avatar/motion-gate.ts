// When the avatar may move: only while the view is visible, and never with reduced motion.
export interface MotionConditions {
  visible: boolean;
  reducedMotion: boolean;
}

/** Idle motion, blinking and mouth flapping all run only when this is true. */
export function animating(c: MotionConditions): boolean {
  return c.visible && !c.reducedMotion;
}

/** The avatar root's `data-motion`: CSS uses it to run or stop the idle animations. */
export function motionAttribute(c: MotionConditions): 'full' | 'reduced' | 'paused' {
  if (c.reducedMotion) return 'reduced';
  return c.visible ? 'full' : 'paused';
}

/**
 * Watches the page's visibility and the reduced-motion preference; calls `onChange` with the
 * current conditions at once and whenever one changes. Returns a function that stops watching.
 */
export function watchMotionConditions(win: Window, onChange: (c: MotionConditions) => void): () => void {
  const doc = win.document;
  const query = typeof win.matchMedia === 'function' ? win.matchMedia('(prefers-reduced-motion: reduce)') : null;
  const read = (): MotionConditions => ({ visible: doc.visibilityState !== 'hidden', reducedMotion: query?.matches ?? false });
  const fire = () => onChange(read());
  doc.addEventListener('visibilitychange', fire);
  query?.addEventListener?.('change', fire);
  fire();
  return () => {
    doc.removeEventListener('visibilitychange', fire);
    query?.removeEventListener?.('change', fire);
  };
}
