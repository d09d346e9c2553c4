// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AvatarView } from '../webview/avatar/avatar-view';

function mount(): HTMLElement {
  const root = document.createElement('div');
  root.id = 'avatar';
  root.className = 'avatar';
  root.setAttribute('data-emotion', 'neutral');
  root.innerHTML = readFileSync(path.join(__dirname, '..', 'media', 'avatar.svg'), 'utf8');
  document.body.append(root);
  return root;
}

function setVisibility(state: 'visible' | 'hidden'): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
}

afterEach(() => {
  setVisibility('visible');
  document.body.innerHTML = '';
});

describe('AvatarView', () => {
  it('exposes emotion, speaking, blinking and mouth as attributes, with a label', () => {
    const root = mount();
    const view = new AvatarView(root);
    expect(root.getAttribute('role')).toBe('img');
    expect(root.dataset).toMatchObject({ emotion: 'neutral', speaking: 'false', blinking: 'false', mouth: 'closed', motion: 'full' });
    view.setEmotion('shy');
    expect(root.dataset.emotion).toBe('shy');
    expect(root.getAttribute('aria-label')).toBe('Alisa looks shy');
    view.setSpeaking(true);
    expect(root.dataset.speaking).toBe('true');
    expect(root.dataset.mouth).not.toBe('closed');
    view.setSpeaking(false);
    view.setAudioLevel(0.9);
    expect(root.dataset.mouth).toBe('wide');
    view.dispose();
  });

  it('pauses when the page is hidden or the avatar is folded away', () => {
    const root = mount();
    const view = new AvatarView(root);
    setVisibility('hidden');
    expect(root.dataset.motion).toBe('paused');
    expect(root.dataset.blinking).toBe('false');
    setVisibility('visible');
    expect(root.dataset.motion).toBe('full');
    view.setShown(false);
    expect(root.dataset.motion).toBe('paused');
    view.dispose();
  });

  it('has a layer for every emotion in the art', () => {
    const root = mount();
    for (const e of ['happy', 'calm', 'teasing', 'shy', 'serious', 'sad', 'neutral']) {
      expect(root.querySelectorAll(`[data-e~="${e}"]`).length, e).toBeGreaterThan(0);
    }
    for (const shape of ['small', 'open', 'wide']) expect(root.querySelector(`[data-mouth-shape="${shape}"]`)).not.toBeNull();
    expect(root.querySelector('.av-eyes-closed')).not.toBeNull();
    expect(root.querySelector('[style]')).toBeNull(); // the page's CSP would block style attributes
  });
});
