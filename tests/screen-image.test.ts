import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  changedRegion,
  crop,
  decodeImage,
  encodePgm,
  encodePng,
  FRAME_DIFF_DEFAULTS,
  frameDiff,
  invert,
  isDark,
  OCR_PREPROCESS_DEFAULTS,
  preprocess,
  resize,
  stretchContrast,
  thumbnail,
  type Gray,
} from '../companion/screen/image';

const FIXTURES = path.join(__dirname, 'fixtures', 'screen');
const fixture = (name: string): Gray => decodeImage(readFileSync(path.join(FIXTURES, name)));

function gray(width: number, height: number, f: (x: number, y: number) => number): Gray {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data };
}

describe('decodeImage / encode', () => {
  it('round-trips gray through PGM and PNG', () => {
    const g = gray(37, 11, (x, y) => (x * 7 + y * 13) % 256);
    const pgm = encodePgm(g);
    expect(pgm.subarray(0, 12).toString('ascii')).toBe('P5\n37 11\n255');
    expect(decodeImage(pgm)).toEqual(g);
    expect(decodeImage(encodePng(g))).toEqual(g);
  });

  it('decodes an RGBA PNG to luma (alpha over white) and a binary PPM', () => {
    const png = new PNG({ width: 3, height: 1 });
    png.data.set([255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 0, 0]);
    const g = decodeImage(PNG.sync.write(png));
    expect(Array.from(g.data)).toEqual([76, 29, 255]);
    const ppm = Buffer.concat([Buffer.from('P6\n# comment\n2 1\n255\n'), Buffer.from([0, 255, 0, 10, 10, 10])]);
    expect(Array.from(decodeImage(ppm).data)).toEqual([150, 10]);
  });

  it('rejects JPEG and unknown data with the supported formats named', () => {
    expect(() => decodeImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toThrow(/JPEG.*not supported.*PNG.*PGM.*PPM/);
    expect(() => decodeImage(Buffer.from('hello world'))).toThrow(/supported formats are PNG/);
  });

  it('decodes the 1920x1080 fixtures', () => {
    const g = fixture('editor-light-14.png');
    expect([g.width, g.height]).toEqual([1920, 1080]);
  });
});

describe('resize', () => {
  it('produces the scaled sizes', () => {
    const g = gray(1920, 1080, (x) => x & 255);
    for (const s of [0.5, 0.75, 1, 1.5, 2]) {
      const r = resize(g, s);
      expect([r.width, r.height]).toEqual([Math.round(1920 * s), Math.round(1080 * s)]);
      expect(r.data.length).toBe(r.width * r.height);
    }
  });

  it('area-averages down and interpolates up without drifting levels', () => {
    const checker = gray(8, 8, (x, y) => ((x + y) % 2 ? 255 : 0));
    const half = resize(checker, 0.5);
    expect(Array.from(half.data).every((v) => v === 128 || v === 127)).toBe(true);
    const flat = resize(
      gray(10, 10, () => 77),
      2,
    );
    expect(Array.from(flat.data).every((v) => v === 77)).toBe(true);
    const ramp = resize(
      gray(4, 1, (x) => x * 60),
      2,
    );
    for (let i = 1; i < ramp.width; i++) expect(ramp.data[i]).toBeGreaterThanOrEqual(ramp.data[i - 1]);
  });
});

describe('contrast, darkness, inversion', () => {
  it('stretches a low-contrast image to the full range', () => {
    const g = gray(100, 100, (x) => 100 + Math.floor(x / 2)); // 100..149
    const s = stretchContrast(g);
    expect(Math.min(...s.data)).toBe(0);
    expect(Math.max(...s.data)).toBe(255);
  });

  it('stretches dim text on a mostly-background screen (percentiles collapse)', () => {
    // 0.2 % of pixels are text at level 150 on a 30 background.
    const g = gray(500, 100, (x, y) => (x < 10 && y < 10 ? 150 : 30));
    const s = stretchContrast(g);
    expect(s.data[0]).toBe(255);
    expect(s.data[499]).toBe(0);
  });

  it('leaves a flat image alone', () => {
    const g = gray(10, 10, () => 200);
    expect(stretchContrast(g)).toEqual(g);
  });

  it('tells dark themes from light ones and inverts', () => {
    expect(isDark(fixture('traceback-dark-14.png'))).toBe(true);
    expect(isDark(fixture('traceback-light-14.png'))).toBe(false);
    expect(isDark(fixture('browser-dark-12.png'))).toBe(true);
    const g = gray(3, 1, (x) => x * 100);
    expect(Array.from(invert(g).data)).toEqual([255, 155, 55]);
    expect(isDark(invert(fixture('npm-dark-12.png')))).toBe(false);
  });

  it('preprocess applies the defaults', () => {
    const g = fixture('traceback-dark-12-crop.png');
    const p = preprocess(g);
    expect(p.width).toBe(Math.round(g.width * OCR_PREPROCESS_DEFAULTS.scale));
    if (OCR_PREPROCESS_DEFAULTS.invertDark) expect(isDark(p)).toBe(false);
  });
});

describe('change detection', () => {
  const base = fixture('npm-light-14.png');

  it('thumbnails are block means', () => {
    const t = thumbnail(gray(128, 72, (x) => (x < 64 ? 0 : 200)));
    expect([t.width, t.height]).toEqual([64, 36]);
    expect(t.data[0]).toBe(0);
    expect(t.data[63]).toBe(200);
  });

  it('identical frames are unchanged', () => {
    const d = frameDiff(base, { ...base, data: base.data.slice() });
    expect(d).toEqual({ changed: false, changedFraction: 0, bbox: null });
    expect(changedRegion(base, base)).toBeNull();
    expect(changedRegion(null, base)?.rect).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
  });

  it('a small text change is found with a bbox around it', () => {
    // Copy a word-sized patch of one text line over another line: x 18..218, one 20 px line.
    const next = { ...base, data: base.data.slice() };
    const src = { x: 18, y: 10 + 20 * 5 };
    const dst = { x: 18, y: 10 + 20 * 12 + 60 };
    for (let y = 0; y < 20; y++) next.data.set(base.data.subarray((src.y + y) * 1920 + src.x, (src.y + y) * 1920 + src.x + 200), (dst.y + y) * 1920 + dst.x);
    const d = frameDiff(base, next);
    expect(d.changed).toBe(true);
    expect(d.changedFraction).toBeGreaterThan(0);
    expect(d.changedFraction).toBeLessThan(0.02);
    // The bbox (whole 30 px cells) lies around the pasted patch (identical leading characters,
    // such as a shared "npm ERR!" prefix, need not be inside it).
    const b = d.bbox!;
    expect(b.x).toBeGreaterThanOrEqual(dst.x - 30);
    expect(b.y).toBeGreaterThanOrEqual(dst.y - 30);
    expect(b.x + b.width).toBeLessThanOrEqual(dst.x + 200 + 30);
    expect(b.y + b.height).toBeLessThanOrEqual(dst.y + 20 + 30);
    expect(b.width).toBeGreaterThanOrEqual(60);
    expect(b.height).toBeGreaterThanOrEqual(20);
    const region = changedRegion(base, next)!;
    expect(region.image.width).toBe(region.rect.width);
    expect(region.image).toEqual(crop(next, region.rect));
  });

  it('global brightness noise below the threshold is unchanged', () => {
    let seed = 1;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const noisy = { ...base, data: base.data.map((v) => Math.max(0, Math.min(255, v - 4 + Math.round((rnd() - 0.5) * 16)))) };
    const d = frameDiff(base, noisy);
    expect(d.changed).toBe(false);
    expect(d.bbox).toBeNull();
  });

  it('a blinking text cursor stays below the default cell threshold', () => {
    const next = { ...base, data: base.data.slice() };
    for (let y = 400; y < 417; y++) for (let x = 600; x < 602; x++) next.data[y * 1920 + x] = 0;
    expect(frameDiff(base, next).changed).toBe(false);
    expect(frameDiff(base, next, { cellThreshold: 2 }).changed).toBe(true);
    expect(FRAME_DIFF_DEFAULTS.cellThreshold).toBeGreaterThan(2);
  });

  it('frames of different sizes are entirely changed', () => {
    const d = frameDiff(
      base,
      gray(10, 10, () => 0),
    );
    expect(d).toEqual({ changed: true, changedFraction: 1, bbox: { x: 0, y: 0, width: 10, height: 10 } });
  });
});
