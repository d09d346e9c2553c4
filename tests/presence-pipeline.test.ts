// Webcam presence end to end: real ffmpeg reading an image sequence that stands in for a camera,
// the real face model (@vladmandic/human on tfjs-wasm), the state machine and the service.
// Fixtures (tests/fixtures/presence/README.md): face.jpg (looking at the camera), away.jpg (head
// turned ~25 degrees), empty.jpg (nobody).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionEvent, PresenceStatus } from '../protocol';
import { ContextStore } from '../companion/context/context-store';
import { loadFaceDetector, type FaceDetector } from '../companion/presence/face-detector';
import { inputArgs } from '../companion/presence/frames';
import { PresenceService, type PresenceOptions } from '../companion/presence/presence-service';
import { alive } from './helpers/ext-process';

const FIX = path.join(__dirname, 'fixtures', 'presence');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'alisa-presence-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An image sequence dir/%03d.jpg from a frame string: F face, A turned away, E empty. */
function sequence(name: string, frames: string): string {
  const dir = path.join(tmp, name);
  execFileSync('mkdir', ['-p', dir]);
  const files: Record<string, string> = { F: 'face.jpg', A: 'away.jpg', E: 'empty.jpg' };
  [...frames].forEach((c, i) => copyFileSync(path.join(FIX, files[c]!), path.join(dir, `${String(i + 1).padStart(3, '0')}.jpg`)));
  return path.join(dir, '%03d.jpg');
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function service(options: Partial<PresenceOptions> = {}, detector?: () => Promise<FaceDetector>) {
  const context = new ContextStore();
  const events: PresenceStatus[] = [];
  const svc = new PresenceService({
    context,
    emit: (e: CompanionEvent) => {
      if (e.type === 'presence.state') events.push(e.status);
    },
    options,
    ...(detector ? { detector } : {}),
  });
  const states = () => events.map((s) => s.state).filter((s, i, a) => s !== null && s !== a[i - 1]);
  return { svc, context, events, states };
}

const fakeDetector = async (): Promise<FaceDetector> => ({ loadMs: 0, detect: async () => ({ observation: { kind: 'none' }, score: null, ms: 0 }) });

describe('presence pipeline (real ffmpeg, real face model)', () => {
  it('the face model sees the fixtures: a face looking, a face turned away, nobody', async () => {
    const d = await loadFaceDetector();
    const frame = (f: string) =>
      execFileSync('ffmpeg', ['-loglevel', 'error', '-i', path.join(FIX, f), '-vf', 'scale=320:240', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
    const face = await d.detect(frame('face.jpg'), 320, 240);
    const away = await d.detect(frame('away.jpg'), 320, 240);
    const empty = await d.detect(frame('empty.jpg'), 320, 240);
    expect(face.observation.kind).toBe('face');
    expect(away.observation.kind).toBe('face');
    expect(empty.observation.kind).toBe('none');
    const yaw = (r: typeof face) => (r.observation.kind === 'face' ? Math.abs(r.observation.yaw ?? NaN) : NaN);
    expect(yaw(face)).toBeLessThan(0.2);
    expect(yaw(away)).toBeGreaterThan(0.38);
    // The second pair sits closer to the 0.35 rad threshold (see the fixtures' README).
    expect(yaw(await d.detect(frame('face2.jpg'), 320, 240))).toBeLessThan(0.3);
    expect(yaw(await d.detect(frame('away2.jpg'), 320, 240))).toBeGreaterThanOrEqual(0.35);
  });

  it('an image sequence gives present/focused, absent after the face goes, back, distracted; one odd frame does not flip', async () => {
    // 4 frames a second; thresholds scaled to match (3 frames and 0.5 s instead of 3 frames and 4 s).
    const input = sequence('walk', 'FFFFFF' + 'E' + 'FFF' + 'A' + 'FFF' + 'EEEEEEEE' + 'FFFFFF' + 'AAAAAAAA' + 'FFFFFF');
    const { svc, context, events, states } = service({ fps: 4, thresholds: { absentMs: 500, awayMs: 500 } });
    const st = await svc.configure({ enabled: true, input });
    expect(st.enabled).toBe(true);
    expect(st.active).toBe(true);
    expect(st.error).toBeNull();
    // The file ends: ffmpeg exits and the status says so.
    await until(() => svc.status().error !== null, 30_000);
    expect(states()).toEqual(['present', 'focused', 'absent', 'present', 'focused', 'distracted', 'focused']);
    expect(context.presence?.state === 'focused' || context.presence === null).toBe(true);
    expect(svc.status().active).toBe(false);
    // Every frame counts: analysed by the model, or the same picture as the last analysed one.
    expect(svc.stats.analysed + svc.stats.unchanged).toBeGreaterThan(30);
    // The sequence repeats pictures: the change gate spared the model some (the states above show
    // every change still came through).
    expect(svc.stats.unchanged).toBeGreaterThan(0);
    // Only changes are sent: no two consecutive events carry the same status.
    for (let i = 1; i < events.length; i++) expect(events[i]).not.toEqual(events[i - 1]);
    await svc.stop();
  });

  it('a steady user is looked at half as often, and a change still comes through', async () => {
    const input = sequence('steady', 'F'.repeat(30) + 'E'.repeat(14));
    const { svc, states } = service({ fps: 4, thresholds: { absentMs: 500, awayMs: 500 } });
    await svc.configure({ enabled: true, input });
    await until(() => svc.status().error !== null, 30_000);
    expect(states()).toEqual(['present', 'focused', 'absent']);
    expect(svc.stats.skipped).toBeGreaterThanOrEqual(8);
    expect(svc.stats.analysed + svc.stats.unchanged + svc.stats.skipped + svc.stats.dropped).toBeLessThanOrEqual(svc.stats.frames);
    await svc.stop();
  });

  it('pausing, disabling and a long editor blur release the camera (ffmpeg exits)', async () => {
    const { svc } = service({ fps: 4, releaseAfterMs: 300 });
    await svc.configure({ enabled: true, input: path.join(FIX, 'face.jpg') });
    const pid1 = svc.ffmpegPid!;
    expect(pid1).toBeGreaterThan(0);
    expect(alive(pid1)).toBe(true);
    await until(() => svc.status().state === 'focused', 10_000);

    let st = await svc.configure({ paused: true });
    expect(st).toMatchObject({ enabled: true, paused: true, active: false, state: null });
    await until(() => !alive(pid1), 3000);

    st = await svc.configure({ paused: false });
    expect(st.active).toBe(true);
    const pid2 = svc.ffmpegPid!;
    expect(pid2).not.toBe(pid1);

    st = await svc.configure({ editorFocused: false });
    expect(st.active).toBe(true); // not at once
    await until(() => !svc.status().active, 3000);
    await until(() => !alive(pid2), 3000);
    st = await svc.configure({ editorFocused: true });
    expect(st.active).toBe(true);
    const pid3 = svc.ffmpegPid!;

    st = await svc.configure({ enabled: false });
    expect(st).toMatchObject({ enabled: false, active: false, state: null, error: null });
    await until(() => !alive(pid3), 3000);
    await svc.stop();
  });
});

describe('presence without a camera', () => {
  it('off by default', () => {
    const { svc } = service({}, fakeDetector);
    expect(svc.status()).toEqual({ enabled: false, active: false, paused: false, state: null, input: 'default', error: null });
  });

  it('a missing device gives camera_unavailable with what to do', async () => {
    const { svc, events } = service({}, fakeDetector);
    const st = await svc.configure({ enabled: true, input: '/dev/video9' });
    expect(st.active).toBe(false);
    expect(st.error?.code).toBe('camera_unavailable');
    expect(st.error?.message).toContain('/dev/video9');
    expect(st.error?.action).toMatch(/webcam|device|file/);
    expect(events.at(-1)?.error?.code).toBe('camera_unavailable');
    // Choosing another input retries.
    const again = await svc.configure({ input: path.join(FIX, 'face.jpg') });
    expect(again.error).toBeNull();
    expect(again.active).toBe(true);
    await svc.stop();
    expect(svc.status().active).toBe(false);
  });

  it('the default camera on Linux is /dev/video0 (v4l2); Windows needs a name', () => {
    expect(() => inputArgs('default', { fps: 2 / 3, platform: 'linux' })).toThrow(/video0/);
    expect(inputArgs('video=Integrated Camera', { fps: 2 / 3, platform: 'win32' })).toEqual(['-f', 'dshow', '-i', 'video=Integrated Camera']);
    expect(inputArgs('0', { fps: 2 / 3, platform: 'darwin' })).toEqual(['-f', 'avfoundation', '-framerate', '30', '-i', '0:none']);
    expect(() => inputArgs('default', { fps: 2 / 3, platform: 'win32' })).toThrow(/no default camera/);
    expect(inputArgs(path.join(FIX, 'face.jpg'), { fps: 2 / 3 })).toEqual(['-re', '-loop', '1', '-framerate', '2/3', '-i', path.join(FIX, 'face.jpg')]);
  });

  it('ffmpeg not on PATH gives camera_unavailable saying what to install', async () => {
    const saved = process.env.PATH;
    process.env.PATH = path.join(tmp, 'empty-path');
    try {
      const { svc } = service({}, fakeDetector);
      const st = await svc.configure({ enabled: true, input: path.join(FIX, 'face.jpg') });
      expect(st.active).toBe(false);
      expect(st.error).toMatchObject({ code: 'camera_unavailable' });
      expect(st.error?.message).toContain('ffmpeg was not found');
      expect(st.error?.action).toContain('apt install ffmpeg');
      await svc.stop();
    } finally {
      process.env.PATH = saved;
    }
  });
});
