// The "Do not disturb" toggle in the header (issue 7): `.dnd-toggle`, aria-pressed = Do not
// disturb is on. While on, Alisa does not speak up on her own (she still answers). A click asks
// the companion with `idle.configure {doNotDisturb}` (the host forwards it; the browser host too);
// in VS Code the extension keeps the change in `alisa.idle.doNotDisturb`. Hidden until the
// companion reports an IdleStatus (an older companion answers `idle.status` with an error: no toggle).
import type { IdleConfigure, IdleStatus } from '../../protocol';
import { el } from './dom';
import { ICONS } from './icons';
import { showToggle, toggleOptimistically } from './toggle-button';

export class DndToggleView {
  readonly node: HTMLButtonElement;
  private status: IdleStatus | null = null;

  constructor(private readonly onConfigure: (params: IdleConfigure) => Promise<unknown>) {
    this.node = el('button', { type: 'button', class: 'icon-btn dnd-toggle', 'aria-pressed': 'false', hidden: true });
    this.node.addEventListener('click', () => void this.toggle());
    this.render();
  }

  get doNotDisturb(): boolean {
    return this.status?.doNotDisturb ?? false;
  }

  /** The companion's idle status; null when unknown (not connected, or no idle talk there). */
  setStatus(status: IdleStatus | null): void {
    this.status = status;
    this.node.hidden = status === null;
    this.render();
  }

  private async toggle(): Promise<void> {
    if (!this.status || this.node.disabled) return;
    await toggleOptimistically(
      this.node,
      !this.status.doNotDisturb,
      (doNotDisturb) => {
        if (this.status) this.status = { ...this.status, doNotDisturb };
        this.render();
      },
      (doNotDisturb) => this.onConfigure({ doNotDisturb }),
    );
  }

  private render(): void {
    const on = this.doNotDisturb;
    const label = on
      ? 'Do not disturb is on: Alisa does not speak up on her own. Click to let her talk.'
      : 'Do not disturb (Alisa will not speak up on her own)';
    showToggle(this.node, on, label, on ? ICONS.bellSlash : ICONS.bell);
  }
}
