// The images inside an imported avatar: their size read from their own bytes (a texture's header
// says its width and height, which is all the limits need), a full PNG check for sprite frames
// (pngjs decodes it, CRCs and all), and the small thumbnail the picker shows. No native image
// library: pngjs is already a dependency (screen/image.ts); a JPEG is measured, never decoded.
import { PNG } from 'pngjs';

export type ImageType = 'png' | 'jpeg' | 'webp' | 'ktx2';

export interface ImageInfo {
  type: ImageType;
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(buf: Uint8Array): boolean {
  return buf.length >= 8 && Buffer.from(buf.buffer, buf.byteOffset, 8).equals(PNG_SIGNATURE);
}

/** Width and height from a PNG's IHDR, a JPEG's start-of-frame or a WebP's header; null when the bytes do not say. */
export function imageInfo(bytes: Uint8Array): ImageInfo | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isPng(buf)) {
    if (buf.length < 24 || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
    return { type: 'png', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) return jpegInfo(buf);
  if (buf.length >= 30 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return webpInfo(buf);
  if (buf.length >= 28 && buf.toString('latin1', 1, 7) === 'KTX 20') return { type: 'ktx2', width: buf.readUInt32LE(20), height: buf.readUInt32LE(24) };
  return null;
}

function jpegInfo(buf: Buffer): ImageInfo | null {
  let i = 2;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1]!;
    // Fill bytes, and markers without a length.
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const length = buf.readUInt16BE(i + 2);
    if (length < 2) return null;
    // Start of frame (baseline, progressive, ...): height then width. C4, C8 and CC are not frames.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > buf.length) return null;
      return { type: 'jpeg', height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + length;
  }
  return null;
}

function webpInfo(buf: Buffer): ImageInfo | null {
  const chunk = buf.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { type: 'webp', width: 1 + buf.readUIntLE(24, 3), height: 1 + buf.readUIntLE(27, 3) };
  if (chunk === 'VP8 ') return { type: 'webp', width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = buf.readUInt32LE(21);
    return { type: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return null;
}

/** Decodes a whole PNG (every chunk's CRC, the image data); the error says what is wrong with it. */
export function decodePng(bytes: Uint8Array): PNG {
  if (!isPng(bytes)) throw new Error('it is not a PNG image (its first bytes are not the PNG signature)');
  try {
    return PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new Error(`it is not a valid PNG image (${(err as Error).message})`);
  }
}

/** The edge of a thumbnail, in pixels. */
export const THUMBNAIL_EDGE = 256;
/** A thumbnail kept as it came (a JPEG we cannot decode) may be at most this large. */
export const THUMBNAIL_RAW_MAX = 2_000_000;

/**
 * A PNG thumbnail no larger than THUMBNAIL_EDGE on its longer side (box-filtered, so a large
 * texture does not alias), or the image as it is when it is small already. A JPEG or WebP cannot
 * be decoded here: kept as it is when under THUMBNAIL_RAW_MAX, else no thumbnail (null).
 */
export function makeThumbnail(bytes: Uint8Array): { bytes: Buffer; type: ImageType } | null {
  const info = imageInfo(bytes);
  if (!info || info.type === 'ktx2') return null;
  if (info.type !== 'png') return bytes.byteLength <= THUMBNAIL_RAW_MAX ? { bytes: Buffer.from(bytes), type: info.type } : null;
  let png: PNG;
  try {
    png = decodePng(bytes);
  } catch {
    return null;
  }
  if (png.width <= THUMBNAIL_EDGE && png.height <= THUMBNAIL_EDGE) return { bytes: Buffer.from(bytes), type: 'png' };
  const scale = THUMBNAIL_EDGE / Math.max(png.width, png.height);
  const w = Math.max(1, Math.round(png.width * scale));
  const h = Math.max(1, Math.round(png.height * scale));
  const out = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y / scale);
    const y1 = Math.min(png.height, Math.max(y0 + 1, Math.floor((y + 1) / scale)));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x / scale);
      const x1 = Math.min(png.width, Math.max(x0 + 1, Math.floor((x + 1) / scale)));
      const sum = [0, 0, 0, 0];
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const i = (sy * png.width + sx) * 4;
          for (let c = 0; c < 4; c++) sum[c]! += png.data[i + c]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 4;
      for (let c = 0; c < 4; c++) out.data[o + c] = Math.round(sum[c]! / n);
    }
  }
  return { bytes: PNG.sync.write(out), type: 'png' };
}

/**
 * A drawn thumbnail for a model without any image (a bust's outline in its colour): Node cannot
 * render the model itself, and the picker should still show something that is not the default.
 */
export function drawnThumbnail(color: [number, number, number] | null): Buffer {
  const edge = 128;
  const [r, g, b] = (color ?? [0.55, 0.45, 0.75]).map((v) => Math.round(v * 255)) as [number, number, number];
  const out = new PNG({ width: edge, height: edge });
  for (let y = 0; y < edge; y++) {
    for (let x = 0; x < edge; x++) {
      const head = (x - 64) ** 2 + (y - 50) ** 2 <= 26 ** 2;
      const body = y >= 86 && ((x - 64) / 52) ** 2 + ((y - 128) / 42) ** 2 <= 1;
      const o = (y * edge + x) * 4;
      out.data[o] = head || body ? r : 0;
      out.data[o + 1] = head || body ? g : 0;
      out.data[o + 2] = head || body ? b : 0;
      out.data[o + 3] = head || body ? 255 : 0;
    }
  }
  return PNG.sync.write(out);
}
