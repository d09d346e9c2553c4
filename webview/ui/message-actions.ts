// What the user can do with one message of the log (issue 15, chat basics), and the inline editor
// of her own messages. The message list asks `actionsFor` after every render and draws the row
// again only when the answer changes:
//   - Retry: on the chat's last message when it is a reply that failed or was stopped, or her
//     question that never got an answer (the companion stopped, then the chat was reloaded);
//     never while a reply streams in the chat (one reply at a time).
//   - Edit: on her sent messages, while no reply streams; Save puts the new text in place and asks
//     again from there (the messages after it are replaced: the editor says so, since a webview
//     has no confirm()).
//   - A queued message (typed while she answered) says so and offers Stop and send, or Cancel.
// Every control is a real button with an accessible name; the editor saves with Enter (Shift+Enter
// is a new line) and closes with Escape, like the message box.
import type { ChatMessage } from '../chat/chat-message';
import { el } from './dom';

export type MessageAction = 'retry' | 'edit' | 'send-now' | 'cancel-queued';

const LABELS: Record<MessageAction, { text: string; label: string }> = {
  retry: { text: 'Retry', label: 'Retry: ask again for this reply' },
  edit: { text: 'Edit', label: 'Edit message' },
  'send-now': { text: 'Stop and send', label: 'Stop the reply and send this message now' },
  'cancel-queued': { text: 'Cancel', label: 'Cancel queued message' },
};

/** Which actions a message offers now. `tail`: it is the chat's last message; `busy`: a reply streams there. */
export function actionsFor(m: ChatMessage, s: { tail: boolean; busy: boolean }): MessageAction[] {
  if (m.queued) return ['send-now', 'cancel-queued'];
  if (s.busy || m.spontaneous) return [];
  if (m.role === 'assistant') return s.tail && (m.status === 'error' || m.status === 'interrupted') ? ['retry'] : [];
  if (m.role !== 'user' || m.id === null || m.pending || m.status === 'error') return [];
  return s.tail ? ['retry', 'edit'] : ['edit'];
}

/** Fills a message's action row; a text before the buttons says why they are there. */
export function renderActions(row: HTMLElement, m: ChatMessage, actions: readonly MessageAction[]): void {
  row.hidden = actions.length === 0;
  // Edit alone is shown on hover or keyboard focus (the stylesheet), not under every message.
  row.toggleAttribute('data-quiet', actions.length === 1 && actions[0] === 'edit');
  const why = m.queued ? 'Queued: sent when Alisa finishes.' : m.role === 'user' && actions.includes('retry') ? 'No answer yet.' : null;
  row.replaceChildren(
    ...(why ? [el('span', { class: 'msg-actions-why', text: why })] : []),
    ...actions.map((a) =>
      el('button', {
        type: 'button',
        class: 'link-btn msg-action',
        'data-msg-action': a,
        'aria-label': LABELS[a].label,
        title: LABELS[a].label,
        text: LABELS[a].text,
      }),
    ),
  );
}

/**
 * Opens the inline editor over a message's body. `save` resolves true when the companion took
 * the new text (the editor closes) or false (it stays open; the caller showed why).
 */
export function openEditor(node: HTMLElement, text: string, save: (text: string) => Promise<boolean>, onClose: () => void): HTMLElement {
  const input = el('textarea', { class: 'composer-input msg-edit-input', rows: 3, 'aria-label': 'Edit your message', maxlength: 100_000 });
  input.value = text;
  const hint = el('p', { class: 'msg-edit-hint', text: 'Saving asks Alisa again from here; the messages after this one are replaced.' });
  const saveButton = el('button', { type: 'submit', class: 'btn primary', 'aria-label': 'Save and ask again', text: 'Save' });
  const cancel = el('button', { type: 'button', class: 'btn', 'aria-label': 'Cancel editing', text: 'Cancel' });
  const form = el('form', { class: 'msg-editor' }, input, hint, el('div', { class: 'msg-edit-buttons' }, cancel, saveButton));
  node.dataset.editing = 'true';
  const close = () => {
    form.remove();
    delete node.dataset.editing;
    onClose();
  };
  const submit = async () => {
    const next = input.value.trim();
    if (next === '' || saveButton.disabled) return;
    saveButton.disabled = true;
    input.readOnly = true;
    const ok = await save(next).catch(() => false);
    saveButton.disabled = false;
    input.readOnly = false;
    if (ok) close();
    else input.focus();
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void submit();
  });
  input.addEventListener('input', () => (saveButton.disabled = input.value.trim() === ''));
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.altKey && !ev.ctrlKey && !ev.metaKey && !ev.isComposing) {
      ev.preventDefault();
      void submit();
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation();
      close();
      node.focus();
    }
  });
  cancel.addEventListener('click', () => {
    close();
    node.focus();
  });
  node.append(form);
  input.focus();
  return form;
}
