// Runs in the page (page.evaluate(armFirstPaint, ...)), so it stands alone: stamps window.__t0 at
// the next Enter and window.__t1 one frame after the `n`th assistant message first shows reply
// text: with `body`, its .msg-body holding text and no typing placeholder; else any text in it.
// `reset`: more window properties to set first.
export function armFirstPaint({ n, body, reset }) {
  const w = window;
  w.__t0 = 0;
  w.__t1 = 0;
  Object.assign(w, reset);
  document.addEventListener('keydown', (e) => e.key === 'Enter' && !w.__t0 && (w.__t0 = performance.now()), { capture: true, once: true });
  const obs = new MutationObserver(() => {
    const message = document.querySelectorAll('[data-role="assistant"]')[n];
    const shown = body ? message?.querySelector('.msg-body') : message;
    if (shown && !(body && shown.querySelector('.typing')) && (shown.textContent ?? '').trim().length > 0 && !w.__t1) {
      obs.disconnect();
      requestAnimationFrame(() => (w.__t1 = performance.now()));
    }
  });
  obs.observe(document.body, { subtree: true, childList: true, characterData: true });
}
