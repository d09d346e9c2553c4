// Decoding the uncompressed BMP frames ImageMagick's `import` writes (Linux capture) straight to
// grayscale: 24- and 32-bit BI_RGB or BI_BITFIELDS, bottom-up or top-down rows. Anything else is
// refused with a message naming what is supported.
import type { Gray } from './image';

export function isBmp(buf: Uint8Array): boolean {
  return buf.length > 54 && buf[0] === 0x42 && buf[1] === 0x4d;
}

export function decodeBmpGray(buf: Buffer): Gray {
  if (!isBmp(buf)) throw new Error('Not a BMP image.');
  const dataOffset = buf.readUInt32LE(10);
  const headerSize = buf.readUInt32LE(14);
  const width = buf.readInt32LE(18);
  const rawHeight = buf.readInt32LE(22);
  const bpp = buf.readUInt16LE(28);
  const compression = headerSize >= 40 ? buf.readUInt32LE(30) : 0;
  if (bpp !== 24 && bpp !== 32) throw new Error(`Unsupported BMP: ${bpp} bits per pixel (24 and 32 are supported).`);
  if (compression !== 0 && compression !== 3) throw new Error(`Unsupported BMP compression ${compression} (only uncompressed).`);
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0 || width > 20_000 || height > 20_000) throw new Error(`Implausible BMP size ${width}x${height}.`);
  const bytesPerPixel = bpp / 8;
  const stride = Math.ceil((width * bytesPerPixel) / 4) * 4;
  if (dataOffset + stride * height > buf.length) throw new Error('Truncated BMP.');
  // Channel order: BGR(A) for BI_RGB; for BI_BITFIELDS read the masks (usually the same order).
  let rShift = 16;
  let gShift = 8;
  let bShift = 0;
  if (compression === 3 && bpp === 32 && headerSize >= 52) {
    const shift = (mask: number) => (mask === 0 ? 0 : 31 - Math.clz32(mask & -mask));
    rShift = shift(buf.readUInt32LE(54));
    gShift = shift(buf.readUInt32LE(58));
    bShift = shift(buf.readUInt32LE(62));
  }
  const data = new Uint8Array(width * height);
  const bottomUp = rawHeight > 0;
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (bottomUp ? height - 1 - y : y) * stride;
    const out = y * width;
    if (bpp === 24) {
      for (let x = 0, i = row; x < width; x++, i += 3) {
        // ITU-R BT.601 luma in integers: (77 R + 150 G + 29 B) / 256.
        data[out + x] = (buf[i + 2]! * 77 + buf[i + 1]! * 150 + buf[i]! * 29) >> 8;
      }
    } else {
      for (let x = 0, i = row; x < width; x++, i += 4) {
        const px = buf.readUInt32LE(i);
        data[out + x] = (((px >>> rShift) & 255) * 77 + ((px >>> gShift) & 255) * 150 + ((px >>> bShift) & 255) * 29) >> 8;
      }
    }
  }
  return { width, height, data };
}
