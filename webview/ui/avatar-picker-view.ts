// The avatar picker (issue 18): her avatars with their thumbnails, which one she shows (for
// everyone, or for the active character only), Import (the host's file dialog: VS Code) and
// Delete. It opens from a small button beside the avatar, as a panel under the header like the
// character form. Deleting asks first, inline, with Cancel focused (never the default button);
// the built-in SVG has no Delete. A 3D model has "Expressions…": an inline form choosing which of
// the model's expressions each emotion shows (avatar.update; the stage reloads it with the new
// mapping when avatar.changed comes). The list follows `avatar.changed`, so an import from the
// command palette shows up here too.
import { EMOTIONS, type AvatarInfo, type AvatarListResult, type AvatarUrlBase, type Character, type Emotion } from '../../protocol';
import { request, toErrorInfo, type Host } from '../host/host';
import { el, iconButton } from './dom';
import { resolveAvatarUrl } from './avatar-picker-urls';
import { describeAvatar, emotionLabel } from '../../common/avatar-words';

const CLOSE = ['M4 4l8 8', 'M12 4l-8 8'];
const FACE = ['M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11', 'M5.8 9.6c.6.7 1.3 1 2.2 1s1.6-.3 2.2-1', 'M6 6.5v.5', 'M10 6.5v.5'];

interface PickerOptions {
  host: Host;
  /** The page's way to load stored files (HostState.avatarUrl), read when the list renders. */
  urlBase: () => AvatarUrlBase | null | undefined;
  /** The host can import (its file dialog): VS Code. */
  canImport: () => boolean;
  /** The page may upload a model itself (POST /avatars/import): the browser UI. */
  canUpload?: () => boolean;
}

export class AvatarPickerView {
  readonly panel: HTMLElement;
  readonly openButton: HTMLButtonElement;
  private list: AvatarListResult | null = null;
  private character: Pick<Character, 'id' | 'name' | 'avatarId' | 'builtin'> | null = null;
  private confirming: string | null = null;
  /** The 3D avatar whose expressions are being edited, and the form's choices so far ('' = default). */
  private editing: { id: string; draft: Partial<Record<Emotion, string>> } | null = null;
  private busy = false;
  private error: string | null = null;

  constructor(
    avatarRoot: HTMLElement,
    panelAfter: HTMLElement,
    private readonly opts: PickerOptions,
  ) {
    this.openButton = iconButton('Choose avatar', FACE, { class: 'icon-btn avatar-picker-open', 'aria-expanded': 'false', 'aria-controls': 'avatar-picker' });
    this.openButton.addEventListener('click', () => (this.isOpen ? this.close() : void this.open()));
    // Beside the avatar, not in it: a 3D or sprite renderer hides everything else in the avatar's box.
    (avatarRoot.parentElement ?? avatarRoot).append(this.openButton);
    this.panel = el('section', { id: 'avatar-picker', class: 'avatar-picker', 'aria-label': 'Avatars', hidden: true });
    this.panel.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Escape') return;
      ev.stopPropagation();
      if (this.confirming || this.editing) {
        this.confirming = null;
        this.editing = null;
        this.render();
      } else this.close();
    });
    panelAfter.after(this.panel);
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  async open(): Promise<void> {
    this.panel.hidden = false;
    this.openButton.setAttribute('aria-expanded', 'true');
    this.render();
    await this.reload();
    this.panel.querySelector<HTMLElement>('[aria-checked="true"]')?.focus();
  }

  close(): void {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    this.confirming = null;
    this.editing = null;
    this.error = null;
    this.openButton.setAttribute('aria-expanded', 'false');
    this.openButton.focus();
  }

  /** `avatar.changed`: the list (when it came) and the choice. */
  changed(list: Partial<AvatarListResult> & Pick<AvatarListResult, 'active' | 'selectedId'>): void {
    if (!this.list) {
      if (!list.avatars) return;
      this.list = { avatars: list.avatars, active: list.active, selectedId: list.selectedId };
    } else this.list = { ...this.list, ...list };
    if (this.isOpen) void this.reloadCharacter().then(() => this.render());
  }

  private async reload(): Promise<void> {
    try {
      this.list = await request(this.opts.host, 'avatar.list', {});
      await this.reloadCharacter();
      this.error = null;
    } catch (err) {
      this.error = toErrorInfo(err).message;
    }
    this.render();
  }

  private async reloadCharacter(): Promise<void> {
    const r = await request(this.opts.host, 'character.list', {}).catch(() => null);
    this.character = r?.characters.find((c) => c.id === r.activeId) ?? null;
  }

  private async run(work: () => Promise<unknown>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    this.render();
    try {
      await work();
      this.list = await request(this.opts.host, 'avatar.list', {});
      await this.reloadCharacter();
    } catch (err) {
      const e = toErrorInfo(err);
      this.error = [e.message, e.action].filter(Boolean).join(' ');
    } finally {
      this.busy = false;
      this.render();
    }
  }

  private render(): void {
    const close = iconButton('Close avatars', CLOSE, { class: 'icon-btn avatar-picker-close' });
    close.addEventListener('click', () => this.close());
    const head = el('div', { class: 'avatar-picker-head' }, el('h2', { class: 'avatar-picker-title', text: 'Avatars' }), close);
    const body: Array<HTMLElement | null> = [];
    if (this.error) body.push(el('p', { class: 'avatar-picker-error', role: 'alert', text: this.error }));
    if (!this.list) body.push(el('p', { class: 'avatar-picker-note', text: this.error ? '' : 'Loading…' }));
    else body.push(this.renderList(this.list));
    const actions = el('div', { class: 'avatar-picker-actions' });
    if (this.opts.canImport()) {
      const imp = el('button', { type: 'button', class: 'btn', text: 'Import…', title: 'A VRM, GLB or glTF model, or a folder of PNGs (one per emotion)' });
      imp.disabled = this.busy;
      imp.addEventListener('click', () => this.opts.host.send({ type: 'ui.action', action: 'importAvatar' }));
      actions.append(imp);
    } else if (this.opts.canUpload?.()) {
      actions.append(...this.uploadControls());
    } else {
      actions.append(el('p', { class: 'avatar-picker-note', text: 'Import avatars in VS Code with “Alisa: Import Avatar…”.' }));
    }
    body.push(actions);
    this.panel.setAttribute('aria-busy', String(this.busy));
    this.panel.replaceChildren(head, ...body.filter((b): b is HTMLElement => b !== null));
  }

  /** The browser UI: a file input, sent to the companion as the request body (sprite folders: VS Code only). */
  private uploadControls(): HTMLElement[] {
    const input = el('input', { type: 'file', accept: '.vrm,.glb,.gltf', class: 'avatar-picker-file', hidden: true });
    const pick = el('button', { type: 'button', class: 'btn', text: 'Import…', title: 'A VRM, GLB or glTF model' });
    pick.disabled = this.busy;
    pick.addEventListener('click', () => input.click());
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (file) void this.run(() => this.upload(file));
    });
    const out: HTMLElement[] = [pick, input];
    const plain = this.plainOffer;
    if (plain) {
      const again = el('button', { type: 'button', class: 'btn', text: 'Import as plain glTF' });
      again.addEventListener('click', () => {
        this.plainOffer = null;
        void this.run(() => this.upload(plain, 'gltf'));
      });
      out.push(again);
    }
    return out;
  }

  /** A model without VRM the user may still want as plain glTF. */
  private plainOffer: File | null = null;

  private async upload(file: File, kind?: 'gltf'): Promise<void> {
    const target = resolveAvatarUrl('/avatars/import', this.opts.urlBase());
    if (!target) throw { code: 'internal', message: 'This page cannot upload avatars.' };
    const url = new URL(target, this.panel.ownerDocument.baseURI);
    url.searchParams.set('filename', file.name);
    if (kind) url.searchParams.set('kind', kind);
    this.plainOffer = null;
    const res = await fetch(url.href, { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' } });
    const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string; action?: string } } | null;
    if (!res.ok) {
      const error = body?.error ?? { code: 'internal', message: `The upload failed (HTTP ${res.status}).` };
      if (!kind && error.message.includes('without a VRM extension')) this.plainOffer = file;
      throw error;
    }
  }

  private renderList(list: AvatarListResult): HTMLElement {
    const ul = el('ul', { class: 'avatar-picker-list', role: 'radiogroup', 'aria-label': 'Avatar she shows' });
    const own = this.character?.avatarId ?? null;
    for (const a of list.avatars) {
      const chosen = a.id === list.selectedId;
      const thumb = resolveAvatarUrl(a.thumbnailUrl, this.opts.urlBase());
      const picture = thumb
        ? el('img', { class: 'avatar-picker-thumb', src: thumb, alt: '', width: 48, height: 48, loading: 'lazy' })
        : el('span', { class: `avatar-picker-thumb avatar-picker-thumb-${a.kind}`, 'aria-hidden': 'true', text: a.builtin ? 'A' : a.name.slice(0, 1) });
      const choose = el(
        'button',
        { type: 'button', class: 'avatar-picker-choose', role: 'radio', 'aria-checked': String(chosen), 'data-avatar': a.id, title: `Show ${a.name}` },
        picture,
        el('span', { class: 'avatar-picker-name', text: a.name }),
        el('span', { class: 'avatar-picker-desc', text: describeAvatar(a) }),
      );
      choose.disabled = this.busy;
      choose.addEventListener('click', () => {
        if (!chosen) void this.run(() => request(this.opts.host, 'avatar.select', { id: a.id }));
      });
      const li = el('li', { class: 'avatar-picker-item', 'data-active': String(a.id === list.active.id) }, choose);
      const c = this.character;
      if (c) {
        const mine = own === a.id;
        const forHer = el('button', {
          type: 'button',
          class: 'link-btn avatar-picker-own',
          'aria-pressed': String(mine),
          text: mine ? `${c.name}’s own ✓` : `Only for ${c.name}`,
          title: mine ? `${c.name} uses the avatar chosen for everyone instead` : `${c.name} shows this one whatever is chosen for everyone`,
        });
        forHer.disabled = this.busy;
        forHer.addEventListener('click', () =>
          this.run(() => request(this.opts.host, 'character.update', { characterId: c.id, avatarId: mine ? null : a.id })),
        );
        li.append(forHer);
      }
      if (a.kind === 'vrm' || a.kind === 'gltf') li.append(this.renderExpressions(a));
      if (!a.builtin) li.append(this.renderDelete(a));
      ul.append(li);
    }
    return ul;
  }

  private renderExpressions(a: AvatarInfo): HTMLElement {
    if (this.editing?.id !== a.id) {
      const open = el('button', {
        type: 'button',
        class: 'link-btn avatar-picker-expressions-open',
        text: 'Expressions…',
        'aria-label': `Expressions of ${a.name}…`,
        title: 'Which of the model’s expressions each emotion shows',
      });
      open.disabled = this.busy;
      open.addEventListener('click', () => {
        this.editing = { id: a.id, draft: { ...a.expressionMap } };
        this.confirming = null;
        this.render();
        this.panel.querySelector<HTMLElement>('.avatar-picker-expressions select, .avatar-picker-expressions input')?.focus();
      });
      return open;
    }
    const draft = this.editing.draft;
    const form = el('form', { class: 'avatar-picker-expressions', 'aria-label': `Expressions of ${a.name}` });
    if (a.expressions && !a.expressions.length) {
      form.append(el('p', { class: 'avatar-picker-note', text: 'This model has no expressions (no VRM expressions or named morph targets).' }));
    }
    for (const e of EMOTIONS) {
      const id = `avatar-expr-${e}`;
      let field: HTMLSelectElement | HTMLInputElement;
      if (a.expressions) {
        field = el('select', { id, name: e });
        const names = draft[e] && !a.expressions.includes(draft[e]!) ? [...a.expressions, draft[e]!] : a.expressions;
        field.append(el('option', { value: '', text: 'Default' }), ...names.map((n) => el('option', { value: n, text: n })));
      } else {
        // The model's file could not be read: a name typed (the renderer checks it when it loads).
        field = el('input', { id, name: e, type: 'text', maxlength: 64, placeholder: 'Default' });
      }
      field.value = draft[e] ?? '';
      field.disabled = this.busy || a.expressions?.length === 0;
      field.addEventListener('change', () => {
        draft[e] = field.value.trim() || undefined;
      });
      form.append(el('label', { class: 'avatar-picker-expression', for: id, text: emotionLabel(e) }), field);
    }
    const cancel = el('button', { type: 'button', class: 'btn btn-cancel', text: 'Cancel' });
    cancel.addEventListener('click', () => {
      this.editing = null;
      this.render();
    });
    const save = el('button', { type: 'submit', class: 'btn', text: 'Save' });
    save.disabled = this.busy || a.expressions?.length === 0;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const map = Object.fromEntries(Object.entries(draft).filter(([, v]) => v));
      void this.run(async () => {
        await request(this.opts.host, 'avatar.update', { id: a.id, expressionMap: Object.keys(map).length ? map : null });
        this.editing = null;
      });
    });
    form.append(el('div', { class: 'avatar-picker-confirm' }, cancel, save));
    return form;
  }

  private renderDelete(a: AvatarInfo): HTMLElement {
    if (this.confirming !== a.id) {
      const del = el('button', { type: 'button', class: 'link-btn avatar-picker-delete', text: 'Delete…', 'aria-label': `Delete ${a.name}…` });
      del.disabled = this.busy;
      del.addEventListener('click', () => {
        this.confirming = a.id;
        this.render();
        this.panel.querySelector<HTMLElement>('.avatar-picker-confirm .btn-cancel')?.focus();
      });
      return del;
    }
    const cancel = el('button', { type: 'button', class: 'btn btn-cancel', text: 'Cancel' });
    cancel.addEventListener('click', () => {
      this.confirming = null;
      this.render();
    });
    const confirm = el('button', { type: 'button', class: 'btn danger', text: 'Delete' });
    confirm.addEventListener('click', () => {
      this.confirming = null;
      void this.run(() => request(this.opts.host, 'avatar.delete', { id: a.id, confirm: true }));
    });
    return el(
      'div',
      { class: 'avatar-picker-confirm', role: 'group', 'aria-label': `Delete ${a.name}?` },
      el('span', { text: `Delete “${a.name}” and its files?` }),
      cancel,
      confirm,
    );
  }
}
