// Reads an imported 3D model before anything is stored: a GLB (binary glTF, which .vrm files are)
// or a JSON glTF, checked the way a loader would meet it. The container (magic, version 2, chunk
// lengths inside the file, a JSON chunk that parses, the BIN chunk), the glTF itself (asset.version
// 2.x, buffers and views inside their bytes), no external URIs (a model that names files next to it
// would break once copied, and a URL would be a download: only data: URIs and the GLB's own BIN),
// its textures (counted and measured from their bytes against the limits), and what kind it is:
// VRM 1.0 (`VRMC_vrm`), VRM 0.x (`VRM`) or plain glTF. Each problem is a sentence for the user.
import { EXPRESSION_NAME_PATTERN } from '../../protocol';
import { imageInfo, type ImageInfo } from './images';

const GLB_MAGIC = 0x46546c67; // 'glTF'
const CHUNK_JSON = 0x4e4f534a; // 'JSON'
const CHUNK_BIN = 0x004e4942; // 'BIN\0'

export const TEXTURE_LIMITS = {
  /** Images in one model (VRM avatars have about 10 to 40). */
  count: 128,
  /** Pixels on either side of one image. */
  edge: 8192,
} as const;

export interface ModelInfo {
  container: 'glb' | 'gltf';
  kind: 'vrm' | 'gltf';
  /** '1.0' (VRMC_vrm) or '0.x' (VRM); null for plain glTF. */
  vrmVersion: '1.0' | '0.x' | null;
  /** The model's own title (VRM meta), if it has one. */
  title: string | null;
  author: string | null;
  licence: string | null;
  images: ImageInfo[];
  /** The image the VRM meta names as its thumbnail, else the first image; null: none. */
  thumbnail: Uint8Array | null;
  /** The first material's base colour (0..1 RGB), for a drawn thumbnail when there is no image. */
  color: [number, number, number] | null;
  /** The expressions an emotion may be mapped to (see expressionNames). */
  expressions: string[];
}

/** An import problem: the message is the whole sentence the user reads. */
export class ModelError extends Error {}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayOf = (json: Json, key: string): Json[] => {
  const v = json[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every(isObject)) throw new ModelError(`Its glTF "${key}" is not a list of objects.`);
  return v;
};
const nonNegInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

export function isGlb(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === GLB_MAGIC;
}

/** The JSON chunk and the BIN chunk of a GLB, every length checked against the file. */
export function readGlb(bytes: Uint8Array): { json: Json; bin: Uint8Array | null } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || view.getUint32(0, true) !== GLB_MAGIC) throw new ModelError('It is not a GLB file (it does not start with "glTF").');
  const version = view.getUint32(4, true);
  if (version !== 2) throw new ModelError(`It is a GLB of version ${version}; only glTF 2.0 models can be used.`);
  const length = view.getUint32(8, true);
  if (length !== bytes.byteLength) {
    throw new ModelError(
      length > bytes.byteLength
        ? `The file is truncated: its header says ${length} bytes but it has ${bytes.byteLength}.`
        : `The file's header says ${length} bytes but it has ${bytes.byteLength}; it is damaged.`,
    );
  }
  let json: Json | null = null;
  let bin: Uint8Array | null = null;
  let offset = 12;
  let index = 0;
  while (offset < length) {
    if (offset + 8 > length) throw new ModelError('The file is truncated: a chunk header is cut off.');
    const chunkLength = view.getUint32(offset, true);
    const chunkType = view.getUint32(offset + 4, true);
    const start = offset + 8;
    if (start + chunkLength > length) throw new ModelError(`The file is truncated: chunk ${index} says ${chunkLength} bytes but the file ends before that.`);
    const data = bytes.subarray(start, start + chunkLength);
    if (index === 0) {
      if (chunkType !== CHUNK_JSON) throw new ModelError('Its first chunk is not the JSON chunk a GLB must start with.');
      json = parseJson(data);
    } else if (chunkType === CHUNK_BIN) {
      if (bin) throw new ModelError('It has more than one BIN chunk.');
      if (index !== 1) throw new ModelError('Its BIN chunk is not the second chunk.');
      bin = data;
    } else if (chunkType === CHUNK_JSON) {
      throw new ModelError('It has more than one JSON chunk.');
    }
    // Unknown chunk types are skipped, as the specification says.
    offset = start + chunkLength;
    index++;
  }
  if (!json) throw new ModelError('It has no JSON chunk.');
  return { json, bin };
}

function parseJson(data: Uint8Array): Json {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (err) {
    throw new ModelError(`Its glTF JSON does not parse (${(err as Error).message}).`);
  }
  if (!isObject(json)) throw new ModelError('Its glTF JSON is not an object.');
  return json;
}

/** The bytes of a `data:` URI (base64 or percent-encoded); anything else is an external reference. */
function dataUri(uri: string, what: string): Uint8Array {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(uri);
  if (!m) {
    throw new ModelError(
      `Its ${what} refers to an external file or address ("${uri.slice(0, 80)}"). Alisa keeps a model as one file: convert it to GLB (in Blender: File > Export > glTF Binary), then import that.`,
    );
  }
  return m[2] ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!), 'latin1');
}

/**
 * Checks a model file and says what it is. `container` is taken from the bytes (a GLB's magic),
 * never from the file name.
 */
export function inspectModel(bytes: Uint8Array): ModelInfo {
  let json: Json;
  let bin: Uint8Array | null = null;
  let container: 'glb' | 'gltf';
  if (isGlb(bytes)) {
    ({ json, bin } = readGlb(bytes));
    container = 'glb';
  } else {
    const first = Buffer.from(bytes.subarray(0, 64))
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    if (!first.startsWith('{')) throw new ModelError('It is neither a GLB/VRM file nor a glTF JSON file.');
    json = parseJson(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes);
    container = 'gltf';
  }
  const asset = json.asset;
  if (!isObject(asset) || typeof asset.version !== 'string') throw new ModelError('It has no glTF "asset.version"; it is not a glTF model.');
  if (!/^2\.\d+$/.test(asset.version)) throw new ModelError(`It is glTF ${asset.version}; only glTF 2.0 models can be used.`);

  // Buffers: the GLB's first one may be its BIN chunk; every other one must be inside the file.
  const buffers = arrayOf(json, 'buffers').map((b, i): Uint8Array => {
    if (!nonNegInt(b.byteLength)) throw new ModelError(`Its buffer ${i} has no valid byteLength.`);
    let data: Uint8Array;
    if (b.uri === undefined) {
      if (container !== 'glb' || i !== 0 || !bin) throw new ModelError(`Its buffer ${i} has no data (no URI and no BIN chunk).`);
      data = bin;
    } else if (typeof b.uri === 'string') {
      data = dataUri(b.uri, `buffer ${i}`);
    } else {
      throw new ModelError(`Its buffer ${i} has an invalid URI.`);
    }
    if (data.byteLength < b.byteLength)
      throw new ModelError(`The file is truncated: buffer ${i} should have ${b.byteLength} bytes but has ${data.byteLength}.`);
    return data;
  });
  const views = arrayOf(json, 'bufferViews').map((v, i): Uint8Array => {
    const offset = v.byteOffset ?? 0;
    if (!nonNegInt(v.buffer) || !nonNegInt(offset) || !nonNegInt(v.byteLength)) throw new ModelError(`Its buffer view ${i} is not valid.`);
    const buffer = buffers[v.buffer];
    if (!buffer) throw new ModelError(`Its buffer view ${i} names buffer ${v.buffer}, which does not exist.`);
    if (offset + v.byteLength > buffer.byteLength)
      throw new ModelError(`The file is truncated or damaged: buffer view ${i} reaches past the end of its buffer.`);
    return buffer.subarray(offset, offset + v.byteLength);
  });

  const imageJson = arrayOf(json, 'images');
  if (imageJson.length > TEXTURE_LIMITS.count) {
    throw new ModelError(
      `It has ${imageJson.length} textures; at most ${TEXTURE_LIMITS.count} are allowed. Reduce them (e.g. with an atlas) and export it again.`,
    );
  }
  const imageBytes = imageJson.map((img, i): Uint8Array => {
    if (typeof img.uri === 'string') return dataUri(img.uri, `texture ${i}`);
    if (nonNegInt(img.bufferView) && views[img.bufferView]) return views[img.bufferView]!;
    throw new ModelError(`Its texture ${i} has neither embedded data nor a valid buffer view.`);
  });
  const images = imageBytes.map((data, i): ImageInfo => {
    const info = imageInfo(data);
    if (!info) throw new ModelError(`Its texture ${i} is not a PNG, JPEG, WebP or KTX2 image (or it is damaged).`);
    if (info.width < 1 || info.height < 1 || info.width > TEXTURE_LIMITS.edge || info.height > TEXTURE_LIMITS.edge) {
      throw new ModelError(`Its texture ${i} is ${info.width}×${info.height} pixels; at most ${TEXTURE_LIMITS.edge}×${TEXTURE_LIMITS.edge} is allowed.`);
    }
    return info;
  });

  const ext = isObject(json.extensions) ? json.extensions : {};
  let kind: ModelInfo['kind'] = 'gltf';
  let vrmVersion: ModelInfo['vrmVersion'] = null;
  let title: string | null = null;
  let author: string | null = null;
  let licence: string | null = null;
  let thumbIndex: number | null = null;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : null);
  if (isObject(ext.VRMC_vrm)) {
    const vrm = ext.VRMC_vrm;
    if (typeof vrm.specVersion !== 'string' || !/^1\.\d+(-.*)?$/.test(vrm.specVersion)) {
      throw new ModelError(`Its VRMC_vrm extension has specVersion ${JSON.stringify(vrm.specVersion ?? null)}; Alisa reads VRM 1.0 and 0.x.`);
    }
    kind = 'vrm';
    vrmVersion = '1.0';
    const meta = isObject(vrm.meta) ? vrm.meta : {};
    title = text(meta.name);
    author = Array.isArray(meta.authors) ? text(meta.authors.filter((a) => typeof a === 'string').join(', ')) : null;
    licence = text(meta.licenseUrl);
    if (nonNegInt(meta.thumbnailImage)) thumbIndex = meta.thumbnailImage;
  } else if (isObject(ext.VRM)) {
    const vrm = ext.VRM;
    if (vrm.specVersion !== undefined && (typeof vrm.specVersion !== 'string' || !/^0\./.test(vrm.specVersion))) {
      throw new ModelError(`Its VRM extension has specVersion ${JSON.stringify(vrm.specVersion)}; Alisa reads VRM 1.0 and 0.x.`);
    }
    kind = 'vrm';
    vrmVersion = '0.x';
    const meta = isObject(vrm.meta) ? vrm.meta : {};
    title = text(meta.title);
    author = text(meta.author);
    licence = text(meta.licenseName) === 'Other' ? text(meta.otherLicenseUrl) : text(meta.licenseName);
    // 0.x names a texture, whose source is the image.
    const textures = arrayOf(json, 'textures');
    if (nonNegInt(meta.texture) && nonNegInt(textures[meta.texture]?.source)) thumbIndex = textures[meta.texture]!.source as number;
  }
  const thumbnail = (thumbIndex !== null ? imageBytes[thumbIndex] : undefined) ?? imageBytes[0] ?? null;
  const factor = (arrayOf(json, 'materials')[0]?.pbrMetallicRoughness as Json | undefined)?.baseColorFactor;
  const color =
    Array.isArray(factor) && factor.length >= 3 && factor.slice(0, 3).every((v) => typeof v === 'number' && v >= 0 && v <= 1)
      ? (factor.slice(0, 3) as [number, number, number])
      : null;
  return { container, kind, vrmVersion, title, author, licence, images, thumbnail, color, expressions: expressionNames(json) };
}

/** At most this many names are kept (a model with more is unusual; the picker lists them all). */
const MAX_EXPRESSIONS = 256;

/**
 * The expression names of a model's glTF JSON, as its file spells them: VRM 1.0 preset and custom
 * expressions, VRM 0.x blend shape groups (the preset name, or the group's name for a custom
 * one: what three-vrm calls them), else a plain glTF's morph target names (mesh extras
 * `targetNames`, which the loader uses). Names that could not be stored (too long, odd
 * characters) are left out rather than failing the import.
 */
export function expressionNames(json: Json): string[] {
  const ext = isObject(json.extensions) ? json.extensions : {};
  const names: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.trim() && v.trim().length <= 64) names.push(v.trim());
  };
  if (isObject(ext.VRMC_vrm)) {
    const expressions = isObject(ext.VRMC_vrm.expressions) ? ext.VRMC_vrm.expressions : {};
    for (const group of [expressions.preset, expressions.custom]) if (isObject(group)) Object.keys(group).forEach(add);
  } else if (isObject(ext.VRM)) {
    const master = isObject(ext.VRM.blendShapeMaster) ? ext.VRM.blendShapeMaster : {};
    for (const g of Array.isArray(master.blendShapeGroups) ? master.blendShapeGroups.filter(isObject) : []) {
      add(typeof g.presetName === 'string' && g.presetName !== 'unknown' && g.presetName.trim() ? g.presetName : g.name);
    }
  } else {
    for (const mesh of Array.isArray(json.meshes) ? json.meshes.filter(isObject) : []) {
      const targets = isObject(mesh.extras) ? mesh.extras.targetNames : undefined;
      if (Array.isArray(targets)) targets.forEach(add);
    }
  }
  return [...new Set(names)].filter((n) => EXPRESSION_NAME_PATTERN.test(n)).slice(0, MAX_EXPRESSIONS);
}

/** The expression names of a stored model file; null when it cannot be read. */
export function readExpressionNames(bytes: Uint8Array): string[] | null {
  try {
    return expressionNames(isGlb(bytes) ? readGlb(bytes).json : parseJson(bytes[0] === 0xef ? bytes.subarray(3) : bytes));
  } catch {
    return null;
  }
}
