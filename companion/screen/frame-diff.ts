// Cheap change detection for screen understanding (split out of image.ts, issue 14): frames are
// compared on block-mean thumbnails, cell by cell, so OCR only runs on frames that changed, and
// only on the region that changed (`changedRegion`), ignoring a blinking cursor or a ticking
// clock. Pure functions on 8-bit gray images (image.ts).
import { crop, resizeTo, type Gray, type Rect } from './image';

/**
 * Thresholds for `frameDiff`. A frame is cut into a 64x36 grid (30x30 px cells at 1920x1080);
 * a cell's score is the mean absolute pixel difference inside it (for two full frames) or the
 * difference of its block means (when given two thumbnails, which cannot see text replaced by
 * text of the same ink density). A blinking 2x17 px text cursor scores ~7.5, one changed digit
 * of a 12 px clock ~4-5, so `cellThreshold` 10 ignores both; a changed word or a new output line
 * scores 20-60 in every cell it touches. Raise/lower `cellThreshold` to tune.
 */
interface FrameDiffSettings {
  thumbWidth: number;
  thumbHeight: number;
  cellThreshold: number;
  minChangedCells: number;
  regionPadding: number;
}

export const FRAME_DIFF_DEFAULTS: Readonly<FrameDiffSettings> = Object.freeze({
  thumbWidth: 64,
  thumbHeight: 36,
  /** A cell counts as changed when its score exceeds this (0..255). */
  cellThreshold: 10,
  /** The frame counts as changed when at least this many cells changed. */
  minChangedCells: 1,
  /** Padding (pixels of the full frame) added around the changed bbox by `changedRegion`. */
  regionPadding: 8,
});

type FrameDiffOptions = Partial<FrameDiffSettings>;

/** Block means: `w` x `h` cells, each the average of its area of `g`. */
export function thumbnail(g: Gray, w: number = FRAME_DIFF_DEFAULTS.thumbWidth, h: number = FRAME_DIFF_DEFAULTS.thumbHeight): Gray {
  return resizeTo(g, Math.min(w, g.width), Math.min(h, g.height));
}

interface FrameDiff {
  changed: boolean;
  /** Fraction of grid cells that changed, 0..1. */
  changedFraction: number;
  /** Changed area in the pixel coordinates of `b` (whole cells), or null when nothing changed. */
  bbox: Rect | null;
}

/** Per-cell scores of two same-sized images on a gw x gh grid (see FRAME_DIFF_DEFAULTS). */
function cellScores(a: Gray, b: Gray, gw: number, gh: number): Float64Array {
  const scores = new Float64Array(gw * gh);
  if (a.width <= gw && a.height <= gh) {
    for (let i = 0; i < scores.length && i < a.data.length; i++) scores[i] = Math.abs(a.data[i] - b.data[i]);
    return scores;
  }
  const counts = new Float64Array(gw * gh);
  const cx = new Uint32Array(b.width);
  for (let x = 0; x < b.width; x++) cx[x] = Math.min(gw - 1, Math.floor((x * gw) / b.width));
  for (let y = 0; y < b.height; y++) {
    const row = Math.min(gh - 1, Math.floor((y * gh) / b.height)) * gw;
    const off = y * b.width;
    for (let x = 0; x < b.width; x++) {
      const d = a.data[off + x] - b.data[off + x];
      scores[row + cx[x]] += d < 0 ? -d : d;
    }
    for (let x = 0; x < b.width; x++) counts[row + cx[x]]++;
  }
  for (let i = 0; i < scores.length; i++) scores[i] = counts[i] ? scores[i] / counts[i] : 0;
  return scores;
}

/**
 * Compares two frames (or two thumbnails) cell by cell. Frames of different sizes are entirely
 * changed. About 20 ms for two 1920x1080 frames (6 ms for thumbnails).
 */
export function frameDiff(a: Gray, b: Gray, opts: FrameDiffOptions = {}): FrameDiff {
  const o = { ...FRAME_DIFF_DEFAULTS, ...opts };
  if (a.width !== b.width || a.height !== b.height) {
    return { changed: true, changedFraction: 1, bbox: { x: 0, y: 0, width: b.width, height: b.height } };
  }
  const gw = Math.min(o.thumbWidth, b.width);
  const gh = Math.min(o.thumbHeight, b.height);
  const scores = cellScores(a, b, gw, gh);
  let count = 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      if (scores[y * gw + x] > o.cellThreshold) {
        count++;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  const changed = count > 0 && count >= o.minChangedCells;
  const changedFraction = count / (gw * gh);
  if (!changed) return { changed, changedFraction, bbox: null };
  const sx = b.width / gw;
  const sy = b.height / gh;
  const bx = Math.floor(x0 * sx);
  const by = Math.floor(y0 * sy);
  return {
    changed,
    changedFraction,
    bbox: { x: bx, y: by, width: Math.min(b.width, Math.ceil((x1 + 1) * sx)) - bx, height: Math.min(b.height, Math.ceil((y1 + 1) * sy)) - by },
  };
}

/**
 * The part of `next` worth OCRing: the whole frame when there is no previous one, null when
 * nothing changed, else the changed bbox (padded). `rect` is where the region sits in `next`.
 */
export function changedRegion(prev: Gray | null, next: Gray, opts: FrameDiffOptions = {}): { rect: Rect; image: Gray } | null {
  const full = { x: 0, y: 0, width: next.width, height: next.height };
  if (!prev) return { rect: full, image: next };
  const d = frameDiff(prev, next, opts);
  if (!d.changed || !d.bbox) return null;
  const pad = opts.regionPadding ?? FRAME_DIFF_DEFAULTS.regionPadding;
  const x = Math.max(0, d.bbox.x - pad);
  const y = Math.max(0, d.bbox.y - pad);
  const rect = { x, y, width: Math.min(next.width, d.bbox.x + d.bbox.width + pad) - x, height: Math.min(next.height, d.bbox.y + d.bbox.height + pad) - y };
  return { rect, image: rect.width === next.width && rect.height === next.height ? next : crop(next, rect) };
}
