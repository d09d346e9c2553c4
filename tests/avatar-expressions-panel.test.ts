// @vitest-environment happy-dom
// A 3D avatar's expressions in the real panel (issue 18), through the shared fake host against a
// companion that answers `avatar.*` as the protocol declares (the store runs for real in
// avatar-expressions.test.ts): an `avatar.changed` with a new expressionMap reaches the stage
// (the model on screen takes it without loading again; another model loads); the picker's "Expressions…" form offers the model's own
// expressions per emotion, only for 3D models, and saves the whole mapping with avatar.update
// (all Default: null, the reset).
import { afterEach, describe, expect, it, vi } from 'vitest';
import './helpers/happy-dom-fixes';
import { AvatarListResult, BUILTIN_AVATAR, type AvatarInfo, type AvatarSource, type HostState } from '../protocol';
import type { AvatarRenderer } from '../webview/avatar/avatar-renderer';
import { AvatarStage } from '../webview/avatar/avatar-stage';
import { FakeHost } from './helpers/fake-host';
import { clearBodyAfterEach, mountPanelBody, openPanel, settle } from './helpers/panel';
import { firstRunAnswers } from './helpers/webview-fixtures';

const GIRL: AvatarInfo = {
  ...BUILTIN_AVATAR,
  id: 'girl-a1b2c3',
  kind: 'vrm',
  name: 'Girl',
  url: '/avatars/girl-a1b2c3/model.vrm',
  thumbnailUrl: '/avatars/girl-a1b2c3/thumbnail.png',
  builtin: false,
  sizeBytes: 2_500_000,
  importedAt: 2,
  vrmVersion: '1.0',
  expressions: ['happy', 'sad', 'relaxed', 'smirk'],
};
const SPRITES: AvatarInfo = {
  ...GIRL,
  id: 'sprites-d4e5f6',
  kind: 'sprites',
  name: 'Flat',
  url: '/avatars/sprites-d4e5f6/sprites.json',
  vrmVersion: null,
  importedAt: 1,
};
delete SPRITES.expressions;
const BASE = { base: 'https://file+.vscode-resource.vscode-cdn.net/data/avatars/', query: '' };
const source = ({
  builtin: _b,
  sizeBytes: _s,
  importedAt: _i,
  vrmVersion: _v,
  author: _a,
  licence: _l,
  images: _n,
  expressions: _e,
  ...s
}: AvatarInfo): AvatarSource => s;

/** A companion with a list of avatars that stores avatar.update and announces it as the real one does. */
class ExpressionHost extends FakeHost {
  avatars: AvatarInfo[] = [BUILTIN_AVATAR, GIRL, SPRITES];
  constructor() {
    super('vscode', { answers: firstRunAnswers(), actions: ['importAvatar'] });
  }
  list(): AvatarListResult {
    return AvatarListResult.parse({ avatars: this.avatars, selectedId: GIRL.id, active: source(this.avatars.find((a) => a.id === GIRL.id)!) });
  }
  override answer(method: string, p: any): unknown {
    if (method === 'avatar.list') return this.list();
    if (method === 'avatar.update') {
      this.avatars = this.avatars.map((a) => {
        if (a.id !== p.id) return a;
        const { expressionMap: _m, ...rest } = a;
        return p.expressionMap ? { ...rest, expressionMap: p.expressionMap } : rest;
      });
      const list = this.list();
      queueMicrotask(() => this.emit({ type: 'avatar.changed', active: list.active, selectedId: list.selectedId, avatars: list.avatars }));
      return { avatar: this.avatars.find((a) => a.id === p.id) };
    }
    return undefined;
  }
  override connection(connection: HostState['connection']): void {
    this.emit({ type: 'host.state', host: this.kind, connection, message: null, error: null, modelConfigured: true, actions: this.actions, avatarUrl: BASE });
  }
}

clearBodyAfterEach();
afterEach(() => vi.restoreAllMocks());

const stageSpy = () => vi.spyOn(AvatarStage.prototype, 'setSource').mockResolvedValue();

async function openPicker(): Promise<HTMLElement> {
  document.querySelector<HTMLButtonElement>('.avatar-picker-open')!.click();
  await settle();
  return document.querySelector<HTMLElement>('#avatar-picker')!;
}

const item = (panel: HTMLElement, id: string) => panel.querySelector<HTMLElement>(`[data-avatar="${id}"]`)!.closest('li')!;

describe('a 3D avatar’s expressions in the panel', () => {
  it('an avatar.changed with a new expressionMap reaches the stage; the same source again does not reload it', async () => {
    const spy = stageSpy();
    const host = new ExpressionHost();
    await openPanel(host);
    expect(spy).toHaveBeenLastCalledWith(expect.objectContaining({ id: GIRL.id, url: `${BASE.base}girl-a1b2c3/model.vrm` }));
    expect(spy.mock.lastCall![0]!.expressionMap).toBeUndefined();
    const calls = spy.mock.calls.length;

    host.emit({ type: 'avatar.changed', active: { ...source(GIRL), expressionMap: { happy: 'smirk' } }, selectedId: GIRL.id });
    await settle();
    expect(spy).toHaveBeenCalledTimes(calls + 1);
    expect(spy).toHaveBeenLastCalledWith(expect.objectContaining({ id: GIRL.id, expressionMap: { happy: 'smirk' }, url: `${BASE.base}girl-a1b2c3/model.vrm` }));

    host.emit({ type: 'avatar.changed', active: { ...source(GIRL), expressionMap: { happy: 'smirk' } }, selectedId: GIRL.id });
    await settle();
    expect(spy).toHaveBeenCalledTimes(calls + 1);
  });

  it('the picker’s form offers the model’s expressions per emotion (3D only), saves the mapping and the stage gets it; all Default resets', async () => {
    const spy = stageSpy();
    const host = new ExpressionHost();
    await openPanel(host);
    const panel = await openPicker();
    expect(item(panel, SPRITES.id).querySelector('.avatar-picker-expressions-open')).toBeNull();
    expect(item(panel, BUILTIN_AVATAR.id).querySelector('.avatar-picker-expressions-open')).toBeNull();
    item(panel, GIRL.id).querySelector<HTMLButtonElement>('.avatar-picker-expressions-open')!.click();
    await settle();

    const form = panel.querySelector<HTMLFormElement>('.avatar-picker-expressions')!;
    const selects = [...form.querySelectorAll('select')];
    expect(selects.map((s) => s.name)).toEqual(['happy', 'calm', 'teasing', 'shy', 'serious', 'sad', 'neutral']);
    expect([...selects[0]!.options].map((o) => o.text)).toEqual(['Default', 'happy', 'sad', 'relaxed', 'smirk']);
    expect(form.querySelector('label[for="avatar-expr-teasing"]')!.textContent).toBe('Teasing');
    expect(document.activeElement).toBe(selects[0]);

    const choose = (emotion: string, value: string) => {
      const s = form.querySelector<HTMLSelectElement>(`select[name="${emotion}"]`)!;
      s.value = value;
      s.dispatchEvent(new Event('change'));
    };
    choose('teasing', 'smirk');
    choose('calm', 'relaxed');
    form.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await settle();
    expect(host.requests('avatar.update').map((r) => r.params)).toEqual([{ id: GIRL.id, expressionMap: { teasing: 'smirk', calm: 'relaxed' } }]);
    expect(spy).toHaveBeenLastCalledWith(expect.objectContaining({ id: GIRL.id, expressionMap: { teasing: 'smirk', calm: 'relaxed' } }));
    expect(panel.querySelector('.avatar-picker-expressions')).toBeNull();

    // Opened again it shows what is stored; Default everywhere is the reset.
    item(panel, GIRL.id).querySelector<HTMLButtonElement>('.avatar-picker-expressions-open')!.click();
    await settle();
    const again = panel.querySelector<HTMLFormElement>('.avatar-picker-expressions')!;
    expect(again.querySelector<HTMLSelectElement>('select[name="teasing"]')!.value).toBe('smirk');
    for (const s of again.querySelectorAll('select')) {
      s.value = '';
      s.dispatchEvent(new Event('change'));
    }
    again.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await settle();
    expect(host.requests('avatar.update').at(-1)!.params).toEqual({ id: GIRL.id, expressionMap: null });
    expect(spy.mock.lastCall![0]!.expressionMap).toBeUndefined();
  });

  it('Cancel and Escape close the form without saving', async () => {
    stageSpy();
    const host = new ExpressionHost();
    await openPanel(host);
    const panel = await openPicker();
    item(panel, GIRL.id).querySelector<HTMLButtonElement>('.avatar-picker-expressions-open')!.click();
    await settle();
    [...panel.querySelectorAll<HTMLButtonElement>('.avatar-picker-expressions button')].find((b) => b.textContent === 'Cancel')!.click();
    expect(panel.querySelector('.avatar-picker-expressions')).toBeNull();
    item(panel, GIRL.id).querySelector<HTMLButtonElement>('.avatar-picker-expressions-open')!.click();
    panel.querySelector('select')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(panel.querySelector('.avatar-picker-expressions')).toBeNull();
    expect(panel.hidden).toBe(false);
    expect(host.requests('avatar.update')).toHaveLength(0);
  });
});

describe('the stage with a new mapping for the model on screen', () => {
  /** A renderer that records the mappings it is given (the 3D one needs WebGL: avatar-3d.test.ts). */
  const recorder = () => {
    const maps: unknown[] = [];
    const r: AvatarRenderer = {
      setEmotion() {},
      setSpeaking() {},
      setVoice() {},
      setAudioLevel() {},
      setShown() {},
      wake() {},
      react() {},
      setExpressionMap: (m) => maps.push(m),
      dispose() {},
    };
    return { r, maps };
  };

  it('applies it without loading the model again; another model (or other files) loads', async () => {
    mountPanelBody();
    const stage = new AvatarStage(document.getElementById('avatar')!);
    const made: Array<ReturnType<typeof recorder>> = [];
    // happy-dom has no WebGL, so the stage's mechanism is driven through a renderer kind that needs none.
    stage.setFactory('sprites', async () => {
      made.push(recorder());
      return made.at(-1)!.r;
    });
    const S: AvatarSource = { id: 's-1', kind: 'sprites', name: 'S', url: '/avatars/s-1/sprites.json', thumbnailUrl: null };
    await stage.setSource(S);
    await stage.setSource({ ...S, expressionMap: { happy: 'smirk' } });
    await stage.setSource(S);
    expect(made).toHaveLength(1);
    expect(made[0]!.maps).toEqual([{ happy: 'smirk' }, undefined]);
    await stage.setSource({ ...S, url: '/avatars/s-1/other.json', expressionMap: { sad: 'sad' } });
    expect(made).toHaveLength(2);
    expect(made[1]!.maps).toEqual([]);
    stage.dispose();
  });
});
