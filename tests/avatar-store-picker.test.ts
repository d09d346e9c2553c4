// @vitest-environment happy-dom
// The avatar picker and the active avatar in the real panel (issue 18), driven through the shared
// fake host against a companion that keeps a list of avatars and answers `avatar.*` as the
// protocol declares (the store itself runs for real in avatar-store.test.ts). The stage gets the
// active avatar with URLs the page can load (the host's avatarUrl); the picker lists thumbnails,
// chooses, sets a character's own avatar, and deletes only after an inline confirmation with
// Cancel focused; the built-in one has no Delete.
import { afterEach, describe, expect, it, vi } from 'vitest';
import './helpers/happy-dom-fixes';
import { BUILTIN_AVATAR, BUILTIN_AVATAR_ID, type AvatarInfo, type AvatarSource, type HostState } from '../protocol';
import { AvatarStage } from '../webview/avatar/avatar-stage';
import { resolveAvatarSource, resolveAvatarUrl } from '../webview/ui/avatar-picker-urls';
import { FakeHost } from './helpers/fake-host';
import { clearBodyAfterEach, openPanel, settle } from './helpers/panel';
import { firstRunAnswers } from './helpers/webview-fixtures';

const BUILTIN = BUILTIN_AVATAR;
const GIRL: AvatarInfo = {
  ...BUILTIN,
  id: 'girl-a1b2c3',
  kind: 'vrm',
  name: 'Girl',
  url: '/avatars/girl-a1b2c3/model.vrm',
  thumbnailUrl: '/avatars/girl-a1b2c3/thumbnail.png',
  builtin: false,
  sizeBytes: 2_500_000,
  importedAt: 1,
  vrmVersion: '1.0',
  author: 'Someone',
};
const BASE = { base: 'https://file+.vscode-resource.vscode-cdn.net/data/avatars/', query: '' };
const source = ({ builtin: _b, sizeBytes: _s, importedAt: _i, vrmVersion: _v, author: _a, licence: _l, images: _n, ...s }: AvatarInfo): AvatarSource => s;

/** A companion with an avatar list: lists, selects, deletes; the host gives the page a way to load the files. */
class AvatarHost extends FakeHost {
  avatars = [BUILTIN, GIRL];
  selectedId = GIRL.id;
  constructor(
    kind: 'vscode' | 'browser' = 'vscode',
    private readonly urlBase: HostState['avatarUrl'] = BASE,
  ) {
    super(kind, { answers: firstRunAnswers(), actions: kind === 'vscode' ? ['importAvatar'] : [] });
  }
  list() {
    return { avatars: this.avatars, selectedId: this.selectedId, active: source(this.avatars.find((a) => a.id === this.selectedId)!) };
  }
  override answer(method: string, p: any): unknown {
    switch (method) {
      case 'avatar.list':
        return this.list();
      case 'avatar.select':
        this.selectedId = p.id;
        return { selectedId: p.id, active: this.list().active };
      case 'avatar.delete':
        this.avatars = this.avatars.filter((a) => a.id !== p.id);
        if (this.selectedId === p.id) this.selectedId = BUILTIN_AVATAR_ID;
        return { ok: true };
      case 'character.update':
        return { id: 1, key: 'alisa', name: 'Alisa', systemPrompt: 'x', voice: null, avatar: null, builtin: true, avatarId: p.avatarId };
    }
    return undefined;
  }
  override connection(connection: HostState['connection']): void {
    this.emit({
      type: 'host.state',
      host: this.kind,
      connection,
      message: null,
      error: null,
      modelConfigured: true,
      actions: this.actions,
      avatarUrl: this.urlBase,
    });
  }
}

clearBodyAfterEach();
afterEach(() => vi.restoreAllMocks());

function stageSpy() {
  return vi.spyOn(AvatarStage.prototype, 'setSource').mockResolvedValue();
}

const openPicker = async () => {
  document.querySelector<HTMLButtonElement>('.avatar-picker-open')!.click();
  await settle();
  return document.querySelector<HTMLElement>('#avatar-picker')!;
};

describe('resolving stored avatar paths', () => {
  it('maps /avatars/ onto the host base and query, and refuses anything else', () => {
    expect(resolveAvatarUrl('/avatars/x/model.vrm', { base: '/avatars/', query: '?token=a%2Fb' })).toBe('/avatars/x/model.vrm?token=a%2Fb');
    expect(resolveAvatarUrl('/avatars/x/model.vrm', BASE)).toBe(`${BASE.base}x/model.vrm`);
    expect(resolveAvatarUrl('https://evil.example/x.vrm', BASE)).toBeNull();
    expect(resolveAvatarUrl('/avatars/x/model.vrm', null)).toBeNull();
    expect(resolveAvatarSource(source(GIRL), null)).toBeNull();
    expect(resolveAvatarSource(source(BUILTIN), BASE)).toBeNull();
  });
});

describe('the active avatar and the picker', () => {
  it('the stage gets the active avatar with loadable URLs on connect, and again on avatar.changed', async () => {
    const spy = stageSpy();
    const host = new AvatarHost();
    await openPanel(host);
    expect(host.requests('avatar.list')).toHaveLength(1);
    expect(spy).toHaveBeenLastCalledWith(expect.objectContaining({ id: GIRL.id, url: `${BASE.base}girl-a1b2c3/model.vrm` }));

    host.emit({ type: 'avatar.changed', active: source(BUILTIN), selectedId: BUILTIN_AVATAR_ID });
    await settle();
    expect(spy).toHaveBeenLastCalledWith(null);
  });

  it('lists thumbnails, chooses, and deletes only after the inline confirmation (Cancel focused); the built-in has no Delete', async () => {
    stageSpy();
    const host = new AvatarHost();
    await openPanel(host);
    const panel = await openPicker();
    expect(panel.hidden).toBe(false);
    const items = [...panel.querySelectorAll<HTMLElement>('.avatar-picker-item')];
    expect(items.map((i) => i.querySelector('.avatar-picker-name')!.textContent)).toEqual(['Alisa (built-in)', 'Girl']);
    expect(items[1]!.querySelector('img')!.getAttribute('src')).toBe(`${BASE.base}girl-a1b2c3/thumbnail.png`);
    expect(items[1]!.querySelector('.avatar-picker-desc')!.textContent).toBe('VRM 1.0 · 2.5 MB · by Someone');
    expect(items[1]!.querySelector('[role="radio"]')!.getAttribute('aria-checked')).toBe('true');
    expect(items[0]!.querySelector('.avatar-picker-delete')).toBeNull();

    items[0]!.querySelector<HTMLButtonElement>('[role="radio"]')!.click();
    await settle();
    expect(host.requests('avatar.select').map((r) => r.params)).toEqual([{ id: BUILTIN_AVATAR_ID }]);

    panel.querySelector<HTMLButtonElement>('.avatar-picker-delete')!.click();
    await settle();
    const confirm = panel.querySelector<HTMLElement>('.avatar-picker-confirm')!;
    expect(confirm.textContent).toContain('Delete “Girl” and its files?');
    expect(document.activeElement?.textContent).toBe('Cancel');
    expect(host.requests('avatar.delete')).toHaveLength(0);
    (document.activeElement as HTMLButtonElement).click();
    await settle();
    expect(panel.querySelector('.avatar-picker-confirm')).toBeNull();
    expect(host.requests('avatar.delete')).toHaveLength(0);

    panel.querySelector<HTMLButtonElement>('.avatar-picker-delete')!.click();
    await settle();
    panel.querySelector<HTMLButtonElement>('.avatar-picker-confirm .danger')!.click();
    await settle();
    expect(host.requests('avatar.delete').map((r) => r.params)).toEqual([{ id: GIRL.id, confirm: true }]);
    expect([...panel.querySelectorAll('.avatar-picker-name')].map((n) => n.textContent)).toEqual(['Alisa (built-in)']);
  });

  it("sets the active character's own avatar, and Import asks the host", async () => {
    stageSpy();
    const host = new AvatarHost();
    await openPanel(host);
    const panel = await openPicker();
    const own = panel.querySelectorAll<HTMLButtonElement>('.avatar-picker-own')[1]!;
    expect(own.textContent).toBe('Only for Alisa');
    own.click();
    await settle();
    expect(host.requests('character.update').map((r) => r.params)).toEqual([{ characterId: 1, avatarId: GIRL.id }]);
    [...panel.querySelectorAll<HTMLButtonElement>('.btn')].find((b) => b.textContent === 'Import…')!.click();
    expect(host.sent.filter((m) => m.type === 'ui.action')).toEqual([{ type: 'ui.action', action: 'importAvatar' }]);
  });

  it('a browser uploads a model with its own file input; without a way to load files it says where to import; Escape closes', async () => {
    stageSpy();
    const host = new AvatarHost('browser', { base: '/avatars/', query: '?token=t' });
    await openPanel(host);
    const panel = await openPicker();
    expect(panel.querySelector<HTMLInputElement>('input[type="file"]')!.accept).toBe('.vrm,.glb,.gltf');
    expect(panel.textContent).not.toContain('“Alisa: Import Avatar…”');
    expect(panel.querySelector('img')!.getAttribute('src')).toBe('/avatars/girl-a1b2c3/thumbnail.png?token=t');
    panel.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(panel.hidden).toBe(true);

    document.body.innerHTML = '';
    const old = new AvatarHost('browser', null);
    await openPanel(old);
    const plain = await openPicker();
    expect(plain.textContent).toContain('“Alisa: Import Avatar…”');
    expect(plain.querySelector('img')).toBeNull();
  });
});
