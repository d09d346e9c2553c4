// The presence change gate (companion/presence/frames.ts): a frame that shows the same picture as
// the last analysed one, sensor noise aside, skips the face model; any change the model would
// see (a head turning, a person leaving or coming back) goes through. Frames are the real
// fixtures scaled by real ffmpeg as the service gets them, noise added by ffmpeg's noise filter
// (as a webcam's sensor makes it: new every frame).
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCK_DELTA, changedBlocks, FRAME_BYTES, frameSignature, samePicture, UNCHANGED_BLOCKS } from '../companion/presence/frames';

const FIX = path.join(__dirname, 'fixtures', 'presence');
const ffmpeg = spawnSync('ffmpeg', ['-version']);
const missing = ffmpeg.error ? `ffmpeg is not available: ${ffmpeg.error.message}` : null;

/** One frame of a fixture through ffmpeg's filters `vf`, as raw RGB. */
function ffmpegFrame(file: string, vf: string): Buffer {
  return execFileSync('ffmpeg', ['-loglevel', 'error', '-i', path.join(FIX, file), '-vf', vf, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
}

/** A fixture as the service sees it (320x240 RGB), with temporal noise of `strength` (seeded) if asked. */
function frame(file: string, noise = 0, seed = 1): Buffer {
  const vf = noise ? `scale=320:240,noise=alls=${noise}:allf=t:all_seed=${seed}` : 'scale=320:240';
  const out = ffmpegFrame(file, vf);
  expect(out.length).toBe(FRAME_BYTES);
  return out;
}

describe.skipIf(missing !== null)('the presence change gate', () => {
  it('the same picture through sensor noise is the same picture', () => {
    const clean = frameSignature(frame('face.jpg'));
    for (const [noise, seed] of [
      [4, 1],
      [8, 2],
      [12, 3],
    ] as const) {
      const a = frameSignature(frame('face.jpg', noise, seed));
      const b = frameSignature(frame('face.jpg', noise, seed + 10));
      expect(samePicture(a, b), `noise ${noise}`).toBe(true);
      expect(samePicture(a, clean), `noise ${noise} vs clean`).toBe(true);
    }
  });

  it.each([
    ['face.jpg', 'away.jpg', 'a head turning away'],
    ['face2.jpg', 'away2.jpg', 'a head turning a little (near the yaw threshold)'],
    ['face.jpg', 'empty.jpg', 'the person leaving'],
    ['empty.jpg', 'face.jpg', 'the person coming back'],
    ['away.jpg', 'face.jpg', 'a head turning back'],
  ])('%s -> %s (%s) is a change, also through noise', (from, to) => {
    const changed = changedBlocks(frameSignature(frame(from, 8, 1)), frameSignature(frame(to, 8, 2)), BLOCK_DELTA);
    expect(changed).toBeGreaterThanOrEqual(3 * UNCHANGED_BLOCKS);
  });
});

describe.skipIf(missing !== null)('the presence change gate, small changes', () => {
  /** face.jpg as the service sees it, through more ffmpeg filters. */
  const face = (extra = '') => frameSignature(ffmpegFrame('face.jpg', `scale=320:240${extra}`));

  // The fixture pairs above are different shots (a thousand blocks change); these are the same
  // shot with less changed: the head (and the whole picture) moved by 2 pixels, a 32x32 patch
  // (an eye and a brow at this size) changed.
  it('the picture moving by 2 pixels is a change', () => {
    expect(changedBlocks(face(), face(',crop=318:240:2:0,pad=320:240:0:0'), BLOCK_DELTA)).toBeGreaterThanOrEqual(10 * UNCHANGED_BLOCKS);
  });

  it('a 32x32-pixel patch changing is a change', () => {
    expect(samePicture(face(), face(',drawbox=x=140:y=90:w=32:h=32:color=black:t=fill'))).toBe(false);
  });
});

describe('the frame signature', () => {
  it('is the mean brightness of each 8x8 block (r+g+b summed), so identical frames match exactly', () => {
    const rgb = new Uint8Array(FRAME_BYTES).fill(10);
    const sig = frameSignature(rgb);
    expect(sig.length).toBe(1200);
    expect([...new Set(sig)]).toEqual([10 * 3 * 64]);
    const other = new Uint8Array(rgb);
    // One block (the top-left 8x8 pixels) brighter by 20 levels: one changed block.
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8 * 3; x++) other[y * 320 * 3 + x] = 30;
    expect(changedBlocks(sig, frameSignature(other), BLOCK_DELTA)).toBe(1);
    expect(samePicture(sig, frameSignature(other))).toBe(true);
  });
});
