// The network gate's question in the browser panel (in VS Code the extension asks with a modal,
// so the panel stays quiet there): "Alisa wants to connect to huggingface.co to download the
// language model …" with Allow once / Always allow / Block. One card per host (questions for the
// same host are answered together); a question answered elsewhere (`network.askDone`) goes away.
import { networkFeatureLabel, type NetworkAskInfo } from '../../protocol';
import { el } from './dom';

interface NetworkAskOptions {
  /** The answer (`network.decide`); a rejection puts the buttons back. */
  decide: (id: string, allow: boolean, remember: boolean) => Promise<unknown>;
}

interface Card {
  node: HTMLElement;
  ids: Set<string>;
}

export class NetworkAskView {
  readonly node: HTMLElement;
  private readonly cards = new Map<string, Card>();

  constructor(private readonly opts: NetworkAskOptions) {
    this.node = el('div', { class: 'network-asks', role: 'region', 'aria-label': 'Connections Alisa asks about' });
  }

  get count(): number {
    return this.cards.size;
  }

  show(ask: NetworkAskInfo): void {
    const existing = this.cards.get(ask.host);
    if (existing) {
      existing.ids.add(ask.id);
      return;
    }
    const where = `${ask.host}${ask.port && ask.port !== 443 && ask.port !== 80 ? `:${ask.port}` : ''}`;
    const buttons = (
      [
        ['once', 'Allow once', 'btn primary', true, false],
        ['always', 'Always allow', 'btn', true, true],
        ['block', 'Block', 'btn', false, false],
      ] as const
    ).map(([choice, label, cls, allow, remember]) => {
      const b = el('button', { type: 'button', class: cls, 'data-choice': choice, text: label });
      b.addEventListener('click', () => void this.answer(ask.host, allow, remember));
      return b;
    });
    const node = el(
      'div',
      { class: 'network-ask', role: 'alertdialog', 'aria-label': `Alisa asks to connect to ${where}`, 'data-host': ask.host },
      el('p', { class: 'network-ask-text', text: `Alisa wants to connect to ${where} to ${ask.purpose}.` }),
      el('p', {
        class: 'network-ask-detail',
        text: `${networkFeatureLabel(ask.feature)} · nothing is sent until you answer; "Allow once" lasts until Alisa restarts`,
      }),
      el('div', { class: 'network-ask-actions' }, ...buttons),
    );
    this.cards.set(ask.host, { node, ids: new Set([ask.id]) });
    this.node.append(node);
  }

  /** The question was answered (by another window, or the mode changed). */
  done(id: string): void {
    for (const [host, card] of this.cards) {
      if (!card.ids.delete(id)) continue;
      if (card.ids.size === 0) this.remove(host);
    }
  }

  clear(): void {
    for (const host of [...this.cards.keys()]) this.remove(host);
  }

  private remove(host: string): void {
    this.cards.get(host)?.node.remove();
    this.cards.delete(host);
  }

  private async answer(host: string, allow: boolean, remember: boolean): Promise<void> {
    const card = this.cards.get(host);
    if (!card) return;
    const buttons = [...card.node.querySelectorAll('button')];
    for (const b of buttons) b.disabled = true;
    try {
      await Promise.all([...card.ids].map((id) => this.opts.decide(id, allow, remember)));
      this.remove(host);
    } catch {
      for (const b of buttons) b.disabled = false;
    }
  }
}
