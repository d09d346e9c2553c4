// Pure image helpers for screen understanding: decode a screenshot to 8-bit gray, prepare it for
// OCR (scale, contrast, dark-theme inversion), encode it as binary PGM (what tesseract.js reads
// fastest). Cheap change detection on block-mean thumbnails, so OCR only runs on frames (and
// regions) that changed, is frame-diff.ts's (re-exported here). No native dependencies: PNG
// decoding is pngjs.
import { PNG } from 'pngjs';

export { changedRegion, FRAME_DIFF_DEFAULTS, frameDiff, thumbnail } from './frame-diff';

/** An 8-bit grayscale image, row-major, `data.length === width * height`. */
export interface Gray {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const SUPPORTED = 'PNG, binary PGM (P5) and binary PPM (P6)';

/** ITU-R BT.601 luma of an RGB triple, rounded, 0..255. */
function luma(r: number, g: number, b: number): number {
  return ((299 * r + 587 * g + 114 * b + 500) / 1000) | 0;
}

/**
 * Decodes a PNG (any bit depth / colour type pngjs reads) or a binary PGM/PPM to gray luma.
 * Transparent pixels are composited over white. Anything else (JPEG, BMP, ...) is a clear Error.
 */
export function decodeImage(buf: Buffer): Gray {
  if (buf.length >= 8 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47) {
    const png = PNG.sync.read(buf);
    const { width, height, data: rgba } = png;
    const out = new Uint8Array(width * height);
    for (let i = 0, p = 0; p < out.length; i += 4, p++) {
      const a = rgba[i + 3];
      const y = luma(rgba[i], rgba[i + 1], rgba[i + 2]);
      out[p] = a === 255 ? y : ((y * a + 255 * (255 - a) + 127) / 255) | 0;
    }
    return { width, height, data: out };
  }
  if (buf.length >= 2 && buf[0] === 0x50 && (buf[1] === 0x35 || buf[1] === 0x36)) return decodePnm(buf);
  const what = buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff ? 'JPEG images are not supported' : 'Unrecognised image format';
  throw new Error(`${what}; supported formats are ${SUPPORTED}.`);
}

function decodePnm(buf: Buffer): Gray {
  const channels = buf[1] === 0x36 ? 3 : 1;
  // Header: magic, width, height, maxval separated by whitespace (with # comments), then one
  // whitespace byte, then the raster.
  const fields: number[] = [];
  let i = 2;
  while (fields.length < 3) {
    if (i >= buf.length) throw new Error(`Truncated PGM/PPM header; supported formats are ${SUPPORTED}.`);
    const c = buf[i];
    if (c === 0x23) {
      while (i < buf.length && buf[i] !== 0x0a) i++;
    } else if (c >= 0x30 && c <= 0x39) {
      let n = 0;
      while (i < buf.length && buf[i] >= 0x30 && buf[i] <= 0x39) n = n * 10 + buf[i++] - 0x30;
      fields.push(n);
      continue;
    } else if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) {
      throw new Error(`Malformed PGM/PPM header; supported formats are ${SUPPORTED}.`);
    }
    i++;
  }
  i++; // the single whitespace byte after maxval
  const [width, height, maxval] = fields;
  if (maxval < 1 || maxval > 255) throw new Error(`Only 8-bit PGM/PPM is supported (maxval ${maxval}); supported formats are ${SUPPORTED}.`);
  const n = width * height;
  if (buf.length - i < n * channels) throw new Error('Truncated PGM/PPM raster.');
  const out = new Uint8Array(n);
  const k = 255 / maxval;
  if (channels === 1) {
    for (let p = 0; p < n; p++) out[p] = maxval === 255 ? buf[i + p] : Math.round(buf[i + p] * k);
  } else {
    for (let p = 0, j = i; p < n; p++, j += 3) out[p] = Math.min(255, Math.round(luma(buf[j], buf[j + 1], buf[j + 2]) * k));
  }
  return { width, height, data: out };
}

/** Binary PGM (P5): what tesseract.js reads fastest (about half the time of a PNG). */
export function encodePgm(g: Gray): Buffer {
  const header = Buffer.from(`P5\n${g.width} ${g.height}\n255\n`, 'ascii');
  return Buffer.concat([header, Buffer.from(g.data.buffer, g.data.byteOffset, g.data.byteLength)]);
}

/** 8-bit grayscale PNG (for fixtures and debugging). */
export function encodePng(g: Gray): Buffer {
  const png = new PNG({ width: g.width, height: g.height });
  for (let p = 0, i = 0; p < g.data.length; p++, i += 4) {
    png.data[i] = png.data[i + 1] = png.data[i + 2] = g.data[p];
    png.data[i + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: 0 });
}

/** Resizes to `scale` times the size: area average when shrinking, bilinear when enlarging. */
export function resize(g: Gray, scale: number): Gray {
  if (!(scale > 0)) throw new Error(`resize: scale must be > 0 (got ${scale})`);
  return resizeTo(g, Math.max(1, Math.round(g.width * scale)), Math.max(1, Math.round(g.height * scale)));
}

/** Resizes to exactly `width` x `height` (each axis: area average down, bilinear up). */
export function resizeTo(g: Gray, width: number, height: number): Gray {
  if (width === g.width && height === g.height) return { width, height, data: g.data.slice() };
  // Separable: horizontal pass into floats, then vertical pass.
  const tmp = new Float32Array(width * g.height);
  const hx = axisWeights(g.width, width);
  for (let y = 0; y < g.height; y++) {
    const row = y * g.width;
    const orow = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      const { start, w } = hx[x];
      for (let k = 0; k < w.length; k++) s += g.data[row + start + k] * w[k];
      tmp[orow + x] = s;
    }
  }
  const out = new Uint8Array(width * height);
  const vy = axisWeights(g.height, height);
  for (let y = 0; y < height; y++) {
    const { start, w } = vy[y];
    const orow = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = 0; k < w.length; k++) s += tmp[(start + k) * width + x] * w[k];
      out[orow + x] = s <= 0 ? 0 : s >= 255 ? 255 : (s + 0.5) | 0;
    }
  }
  return { width, height, data: out };
}

/** For each output sample along one axis: the first source index and the weights from there. */
function axisWeights(src: number, dst: number): { start: number; w: Float32Array }[] {
  const out: { start: number; w: Float32Array }[] = [];
  const ratio = src / dst;
  for (let i = 0; i < dst; i++) {
    if (dst <= src) {
      // Area average over the source interval [i*ratio, (i+1)*ratio).
      const a = i * ratio;
      const b = Math.min(src, (i + 1) * ratio);
      const start = Math.floor(a);
      const end = Math.ceil(b);
      const w = new Float32Array(end - start);
      for (let k = start; k < end; k++) w[k - start] = (Math.min(b, k + 1) - Math.max(a, k)) / (b - a);
      out.push({ start, w });
    } else {
      // Bilinear, pixel centres aligned.
      const c = Math.min(src - 1, Math.max(0, (i + 0.5) * ratio - 0.5));
      const start = Math.min(src - 1, Math.floor(c));
      const f = c - start;
      out.push(start + 1 < src ? { start, w: Float32Array.of(1 - f, f) } : { start, w: Float32Array.of(1) });
    }
  }
  return out;
}

function histogram(g: Gray): Uint32Array {
  const h = new Uint32Array(256);
  for (let i = 0; i < g.data.length; i++) h[g.data[i]]++;
  return h;
}

/**
 * Linear contrast stretch between the `low` and `high` percentiles (fractions, default 1st and
 * 99th). Screens are mostly background, so when the percentiles collapse onto the background
 * the darkest/lightest levels that still hold `minCount` pixels are used instead; a flat image
 * is returned unchanged.
 */
export function stretchContrast(g: Gray, low = 0.01, high = 0.99): Gray {
  const h = histogram(g);
  const n = g.data.length;
  const pick = (q: number): number => {
    const target = q * n;
    let acc = 0;
    for (let v = 0; v < 256; v++) {
      acc += h[v];
      if (acc > target) return v;
    }
    return 255;
  };
  let lo = pick(low);
  let hi = pick(high);
  if (hi - lo < 32) {
    // Percentiles collapsed onto the background: fall back to the extreme levels that hold a
    // few pixels (ignoring single-pixel outliers).
    const minCount = Math.max(1, Math.floor(n * 0.0005));
    lo = 0;
    while (lo < 255 && h[lo] < minCount) lo++;
    hi = 255;
    while (hi > 0 && h[hi] < minCount) hi--;
  }
  if (hi - lo < 8) return { width: g.width, height: g.height, data: g.data.slice() };
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = v <= lo ? 0 : v >= hi ? 255 : Math.round(((v - lo) * 255) / (hi - lo));
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = lut[g.data[i]];
  return { width: g.width, height: g.height, data: out };
}

/**
 * Whether the image is light text on a dark background: the dominant level (the background of a
 * screen) is below mid-gray; with no clearly dominant level the mean luma decides.
 */
export function isDark(g: Gray): boolean {
  const h = histogram(g);
  const bins = new Uint32Array(16);
  for (let v = 0; v < 256; v++) bins[v >> 4] += h[v];
  let best = 0;
  for (let b = 1; b < 16; b++) if (bins[b] > bins[best]) best = b;
  if (bins[best] >= g.data.length * 0.3) return best < 8;
  let sum = 0;
  for (let v = 0; v < 256; v++) sum += v * h[v];
  return sum / Math.max(1, g.data.length) < 128;
}

export function invert(g: Gray): Gray {
  const out = new Uint8Array(g.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 255 - g.data[i];
  return { width: g.width, height: g.height, data: out };
}

/** A copy of the `r` part of `g` (clamped to the image). */
export function crop(g: Gray, r: Rect): Gray {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(g.width, Math.ceil(r.x + r.width));
  const y1 = Math.min(g.height, Math.ceil(r.y + r.height));
  const width = Math.max(0, x1 - x0);
  const height = Math.max(0, y1 - y0);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) out.set(g.data.subarray((y0 + y) * g.width + x0, (y0 + y) * g.width + x0 + width), y * width);
  return { width, height, data: out };
}

export interface PreprocessOptions {
  /** Resize factor applied before OCR (1 = as captured). */
  scale: number;
  /** Percentile contrast stretch. */
  contrast: boolean;
  /** Invert light-on-dark images so tesseract sees dark text on light. */
  invertDark: boolean;
}

/**
 * Chosen by `node bench/ocr-accuracy.mjs` over the 33 fixtures in tests/fixtures/screen
 * (1920x1080 editor / terminal / npm / browser / test-runner screens, 16 light and 17 dark,
 * 12-16 px, plus 3 crops); tesseract.js 7 LSTM best_int; 2 cores, measured 2026-11-21:
 *
 *   variant                    chars  light  dark   phrases light  dark   ms/1080p
 *   raw gray                   95.3%  95.8%  94.8%  93.3%   96.1%  90.7%  772
 *   gray+contrast              86.1%  83.8%  88.4%  82.9%   78.4%  87.0%  702
 *   gray+invert-dark           95.3%  95.8%  94.8%  93.3%   96.1%  90.7%  531
 *   gray+contrast+invert-dark  86.2%  83.8%  88.4%  82.9%   78.4%  87.0%  622
 *   invert-dark x0.5           27.5%  27.0%  28.0%   0.0%    0.0%   0.0%  319
 *   invert-dark x0.75          90.6%  91.1%  90.2%  68.6%   68.6%  68.5%  503
 *   invert-dark x1.25          96.4%  96.7%  96.1%  92.4%   92.2%  92.6%  770
 *   invert-dark x1.5           96.6%  96.9%  96.2%  96.2%   96.1%  96.3%  888   <- chosen
 *   invert-dark x2             96.7%  97.4%  96.1%  94.3%   94.1%  94.4%  1153
 *
 * The percentile contrast stretch hurts (it saturates anti-aliased glyph edges) and is off.
 * Inverting dark themes gives the same text (tesseract inverts lines itself) but was faster in
 * this run (531 vs 772 ms; timings on a shared machine are noisy). Upscaling 1.5x catches the
 * 12 px text that scale 1 misses, at ~+300 ms per frame, within the 1.5 s budget.
 */
export const OCR_PREPROCESS_DEFAULTS: Readonly<PreprocessOptions> = Object.freeze({ scale: 1.5, contrast: false, invertDark: true });

/** The OCR input pipeline: optional dark-theme inversion, contrast stretch, then scaling. */
export function preprocess(g: Gray, opts: Partial<PreprocessOptions> = {}): Gray {
  const o = { ...OCR_PREPROCESS_DEFAULTS, ...opts };
  let out = g;
  if (o.invertDark && isDark(out)) out = invert(out);
  if (o.contrast) out = stretchContrast(out);
  if (o.scale !== 1) out = resize(out, o.scale);
  return out;
}
