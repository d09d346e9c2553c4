// Real GLB and PNG bytes for the avatar store's tests: a glTF 2.0 JSON chunk and a BIN chunk
// holding one triangle and the given images, laid out as the specification says (12-byte header,
// 4-byte aligned chunks). `vrm` adds a VRM 1.0 (`VRMC_vrm`) or 0.x (`VRM`) extension whose meta
// names the first image as the thumbnail.
import { PNG } from 'pngjs';

/** A width×height PNG filled with one colour. */
export function png(width: number, height: number, rgba: [number, number, number, number] = [200, 80, 120, 255]): Buffer {
  const img = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) img.data.set(rgba, i * 4);
  return PNG.sync.write(img);
}

const pad4 = (b: Buffer, fill: number) => (b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4), fill)]));

export interface GlbOptions {
  vrm?: '1.0' | '0.x' | null;
  images?: Buffer[];
  title?: string;
  /** Extra or replacing top-level glTF fields. */
  patch?: (json: Record<string, unknown>) => void;
}

/** The glTF JSON and BIN of a one-triangle model (with images in the BIN). */
export function gltfParts(o: GlbOptions = {}): { json: Record<string, unknown>; bin: Buffer } {
  const positions = Buffer.alloc(36);
  [0, 0, 0, 1, 0, 0, 0, 1, 0].forEach((v, i) => positions.writeFloatLE(v, i * 4));
  const parts: Buffer[] = [positions];
  const bufferViews: Record<string, unknown>[] = [{ buffer: 0, byteOffset: 0, byteLength: 36 }];
  let offset = 36;
  const images = (o.images ?? []).map((img) => {
    const view = bufferViews.length;
    bufferViews.push({ buffer: 0, byteOffset: offset, byteLength: img.length });
    const padded = pad4(img, 0);
    parts.push(padded);
    offset += padded.length;
    return { bufferView: view, mimeType: 'image/png' };
  });
  const bin = Buffer.concat(parts);
  const json: Record<string, unknown> = {
    asset: { version: '2.0', generator: 'alisa tests' },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [{ mesh: 0, name: 'tri' }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
    accessors: [{ bufferView: 0, componentType: 5126, count: 3, type: 'VEC3', min: [0, 0, 0], max: [1, 1, 0] }],
    bufferViews,
    buffers: [{ byteLength: bin.length }],
    ...(images.length ? { images, textures: images.map((_, i) => ({ source: i })) } : {}),
  };
  if (o.vrm === '1.0') {
    json.extensionsUsed = ['VRMC_vrm'];
    json.extensions = {
      VRMC_vrm: {
        specVersion: '1.0',
        meta: {
          name: o.title ?? 'Test Girl',
          authors: ['Alisa tests'],
          licenseUrl: 'https://vrm.dev/licenses/1.0/',
          ...(images.length ? { thumbnailImage: 0 } : {}),
        },
        humanoid: { humanBones: { hips: { node: 0 } } },
      },
    };
  } else if (o.vrm === '0.x') {
    json.extensionsUsed = ['VRM'];
    json.extensions = {
      VRM: { specVersion: '0.0', meta: { title: o.title ?? 'Test Girl', author: 'Alisa tests', licenseName: 'CC0', ...(images.length ? { texture: 0 } : {}) } },
    };
  }
  o.patch?.(json);
  return { json, bin };
}

/** Packs a glTF JSON and an optional BIN chunk into GLB bytes. */
export function packGlb(json: Record<string, unknown>, bin: Buffer | null): Buffer {
  const jsonChunk = pad4(Buffer.from(JSON.stringify(json)), 0x20);
  const chunks = [chunk(jsonChunk, 0x4e4f534a)];
  if (bin) chunks.push(chunk(pad4(bin, 0), 0x004e4942));
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.writeUInt32LE(0x46546c67, 0);
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(12 + body.length, 8);
  return Buffer.concat([header, body]);
}

function chunk(data: Buffer, type: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(data.length, 0);
  h.writeUInt32LE(type, 4);
  return Buffer.concat([h, data]);
}

export function glb(o: GlbOptions = {}): Buffer {
  const { json, bin } = gltfParts(o);
  return packGlb(json, bin);
}
