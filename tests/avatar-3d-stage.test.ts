// @vitest-environment happy-dom
// The avatar stage's choices (webview/avatar/avatar-stage.ts) and the emotion -> VRM expression
// table (webview/avatar/vrm/emotion-map.ts), on the panel's real markup. The stage is given real
// renderer factories of its own here (a recording renderer, a failing one, a slow one), since the
// 3D renderer needs WebGL: that one is driven in real Chromium by avatar-3d.test.ts. happy-dom has
// no WebGL, which is the "WebGL unavailable" case.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWebviewHtml } from '../common/webview-html';
import type { AvatarSource, Emotion } from '../protocol';
import type { AvatarRenderer, RendererFactory } from '../webview/avatar/avatar-renderer';
import { AvatarStage } from '../webview/avatar/avatar-stage';
import { EMOTION_EXPRESSIONS, expressionWeights, normalizeExpressionName } from '../webview/avatar/vrm/emotion-map';
import { EMOTIONS } from '../protocol';
import { mountPanelBody } from './helpers/panel';
import { ROOT } from './helpers/webview-chromium';

const SPRITES: AvatarSource = { id: 'sprites-1', kind: 'sprites', name: 'Pixel Alisa', url: '/avatars/sprites-1/manifest.json', thumbnailUrl: null };
const MODEL: AvatarSource = { id: 'model-1', kind: 'vrm', name: 'Model', url: '/avatars/model-1/model.vrm', thumbnailUrl: null };

class Recorder implements AvatarRenderer {
  readonly calls: string[] = [];
  disposed = false;
  setEmotion(e: Emotion): void {
    this.calls.push(`emotion:${e}`);
  }
  setSpeaking(b: boolean): void {
    this.calls.push(`speaking:${b}`);
  }
  setVoice(b: boolean): void {
    this.calls.push(`voice:${b}`);
  }
  setAudioLevel(l: number): void {
    this.calls.push(`level:${l}`);
  }
  setShown(b: boolean): void {
    this.calls.push(`shown:${b}`);
  }
  wake(): void {}
  react(k: 'error' | 'fixed'): void {
    this.calls.push(`react:${k}`);
  }
  setMaxFps(fps: number): void {
    this.calls.push(`fps:${fps}`);
  }
  dispose(): void {
    this.disposed = true;
  }
}

function stage(): { stage: AvatarStage; root: HTMLElement } {
  mountPanelBody();
  const root = document.getElementById('avatar')!;
  return { stage: new AvatarStage(root), root };
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('emotion -> VRM expressions', () => {
  const all = () => true;

  it('has a mix for each of her seven emotions, neutral being none', () => {
    expect(Object.keys(EMOTION_EXPRESSIONS).sort()).toEqual([...EMOTIONS].sort());
    expect(expressionWeights('neutral', undefined, all)).toEqual(new Map());
    expect(expressionWeights('happy', undefined, all)).toEqual(new Map([['happy', 1]]));
    expect(expressionWeights('teasing', undefined, all)).toEqual(
      new Map([
        ['happy', 0.5],
        ['blinkLeft', 1],
      ]),
    );
  });

  it('keeps only the expressions the model has', () => {
    expect(expressionWeights('shy', undefined, (n) => n === 'sad')).toEqual(new Map([['sad', 0.35]]));
    expect(expressionWeights('calm', undefined, () => false)).toEqual(new Map());
  });

  it("takes the user's override, in VRM 1.0 or 0.x names, or a custom expression", () => {
    expect(expressionWeights('sad', 'surprised', all)).toEqual(new Map([['surprised', 1]]));
    expect(normalizeExpressionName('Joy')).toBe('happy');
    expect(normalizeExpressionName('sorrow')).toBe('sad');
    expect(normalizeExpressionName('a')).toBe('aa');
    expect(expressionWeights('happy', 'joy', (n) => n === 'happy')).toEqual(new Map([['happy', 1]]));
    expect(expressionWeights('calm', 'SmugFace', (n) => n === 'SmugFace')).toEqual(new Map([['SmugFace', 1]]));
    expect(expressionWeights('happy', 'neutral', all)).toEqual(new Map());
  });

  it('falls back to the default mix when the override names an expression the model lacks', () => {
    expect(expressionWeights('happy', 'nothing-like-this', (n) => n === 'happy')).toEqual(new Map([['happy', 1]]));
  });
});

describe('the avatar stage', () => {
  it('shows the SVG by default and for an SVG source', async () => {
    const { stage: s, root } = stage();
    expect(root.getAttribute('data-renderer')).toBe('svg');
    await s.setSource({ id: 'builtin:alisa', kind: 'svg', name: 'Alisa', url: null, thumbnailUrl: null });
    expect(root.getAttribute('data-renderer')).toBe('svg');
    expect(s.kind).toBe('svg');
    expect(document.querySelector('.avatar-notice')).toBeNull();
    s.dispose();
  });

  it('hands the current emotion, speech and visibility to a new renderer and forwards calls to it', async () => {
    const { stage: s, root } = stage();
    const r = new Recorder();
    let host: HTMLElement | null = null;
    s.setFactory('sprites', async (h) => {
      host = h;
      return r;
    });
    s.setEmotion('sad');
    s.setSpeaking(true);
    await s.setSource(SPRITES);
    expect(root.getAttribute('data-renderer')).toBe('sprites');
    expect(host!.parentElement).toBe(root);
    expect(host!.hidden).toBe(false);
    expect(r.calls).toEqual(['emotion:sad', 'speaking:true', 'voice:false', 'shown:true']);
    // The SVG rests while another renderer draws her.
    expect(root.getAttribute('data-motion')).toBe('paused');
    s.setAudioLevel(0.5);
    s.react('error');
    s.setMaxFps(12);
    s.setShown(false);
    expect(r.calls.slice(4)).toEqual(['level:0.5', 'react:error', 'fps:12', 'shown:false']);
    // Back to the SVG: the renderer is disposed and its element gone.
    await s.setSource(null);
    expect(r.disposed).toBe(true);
    expect(host!.isConnected).toBe(false);
    expect(root.getAttribute('data-renderer')).toBe('svg');
    s.dispose();
  });

  it('falls back to the SVG with a notice saying why when a renderer fails, and clears it on the next choice', async () => {
    const { stage: s, root } = stage();
    s.setFactory('sprites', async () => {
      throw new Error('the sprite set has no picture for happy');
    });
    await s.setSource(SPRITES);
    expect(root.getAttribute('data-renderer')).toBe('svg');
    expect(root.querySelector('.avatar-renderer')).toBeNull();
    const notice = document.querySelector('.avatar-notice')!;
    expect(notice.getAttribute('role')).toBe('status');
    expect(notice.textContent).toContain('“Pixel Alisa” could not be shown because the sprite set has no picture for happy');
    await s.setSource(null);
    expect(document.querySelector('.avatar-notice')).toBeNull();
    s.dispose();
  });

  it('says so when WebGL is not available for a 3D model (happy-dom has none)', async () => {
    const { stage: s, root } = stage();
    await s.setSource(MODEL);
    expect(root.getAttribute('data-renderer')).toBe('svg');
    expect(document.querySelector('.avatar-notice')!.textContent).toContain('WebGL');
    s.dispose();
  });

  it('lets the newest choice win over one still loading', async () => {
    const { stage: s, root } = stage();
    const slow = new Recorder();
    let release: () => void = () => {};
    const factory: RendererFactory = () =>
      new Promise((resolve) => {
        release = () => resolve(slow);
      });
    s.setFactory('sprites', factory);
    const first = s.setSource(SPRITES);
    const fast = new Recorder();
    s.setFactory('sprites', async () => fast);
    await s.setSource({ ...SPRITES, id: 'sprites-2', name: 'Other' });
    release();
    await first;
    expect(slow.disposed).toBe(true);
    expect(fast.disposed).toBe(false);
    expect(root.querySelectorAll('.avatar-renderer')).toHaveLength(1);
    s.dispose();
    expect(fast.disposed).toBe(true);
  });
});

describe('the VRM fixtures', () => {
  it('are what scripts/make-vrm-fixture.mjs makes (committed output matches the generator)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-vrm-fixture-'));
    try {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'make-vrm-fixture.mjs'), dir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      for (const name of ['alisa-test.vrm', 'alisa-test-vrm0.vrm']) {
        const made = readFileSync(path.join(dir, name));
        expect(made.equals(readFileSync(path.join(ROOT, 'tests', 'fixtures', 'avatar', name))), name).toBe(true);
        // A GLB whose JSON declares the VRM extension of its version.
        expect(made.readUInt32LE(0)).toBe(0x46546c67);
        const json = JSON.parse(made.subarray(20, 20 + made.readUInt32LE(12)).toString('utf8'));
        expect(json.extensionsUsed).toContain(name.includes('vrm0') ? 'VRM' : 'VRMC_vrm');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the page's policy for a 3D model", () => {
  const csp = (html: string) =>
    Object.fromEntries(
      /content="([^"]+)"/
        .exec(html)![1]!
        .split('; ')
        .map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]),
    );
  const base = { scriptUri: 'w.js', styleUri: 'w.css', cspSource: 'https://res.test', nonce: 'bm9uY2Vub25jZQ', avatarSvg: '' };

  it('lets the page fetch models from avatarSrc (and their embedded blob:/data: parts), still without eval', () => {
    const d = csp(renderWebviewHtml({ ...base, avatarSrc: 'https://res.test' }));
    expect(d['connect-src']).toBe('https://res.test blob: data:');
    expect(d['img-src']).toBe('https://res.test data: blob:');
    expect(d['script-src']).toBe("'nonce-bm9uY2Vub25jZQ'");
    const withSocket = csp(renderWebviewHtml({ ...base, connectSrc: 'ws://127.0.0.1:1', avatarSrc: "'self'" }));
    expect(withSocket['connect-src']).toBe("ws://127.0.0.1:1 'self' blob: data:");
    // Without it, nothing changes.
    expect(csp(renderWebviewHtml(base))['connect-src']).toBe("'none'");
    expect(() => renderWebviewHtml({ ...base, avatarSrc: "'self'; script-src *" })).toThrow(/avatarSrc/);
  });
});
