// The screen loop's rules with real frames (the rendered screenshots in tests/fixtures/screen),
// the real OCR and the real help policy; only the platform seams (capture, window title, the
// capture check) are fed from here. The live X display version is screen-live.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompanionEvent } from '../protocol';
import type { ChatService } from '../companion/chat/chat-service';
import { ContextStore } from '../companion/context/context-store';
import { AlisaError } from '../companion/errors';
import { HelpService } from '../companion/help/help-service';
import { decodeFrame, type ActiveWindow, type Frame } from '../companion/screen/capture';
import { OcrEngine } from '../companion/screen/ocr';
import { DEFAULT_SCREEN_TIMING, nextInterval, ScreenService } from '../companion/screen/screen-service';
import { CompanionState } from '../companion/state';
import { REPO_ROOT } from './helpers/model';

const FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures', 'screen');
const frameOf = (file: string): Frame => {
  const raw = fs.readFileSync(path.join(FIXTURES, file));
  return { raw, decode: () => decodeFrame(raw), ms: 0 };
};

describe('nextInterval', () => {
  const t = DEFAULT_SCREEN_TIMING;
  it.each([
    ['away: no capture', { presence: 'absent', lastChangeAt: 0, now: 1 }, null],
    ['present', { presence: 'present', lastChangeAt: null, now: 0 }, t.activeMs],
    ['focused', { presence: 'focused', lastChangeAt: null, now: 0 }, t.activeMs],
    ['distracted', { presence: 'distracted', lastChangeAt: 0, now: 1 }, t.idleMs],
    ['no webcam, screen changed a minute ago', { presence: null, lastChangeAt: 0, now: 60_000 }, t.activeMs],
    ['no webcam, nothing changed for long', { presence: null, lastChangeAt: 0, now: 10 * 60_000 }, t.idleMs],
    ['no webcam, nothing seen yet', { presence: null, lastChangeAt: null, now: 0 }, t.idleMs],
    ['4 unchanged frames: half as often', { presence: 'present', lastChangeAt: null, now: 0, unchangedStreak: 4 }, 2 * t.activeMs],
    ['8 unchanged frames: a quarter as often', { presence: 'present', lastChangeAt: null, now: 0, unchangedStreak: 9 }, 4 * t.activeMs],
  ])('%s', (_name, input, expected) => {
    expect(nextInterval(input)).toBe(expected);
  });
});

describe('ScreenService with real frames and real OCR', () => {
  const ocr = new OcrEngine();
  afterAll(() => ocr.stop());

  function setup(frames: Frame[], windows: Array<ActiveWindow | null>, check: () => Promise<AlisaError | null> = async () => null) {
    let t = 1_000_000;
    const context = new ContextStore(() => t);
    const events: CompanionEvent[] = [];
    const emit = (e: CompanionEvent) => events.push(e);
    const chat = { emit } as unknown as ChatService;
    const help = new HelpService({
      chat,
      context,
      state: CompanionState.load(null, { characterId: 1 }),
      now: () => t,
      policy: { debounceMs: 1000, typingQuietMs: 0 },
    });
    let i = 0;
    const service = new ScreenService({
      context,
      emit,
      now: () => t,
      ocr,
      check,
      timing: { activeMs: 3_600_000, idleMs: 3_600_000 }, // the tests drive sample() themselves
      capture: async () => {
        const f = frames[Math.min(i, frames.length - 1)]!;
        return f;
      },
      window: async () => windows[Math.min(i++, windows.length - 1)] ?? null,
    });
    return { service, context, help, events, advance: (ms: number) => (t += ms) };
  }

  it('reads a changed frame, skips the same frame, and the error reaches the one help policy', { timeout: 60_000 }, async () => {
    const term = frameOf('traceback-light-14.png');
    const { service, context, help, events, advance } = setup([term], [{ title: 'python3 app.py', appClass: 'XTerm' }]);
    await service.configure({ enabled: true });
    expect(await service.sample()).toBe('recognized');
    expect(context.desktop).toMatchObject({ app: 'terminal', hasError: true });
    expect(context.desktop!.screenErrors!.length).toBeGreaterThan(0);
    expect(await service.sample()).toBe('unchanged');
    expect(service.status().counts).toMatchObject({ captured: 2, unchanged: 1, recognized: 1 });
    help.tick();
    advance(1500);
    help.tick();
    const offer = events.find((e) => e.type === 'help.offer');
    expect(offer, JSON.stringify(events.map((e) => e.type))).toBeDefined();
    expect(offer).toMatchObject({ target: { kind: 'screen', path: null } });
    await service.stop();
  });

  it('drops excluded windows unread', async () => {
    const { service, context } = setup([frameOf('traceback-light-14.png')], [{ title: 'Passwords - KeePassXC', appClass: 'KeePassXC' }]);
    await service.configure({ enabled: true });
    expect(await service.sample()).toBe('excluded');
    expect(service.status().counts).toMatchObject({ captured: 1, excluded: 1, recognized: 0 });
    expect(context.desktop).toBeNull();
    await service.configure({ excludedWindows: [] });
    expect(await service.sample()).toBe('recognized');
    await service.stop();
  });

  it('the editor window: the editor’s own diagnostics take precedence over OCR of it', { timeout: 60_000 }, async () => {
    const { service, context, help } = setup([frameOf('editor-light-14.png')], [{ title: 'cart.ts - shop - Visual Studio Code', appClass: 'Code' }]);
    await service.configure({ enabled: true });
    expect(await service.sample()).toBe('recognized');
    expect(context.desktop).toMatchObject({ app: 'code' });
    const screenErrors = () => context.activity.currentErrors().filter((e) => e.target.kind === 'screen');
    // No editor connected (another editor's window, say): the error read off it counts.
    expect(screenErrors().length).toBeGreaterThan(0);
    // Our editor reports (with or without diagnostics): OCR of the editor no longer counts.
    help.onContextUpdate({ diagnostics: [] });
    expect(screenErrors()).toEqual([]);
    await service.stop();
  });

  it('a capture that cannot work is a clear error in the status, and turning it on retries', async () => {
    let checks = 0;
    const { service, events } = setup([frameOf('traceback-light-14.png')], [null], async () =>
      checks++ === 0 ? new AlisaError('screen_unavailable', 'The screen cannot be captured: there is no X display (DISPLAY is not set).') : null,
    );
    const s = await service.configure({ enabled: true });
    expect(s).toMatchObject({ enabled: true, active: false, error: { code: 'screen_unavailable' } });
    expect(events.at(-1)).toMatchObject({ type: 'screen.state', status: { error: { code: 'screen_unavailable' } } });
    expect(await service.sample()).toBe('skipped');
    const again = await service.configure({ enabled: true });
    expect(again).toMatchObject({ active: true, error: null });
    expect(checks).toBe(2);
    const off = await service.configure({ enabled: false });
    expect(off).toMatchObject({ enabled: false, error: null, app: null });
    await service.stop();
  });

  it('a frame that cannot be decoded stops the loop with screen_unavailable', async () => {
    const junk: Frame = { raw: Buffer.from('not an image'), decode: () => decodeFrame(Buffer.from('not an image')), ms: 0 };
    const { service } = setup([junk], [null]);
    await service.configure({ enabled: true });
    expect(await service.sample()).toBe('failed');
    expect(service.status()).toMatchObject({ active: false, error: { code: 'screen_unavailable', message: expect.stringMatching(/could not be read/) } });
    await service.stop();
  });
});
