// Shows the status banners (connection, model, database) and short-lived notices (a request that
// failed). Calm news goes to the polite status region, errors to the alert region. Banners are
// updated in place, so a download's progress moves without re-announcing the whole banner.
// Each says what happened and what to do in a sentence each; raw output (an error's `details`)
// sits below, folded in a "Details" disclosure.
import type { ErrorInfo, UiAction } from '../../protocol';
import { errorText } from '../../common/sentences';
import type { Banner } from '../status/status-banners';
import { detailsDisclosure, el, iconButton } from './dom';
import { ICONS } from './icons';

interface Shown {
  node: HTMLElement;
  signature: string;
}

const NOTICE_MS = 12_000;

export class BannerView {
  private readonly shown = new Map<string, Shown>();

  constructor(
    private readonly status: HTMLElement,
    private readonly alerts: HTMLElement,
    private readonly onAction: (action: UiAction) => void,
  ) {}

  setBanners(banners: readonly Banner[]): void {
    const wanted = new Set(banners.map((b) => b.id));
    for (const [id, s] of this.shown) {
      if (!wanted.has(id)) {
        s.node.remove();
        this.shown.delete(id);
      }
    }
    for (const b of banners) {
      const signature = JSON.stringify([b.kind, b.title, b.detail, b.details ?? null, b.actions, b.progress === null || b.progress === undefined]);
      const old = this.shown.get(b.id);
      if (old && old.signature === signature) {
        this.setProgress(old.node, b.progress);
        continue;
      }
      const node = this.render(b);
      if (old) old.node.replaceWith(node);
      this.shown.set(b.id, { node, signature });
      const region = b.kind === 'error' ? this.alerts : this.status;
      if (node.parentElement !== region) region.append(node);
    }
  }

  /** A transient message about something that just failed; replaces an identical one. */
  notify(error: ErrorInfo, title = 'That did not work'): void {
    const text = errorText(error);
    for (const n of this.alerts.querySelectorAll<HTMLElement>('.banner[data-notice]')) {
      if (n.dataset.notice === text) n.remove();
    }
    const dismiss = iconButton('Dismiss', ICONS.close, { class: 'icon-btn banner-dismiss' });
    const node = el(
      'div',
      { class: 'banner', 'data-kind': 'error', 'data-notice': text },
      el(
        'div',
        { class: 'banner-text' },
        el('strong', { class: 'banner-title', text: title }),
        el('p', { class: 'banner-detail', text }),
        detailsDisclosure(error.details),
      ),
      dismiss,
    );
    dismiss.addEventListener('click', () => node.remove());
    this.alerts.append(node);
    // A notice whose Details the user has opened stays until dismissed: they are reading it.
    setTimeout(() => {
      if (!node.querySelector('details[open]')) node.remove();
    }, NOTICE_MS);
  }

  private render(b: Banner): HTMLElement {
    const text = el(
      'div',
      { class: 'banner-text' },
      el('strong', { class: 'banner-title', text: b.title }),
      b.detail ? el('p', { class: 'banner-detail', text: b.detail }) : null,
      detailsDisclosure(b.details),
    );
    const node = el('div', { class: 'banner', 'data-kind': b.kind, 'data-banner-id': b.id }, text);
    if (b.kind === 'progress') {
      const bar = el('progress', { class: 'banner-progress', max: 1, 'aria-label': b.title });
      text.append(el('div', { class: 'progress-row' }, bar, el('span', { class: 'banner-percent', 'aria-hidden': 'true' })));
      this.setProgress(node, b.progress);
    }
    if (b.actions.length > 0) {
      const row = el('div', { class: 'banner-actions' });
      b.actions.forEach((a, i) => {
        const button = el('button', { type: 'button', class: i === 0 ? 'btn primary' : 'btn', 'data-action': a.action, text: a.label });
        button.addEventListener('click', () => this.onAction(a.action));
        row.append(button);
      });
      node.append(row);
    }
    return node;
  }

  private setProgress(node: HTMLElement, progress: number | null | undefined): void {
    const bar = node.querySelector('progress');
    const percent = node.querySelector('.banner-percent');
    if (!bar || !percent) return;
    if (progress === null || progress === undefined) {
      bar.removeAttribute('value'); // indeterminate
      percent.textContent = '';
    } else {
      bar.value = progress;
      percent.textContent = `${Math.round(progress * 100)}%`;
    }
  }
}
