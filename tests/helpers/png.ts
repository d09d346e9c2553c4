// Real PNG bytes for tests, written here independently of the companion's PNG code (its CRC is
// zlib's, not the companion's table): a small RGB image, and text chunks put before IEND the way
// SillyTavern writes a character card (`chara`: base64 V2 JSON; `ccv3`: base64 V3 JSON).
import zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

/** A width x height RGB PNG, every pixel `rgb` but a diagonal in white (so two images differ). */
export function makePng(width = 8, height = 8, rgb: [number, number, number] = [40, 120, 200]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set(x === y ? [255, 255, 255] : rgb, 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), pngChunk('IEND', Buffer.alloc(0))]);
}

/** `png` with tEXt chunks (keyword -> text, latin1) inserted before its IEND (the last 12 bytes). */
export function withTextChunks(png: Buffer, texts: Record<string, string>): Buffer {
  const extra = Object.entries(texts).map(([k, t]) => pngChunk('tEXt', Buffer.from(`${k}\0${t}`, 'latin1')));
  return Buffer.concat([png.subarray(0, png.length - 12), ...extra, png.subarray(png.length - 12)]);
}

/** A character card PNG: `chara` (and `ccv3` when given) hold the cards as base64 JSON. */
export function cardPng(v2: unknown, v3?: unknown, image = makePng()): Buffer {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64');
  return withTextChunks(image, v3 === undefined ? { chara: b64(v2) } : { chara: b64(v2), ccv3: b64(v3) });
}

/** The tEXt chunks of a PNG (keyword -> text), read with zlib's CRC as the check. */
export function readTextChunks(png: Buffer): Record<string, string> {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  const out: Record<string, string> = {};
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    if (zlib.crc32(png.subarray(at + 4, at + 8 + len)) !== png.readUInt32BE(at + 8 + len)) throw new Error(`bad CRC in ${type}`);
    if (type === 'tEXt') {
      const nul = data.indexOf(0);
      out[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    }
    at += 12 + len;
  }
  return out;
}
