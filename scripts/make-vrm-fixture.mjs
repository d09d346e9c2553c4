// Generates the shippable 3D avatar fixtures (issue 18) from code alone, no third-party art:
//   tests/fixtures/avatar/alisa-test.vrm     VRM 1.0 (VRMC_vrm, VRMC_springBone)
//   tests/fixtures/avatar/alisa-test-vrm0.vrm VRM 0.x (the `VRM` extension), the same figure
// A small chibi bust: head, hair cap with two spring-bone pigtails, eyes whose irises sit on the
// eye bones (so lookAt moves them), eyelids that close for a blink, brows, a mouth and blush. The
// expressions are morph targets big enough to see in a 200 px canvas: the emotions move the mouth,
// brows, lids and cheeks; the visemes open the mouth in five shapes. No skinning: each part hangs
// from its humanoid bone, which keeps the file small (~170 KB) and the generator short.
// `node scripts/make-vrm-fixture.mjs [outDir]`; the output is deterministic.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'tests', 'fixtures', 'avatar'));

const COLORS = {
  skin: [1, 0.82, 0.72],
  hair: [0.42, 0.22, 0.55],
  brow: [0.25, 0.12, 0.32],
  white: [0.97, 0.97, 0.97],
  iris: [0.12, 0.16, 0.45],
  lash: [0.1, 0.06, 0.12],
  mouth: [0.55, 0.08, 0.16],
  blush: [1, 0.45, 0.5],
  clothes: [0.2, 0.45, 0.7],
};

/** Head sphere, in the head bone's space. Face parts are laid on its surface. */
const HEAD = { center: [0, 0.1, 0], r: 0.11 };
const EYE = { x: 0.038, y: 0.105, rx: 0.02, ry: 0.026 };
const MOUTH = { y: 0.045 };

// ---------------------------------------------------------------- geometry

/** z on the head's front surface at (x, y), lifted by `lift` so the part draws over the skin. */
function faceZ(x, y, lift) {
  const dx = x - HEAD.center[0];
  const dy = y - HEAD.center[1];
  const r2 = HEAD.r * HEAD.r - dx * dx - dy * dy;
  return HEAD.center[2] + Math.sqrt(Math.max(r2, 0)) + lift;
}

/** An ellipsoid (triangle list with normals); `keep(cx, cy, cz)` filters triangles by their centre. */
function ellipsoid(center, radii, { segs = 24, rings = 16, keep = null } = {}) {
  const pos = [];
  const nrm = [];
  const idx = [];
  for (let i = 0; i <= rings; i++) {
    const v = (i / rings) * Math.PI;
    for (let j = 0; j <= segs; j++) {
      const u = (j / segs) * Math.PI * 2;
      const n = [Math.sin(v) * Math.sin(u), Math.cos(v), Math.sin(v) * Math.cos(u)];
      pos.push(center[0] + radii[0] * n[0], center[1] + radii[1] * n[1], center[2] + radii[2] * n[2]);
      nrm.push(...n);
    }
  }
  for (let i = 0; i < rings; i++) {
    for (let j = 0; j < segs; j++) {
      const a = i * (segs + 1) + j;
      const b = a + segs + 1;
      for (const tri of [
        [a, b, a + 1],
        [b, b + 1, a + 1],
      ]) {
        if (keep) {
          const c = [0, 1, 2].map((k) => (pos[tri[0] * 3 + k] + pos[tri[1] * 3 + k] + pos[tri[2] * 3 + k]) / 3 - center[k]);
          if (!keep(c[0], c[1], c[2])) continue;
        }
        idx.push(...tri);
      }
    }
  }
  return { pos, nrm, idx };
}

/** A cylinder along `axis` ('x' or 'y') from `start`, `length` long (sign gives direction). */
function cylinder(start, radius, length, axis, segs = 14) {
  const pos = [];
  const nrm = [];
  const idx = [];
  for (let i = 0; i <= 1; i++) {
    for (let j = 0; j <= segs; j++) {
      const a = (j / segs) * Math.PI * 2;
      const c = Math.cos(a) * radius;
      const s = Math.sin(a) * radius;
      if (axis === 'y') {
        pos.push(start[0] + c, start[1] + i * length, start[2] + s);
        nrm.push(Math.cos(a), 0, Math.sin(a));
      } else {
        pos.push(start[0] + i * length, start[1] + c, start[2] + s);
        nrm.push(0, Math.cos(a), Math.sin(a));
      }
    }
  }
  for (let j = 0; j < segs; j++) idx.push(j, j + segs + 1, j + 1, j + 1, j + segs + 1, j + segs + 2);
  return { pos, nrm, idx };
}

/**
 * A flat face part: an ellipse fan laid on the head surface. `shape(t)` maps a rim angle to (x, y)
 * in the head's space; morph targets are other shapes over the same vertices.
 */
function faceFan(shape, lift, segs = 32) {
  const pts = [];
  for (let j = 0; j < segs; j++) pts.push(shape((j / segs) * Math.PI * 2));
  const centre = shape(null);
  const all = [centre, ...pts];
  const pos = all.flatMap(([x, y]) => [x, y, faceZ(x, y, lift)]);
  const nrm = all.flatMap(() => [0, 0, 1]);
  const idx = [];
  for (let j = 0; j < segs; j++) idx.push(0, 1 + j, 1 + ((j + 1) % segs));
  return { pos, nrm, idx };
}

/** The displacement of `target` from `base` (same vertex order), as a glTF morph target stores it. */
function delta(base, target) {
  return target.pos.map((v, i) => v - base.pos[i]);
}

/** A mouth-like ellipse at (cx, cy): half-widths rx, ry; `curve` lifts the corners (smile > 0). */
function ellipseShape(cx, cy, rx, ry, curve = 0) {
  return (t) => {
    if (t === null) return [cx, cy + curve * 0.3];
    const x = Math.cos(t) * rx;
    return [cx + x, cy + Math.sin(t) * ry + curve * (x / rx) ** 2];
  };
}

/** Two-row strip from x0 to x1: top row at yTop(x), bottom row at yBottom(x). */
function faceStrip(x0, x1, yTop, yBottom, lift, segs = 10) {
  const pos = [];
  const idx = [];
  for (let j = 0; j <= segs; j++) {
    const x = x0 + ((x1 - x0) * j) / segs;
    for (const y of [yTop(x), yBottom(x)]) pos.push(x, y, faceZ(x, y, lift));
  }
  for (let j = 0; j < segs; j++) {
    const a = j * 2;
    idx.push(a, a + 1, a + 2, a + 2, a + 1, a + 3);
  }
  return { pos, nrm: pos.map((_, i) => (i % 3 === 2 ? 1 : 0)), idx };
}

function merge(...parts) {
  const out = { pos: [], nrm: [], idx: [] };
  for (const p of parts) {
    const off = out.pos.length / 3;
    out.pos.push(...p.pos);
    out.nrm.push(...p.nrm);
    out.idx.push(...p.idx.map((i) => i + off));
  }
  return out;
}

// ---------------------------------------------------------------- face parts and their targets

const MOUTH_SHAPES = {
  base: [0.022, 0.0035, 0],
  aa: [0.024, 0.024, 0],
  ih: [0.03, 0.009, 0.002],
  ou: [0.011, 0.013, 0],
  ee: [0.032, 0.011, 0.004],
  oh: [0.017, 0.02, 0],
  happy: [0.03, 0.007, 0.012],
  angry: [0.018, 0.004, -0.006],
  sad: [0.02, 0.004, -0.012],
  surprised: [0.014, 0.017, 0],
  relaxed: [0.026, 0.004, 0.006],
};
const mouthOf = (name) => faceFan(ellipseShape(0, MOUTH.y, ...MOUTH_SHAPES[name]), 0.003);
const mouthBase = mouthOf('base');
const MOUTH_TARGETS = Object.keys(MOUTH_SHAPES).filter((k) => k !== 'base');

/** Brows: per side a strip above the eye; `inner`/`outer` raise each end (metres). */
function brows(inner = 0, outer = 0) {
  const y0 = EYE.y + EYE.ry + 0.016;
  const side = (s) => {
    const x0 = s * (EYE.x - 0.022);
    const x1 = s * (EYE.x + 0.022);
    const lift = (x) => {
      const t = (x - x0) / (x1 - x0);
      return y0 + inner * (1 - t) + outer * t;
    };
    return faceStrip(x0, x1, (x) => lift(x) + 0.005, lift, 0.004, 6);
  };
  return merge(side(1), side(-1));
}
const BROW_SHAPES = { happy: [0.006, 0.006], angry: [-0.01, 0.006], sad: [0.01, -0.006], surprised: [0.014, 0.014], relaxed: [0.002, 0.002] };
const browBase = brows();

/** An eyelid (skin) with its lash (dark) for the eye at side s; `closed` 0..1 lowers the lid over the eye. */
function lid(s, closed) {
  const top = EYE.y + EYE.ry + 0.004;
  const edge = top - 0.003 - closed * (2 * EYE.ry + 0.004);
  const x0 = s * EYE.x - EYE.rx - 0.005;
  const x1 = s * EYE.x + EYE.rx + 0.005;
  return {
    skin: faceStrip(
      x0,
      x1,
      () => top,
      () => edge,
      0.006,
      8,
    ),
    lash: faceStrip(
      x0,
      x1,
      () => edge + 0.0035,
      () => edge - 0.0015,
      0.0065,
      8,
    ),
  };
}

/** Blush: collapsed at rest, a pink oval on each cheek for happy/relaxed/shy. */
function blush(size) {
  const one = (s) => faceFan(ellipseShape(s * 0.062, 0.068, 0.0001 + 0.016 * size, 0.0001 + 0.009 * size), 0.0025, 16);
  return merge(one(1), one(-1));
}

// ---------------------------------------------------------------- glTF assembly

class Gltf {
  constructor() {
    this.json = {
      asset: { version: '2.0', generator: 'alisa scripts/make-vrm-fixture.mjs' },
      scene: 0,
      scenes: [{ nodes: [] }],
      nodes: [],
      meshes: [],
      materials: [],
      accessors: [],
      bufferViews: [],
      buffers: [{ byteLength: 0 }],
    };
    this.chunks = [];
    this.length = 0;
  }

  view(bytes, target) {
    const pad = (4 - (this.length % 4)) % 4;
    if (pad) {
      this.chunks.push(Buffer.alloc(pad));
      this.length += pad;
    }
    this.json.bufferViews.push({ buffer: 0, byteOffset: this.length, byteLength: bytes.length, ...(target ? { target } : {}) });
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this.json.bufferViews.length - 1;
  }

  vec3(values, withBounds) {
    const arr = new Float32Array(values);
    const view = this.view(Buffer.from(arr.buffer), 34962);
    const acc = { bufferView: view, componentType: 5126, count: arr.length / 3, type: 'VEC3' };
    if (withBounds) {
      const min = [Infinity, Infinity, Infinity];
      const max = [-Infinity, -Infinity, -Infinity];
      for (let i = 0; i < arr.length; i++) {
        min[i % 3] = Math.min(min[i % 3], arr[i]);
        max[i % 3] = Math.max(max[i % 3], arr[i]);
      }
      Object.assign(acc, { min, max });
    }
    this.json.accessors.push(acc);
    return this.json.accessors.length - 1;
  }

  indices(values) {
    const arr = new Uint16Array(values);
    const view = this.view(Buffer.from(arr.buffer), 34963);
    this.json.accessors.push({ bufferView: view, componentType: 5123, count: arr.length, type: 'SCALAR' });
    return this.json.accessors.length - 1;
  }

  material(name, rgb) {
    this.json.materials.push({ name, pbrMetallicRoughness: { baseColorFactor: [...rgb, 1], metallicFactor: 0, roughnessFactor: 0.85 } });
    return this.json.materials.length - 1;
  }

  /** A mesh from primitives `[{ geo, material, targets: [geo…] }]`; `targetNames` name the morphs. */
  mesh(name, prims, targetNames = []) {
    const primitives = prims.map(({ geo, material, targets = [] }) => ({
      attributes: { POSITION: this.vec3(geo.pos, true), NORMAL: this.vec3(geo.nrm, false) },
      indices: this.indices(geo.idx),
      material,
      ...(targets.length ? { targets: targets.map((t) => ({ POSITION: this.vec3(t, true) })) } : {}),
    }));
    this.json.meshes.push({ name, primitives, ...(targetNames.length ? { extras: { targetNames } } : {}) });
    return this.json.meshes.length - 1;
  }

  node(name, parent, translation, mesh) {
    this.json.nodes.push({ name, translation, ...(mesh !== undefined ? { mesh } : {}) });
    const i = this.json.nodes.length - 1;
    if (parent === null) this.json.scenes[0].nodes.push(i);
    else {
      const p = this.json.nodes[parent];
      p.children = [...(p.children ?? []), i];
    }
    return i;
  }

  glb() {
    const bin = Buffer.concat(this.chunks);
    const binPadded = Buffer.concat([bin, Buffer.alloc((4 - (bin.length % 4)) % 4)]);
    this.json.buffers[0].byteLength = bin.length;
    const text = Buffer.from(JSON.stringify(this.json), 'utf8');
    const json = Buffer.concat([text, Buffer.alloc((4 - (text.length % 4)) % 4, 0x20)]);
    const header = Buffer.alloc(12);
    header.writeUInt32LE(0x46546c67, 0);
    header.writeUInt32LE(2, 4);
    header.writeUInt32LE(12 + 8 + json.length + 8 + binPadded.length, 8);
    const chunk = (type, data) => {
      const h = Buffer.alloc(8);
      h.writeUInt32LE(data.length, 0);
      h.writeUInt32LE(type, 4);
      return Buffer.concat([h, data]);
    };
    return Buffer.concat([header, chunk(0x4e4f534a, json), chunk(0x004e4942, binPadded)]);
  }
}

/**
 * Builds the figure. VRM 1.0 faces +Z; VRM 0.x faces -Z, so for `vrm0` every x and z is mirrored
 * (a half turn about Y) and three-vrm turns it back when it loads.
 */
function build(vrm0) {
  const g = new Gltf();
  const turn = (v) => (vrm0 ? v.map((x, i) => (i % 3 === 1 ? x : -x)) : v);
  const geo = (p) => ({ pos: turn(p.pos), nrm: turn(p.nrm), idx: p.idx });
  const M = Object.fromEntries(Object.entries(COLORS).map(([k, rgb]) => [k, g.material(k, rgb)]));

  // Skeleton (T-pose, metres). Parents before children.
  const bones = {};
  const bone = (name, parent, t) => {
    bones[name] = g.node(name, parent === null ? null : bones[parent], turn(t));
    return bones[name];
  };
  const rootNode = g.node('Root', null, [0, 0, 0]);
  bones.hips = g.node('hips', rootNode, [0, 0.9, 0]);
  bone('spine', 'hips', [0, 0.1, 0]);
  bone('chest', 'spine', [0, 0.12, 0]);
  bone('neck', 'chest', [0, 0.2, 0]);
  bone('head', 'neck', [0, 0.06, 0]);
  bone('leftEye', 'head', [EYE.x, EYE.y, 0.07]);
  bone('rightEye', 'head', [-EYE.x, EYE.y, 0.07]);
  for (const [side, s] of [
    ['left', 1],
    ['right', -1],
  ]) {
    bone(`${side}UpperArm`, 'chest', [s * 0.13, 0.15, 0]);
    bone(`${side}LowerArm`, `${side}UpperArm`, [s * 0.2, 0, 0]);
    bone(`${side}Hand`, `${side}LowerArm`, [s * 0.18, 0, 0]);
    bone(`${side}UpperLeg`, 'hips', [s * 0.08, -0.05, 0]);
    bone(`${side}LowerLeg`, `${side}UpperLeg`, [0, -0.4, 0]);
    bone(`${side}Foot`, `${side}LowerLeg`, [0, -0.4, 0.02]);
  }

  const part = (name, parent, mesh) => g.node(name, bones[parent] ?? parent, [0, 0, 0], mesh);

  // Body.
  part('BodyMesh', 'chest', g.mesh('Body', [{ geo: geo(ellipsoid([0, 0.04, 0], [0.13, 0.19, 0.09])), material: M.clothes }]));
  part('HipsMesh', 'hips', g.mesh('Hips', [{ geo: geo(ellipsoid([0, 0.04, 0], [0.12, 0.1, 0.085])), material: M.clothes }]));
  part('NeckMesh', 'neck', g.mesh('Neck', [{ geo: geo(cylinder([0, -0.02, 0], 0.032, 0.1, 'y')), material: M.skin }]));
  for (const [side, s] of [
    ['left', 1],
    ['right', -1],
  ]) {
    part(`${side}UpperArmMesh`, `${side}UpperArm`, g.mesh(`${side}UpperArm`, [{ geo: geo(cylinder([0, 0, 0], 0.035, s * 0.2, 'x')), material: M.clothes }]));
    part(`${side}LowerArmMesh`, `${side}LowerArm`, g.mesh(`${side}LowerArm`, [{ geo: geo(cylinder([0, 0, 0], 0.028, s * 0.18, 'x')), material: M.skin }]));
    part(`${side}HandMesh`, `${side}Hand`, g.mesh(`${side}Hand`, [{ geo: geo(ellipsoid([s * 0.03, 0, 0], [0.035, 0.03, 0.02])), material: M.skin }]));
  }

  // Head, hair cap (open over the face, with a fringe), eyes.
  part('HeadMesh', 'head', g.mesh('Head', [{ geo: geo(ellipsoid(HEAD.center, [HEAD.r, HEAD.r, HEAD.r])), material: M.skin }]));
  const cap = ellipsoid([0, 0.112, -0.006], [0.122, 0.124, 0.122], { segs: 32, rings: 20, keep: (x, y, z) => z < 0.02 || y > 0.045 + Math.abs(x) * 0.25 });
  part('HairMesh', 'head', g.mesh('Hair', [{ geo: geo(cap), material: M.hair }]));
  const sclera = merge(...[1, -1].map((s) => faceFan(ellipseShape(s * EYE.x, EYE.y, EYE.rx, EYE.ry), 0.002)));
  part('EyeWhites', 'head', g.mesh('EyeWhites', [{ geo: geo(sclera), material: M.white }]));
  // The irises hang from the eye bones (0.07 in front of the head bone): rotating a bone slides its iris.
  for (const [side, s] of [
    ['left', 1],
    ['right', -1],
  ]) {
    const iris = faceFan(ellipseShape(s * EYE.x, EYE.y, 0.012, 0.017), 0.004);
    const local = { ...iris, pos: iris.pos.map((v, i) => v - [s * EYE.x, EYE.y, 0.07][i % 3]) };
    part(`${side}Iris`, `${side}Eye`, g.mesh(`${side}Iris`, [{ geo: geo(local), material: M.iris }]));
  }

  // Morphing parts: target order = the names in each mesh's targetNames.
  const lidNodes = {};
  for (const [side, s] of [
    ['left', 1],
    ['right', -1],
  ]) {
    const open = lid(s, 0);
    const shut = lid(s, 1);
    const mesh = g.mesh(
      `${side}Lid`,
      [
        { geo: geo(open.skin), material: M.skin, targets: [turn(delta(open.skin, shut.skin))] },
        { geo: geo(open.lash), material: M.lash, targets: [turn(delta(open.lash, shut.lash))] },
      ],
      ['close'],
    );
    lidNodes[side] = part(`${side}LidMesh`, 'head', mesh);
  }
  const browMesh = g.mesh(
    'Brows',
    [{ geo: geo(browBase), material: M.brow, targets: Object.values(BROW_SHAPES).map(([i, o]) => turn(delta(browBase, brows(i, o)))) }],
    Object.keys(BROW_SHAPES),
  );
  const browNode = part('BrowsMesh', 'head', browMesh);
  const mouthMesh = g.mesh(
    'Mouth',
    [{ geo: geo(mouthBase), material: M.mouth, targets: MOUTH_TARGETS.map((k) => turn(delta(mouthBase, mouthOf(k)))) }],
    MOUTH_TARGETS,
  );
  const mouthNode = part('MouthMesh', 'head', mouthMesh);
  const blushBase = blush(0);
  const blushMesh = g.mesh('Blush', [{ geo: geo(blushBase), material: M.blush, targets: [turn(delta(blushBase, blush(1)))] }], ['blush']);
  const blushNode = part('BlushMesh', 'head', blushMesh);

  // Pigtails: three spring joints each, from the sides of the head.
  const tails = [];
  for (const [side, s] of [
    ['left', 1],
    ['right', -1],
  ]) {
    const j1 = g.node(`${side}Tail1`, bones.head, turn([s * 0.115, 0.13, -0.03]));
    const j2 = g.node(`${side}Tail2`, j1, [0, -0.08, 0]);
    const j3 = g.node(`${side}Tail3`, j2, [0, -0.08, 0]);
    const j4 = g.node(`${side}Tail4`, j3, [0, -0.06, 0]);
    for (const [j, r] of [
      [j1, 0.03],
      [j2, 0.026],
      [j3, 0.02],
    ])
      g.node(
        `${side}TailMesh`,
        j,
        [0, 0, 0],
        g.mesh(`${side}Tail`, [{ geo: geo(ellipsoid([0, -0.04, 0], [r, 0.05, r], { segs: 12, rings: 8 })), material: M.hair }]),
      );
    tails.push([j1, j2, j3, j4]);
  }

  // Expressions: [node, target index, weight] per preset.
  const mouthIndex = (k) => MOUTH_TARGETS.indexOf(k);
  const browIndex = (k) => Object.keys(BROW_SHAPES).indexOf(k);
  const lidsAt = (w) => [
    [lidNodes.left, 0, w],
    [lidNodes.right, 0, w],
  ];
  const expressions = {
    happy: [[mouthNode, mouthIndex('happy'), 1], [browNode, browIndex('happy'), 1], [blushNode, 0, 1], ...lidsAt(0.3)],
    angry: [[mouthNode, mouthIndex('angry'), 1], [browNode, browIndex('angry'), 1], ...lidsAt(0.25)],
    sad: [[mouthNode, mouthIndex('sad'), 1], [browNode, browIndex('sad'), 1], ...lidsAt(0.3)],
    relaxed: [[mouthNode, mouthIndex('relaxed'), 1], [browNode, browIndex('relaxed'), 1], [blushNode, 0, 0.5], ...lidsAt(0.45)],
    surprised: [
      [mouthNode, mouthIndex('surprised'), 1],
      [browNode, browIndex('surprised'), 1],
    ],
    aa: [[mouthNode, mouthIndex('aa'), 1]],
    ih: [[mouthNode, mouthIndex('ih'), 1]],
    ou: [[mouthNode, mouthIndex('ou'), 1]],
    ee: [[mouthNode, mouthIndex('ee'), 1]],
    oh: [[mouthNode, mouthIndex('oh'), 1]],
    blink: lidsAt(1),
    blinkLeft: [[lidNodes.left, 0, 1]],
    blinkRight: [[lidNodes.right, 0, 1]],
    neutral: [],
  };

  const humanBones = Object.keys(bones);
  if (!vrm0) {
    g.json.extensionsUsed = ['VRMC_vrm', 'VRMC_springBone'];
    g.json.extensions = {
      VRMC_vrm: {
        specVersion: '1.0',
        meta: {
          name: 'Alisa test figure',
          version: '1',
          authors: ['The Alisa project (generated by scripts/make-vrm-fixture.mjs)'],
          copyrightInformation: 'CC0 1.0: no rights reserved',
          licenseUrl: 'https://vrm.dev/licenses/1.0/',
          avatarPermission: 'everyone',
          allowExcessivelyViolentUsage: false,
          allowExcessivelySexualUsage: false,
          commercialUsage: 'corporation',
          allowPoliticalOrReligiousUsage: false,
          allowAntisocialOrHateUsage: false,
          creditNotation: 'unnecessary',
          allowRedistribution: true,
          modification: 'allowModificationRedistribution',
          otherLicenseUrl: 'https://creativecommons.org/publicdomain/zero/1.0/',
        },
        humanoid: { humanBones: Object.fromEntries(humanBones.map((b) => [b, { node: bones[b] }])) },
        firstPerson: { meshAnnotations: [] },
        lookAt: {
          type: 'bone',
          offsetFromHeadBone: [0, 0.105, 0.08],
          rangeMapHorizontalInner: { inputMaxValue: 90, outputScale: 25 },
          rangeMapHorizontalOuter: { inputMaxValue: 90, outputScale: 25 },
          rangeMapVerticalDown: { inputMaxValue: 90, outputScale: 15 },
          rangeMapVerticalUp: { inputMaxValue: 90, outputScale: 15 },
        },
        expressions: {
          preset: Object.fromEntries(
            Object.entries(expressions).map(([name, binds]) => [
              name,
              {
                morphTargetBinds: binds.map(([node, index, weight]) => ({ node, index, weight })),
                isBinary: false,
                overrideBlink: 'none',
                overrideLookAt: 'none',
                overrideMouth: 'none',
              },
            ]),
          ),
        },
      },
      VRMC_springBone: {
        specVersion: '1.0',
        colliders: [{ node: bones.head, shape: { sphere: { offset: HEAD.center, radius: HEAD.r } } }],
        colliderGroups: [{ name: 'head', colliders: [0] }],
        springs: tails.map((joints, i) => ({
          name: i === 0 ? 'leftTail' : 'rightTail',
          joints: joints.map((node) => ({ node, hitRadius: 0.025, stiffness: 0.6, gravityPower: 0.4, gravityDir: [0, -1, 0], dragForce: 0.35 })),
          colliderGroups: [0],
        })),
      },
    };
  } else {
    // VRM 0.x: preset names of its own (joy, sorrow, fun, a, i, u, e, o…), binds by mesh, weights 0..100.
    const V0 = { happy: 'joy', angry: 'angry', sad: 'sorrow', relaxed: 'fun', surprised: 'surprised', aa: 'a', ih: 'i', ou: 'u', ee: 'e', oh: 'o' };
    V0.blink = 'blink';
    V0.blinkLeft = 'blink_l';
    V0.blinkRight = 'blink_r';
    V0.neutral = 'neutral';
    const meshOf = (node) => g.json.nodes[node].mesh;
    g.json.extensionsUsed = ['VRM'];
    g.json.extensions = {
      VRM: {
        exporterVersion: 'alisa-make-vrm-fixture-1',
        specVersion: '0.0',
        meta: {
          title: 'Alisa test figure (VRM 0.x)',
          version: '1',
          author: 'The Alisa project (generated by scripts/make-vrm-fixture.mjs)',
          allowedUserName: 'Everyone',
          violentUssageName: 'Disallow',
          sexualUssageName: 'Disallow',
          commercialUssageName: 'Allow',
          licenseName: 'CC0',
          otherLicenseUrl: 'https://creativecommons.org/publicdomain/zero/1.0/',
        },
        humanoid: { humanBones: humanBones.map((b) => ({ bone: b, node: bones[b], useDefaultValues: true })) },
        firstPerson: {
          firstPersonBone: bones.head,
          firstPersonBoneOffset: { x: 0, y: 0.105, z: -0.08 },
          meshAnnotations: [],
          lookAtTypeName: 'Bone',
          lookAtHorizontalInner: { curve: [0, 0, 0, 1, 1, 1, 1, 0], xRange: 90, yRange: 25 },
          lookAtHorizontalOuter: { curve: [0, 0, 0, 1, 1, 1, 1, 0], xRange: 90, yRange: 25 },
          lookAtVerticalDown: { curve: [0, 0, 0, 1, 1, 1, 1, 0], xRange: 90, yRange: 15 },
          lookAtVerticalUp: { curve: [0, 0, 0, 1, 1, 1, 1, 0], xRange: 90, yRange: 15 },
        },
        blendShapeMaster: {
          blendShapeGroups: Object.entries(expressions).map(([name, binds]) => ({
            name: V0[name],
            presetName: V0[name],
            binds: binds.map(([node, index, weight]) => ({ mesh: meshOf(node), index, weight: weight * 100 })),
            materialValues: [],
            isBinary: false,
          })),
        },
        secondaryAnimation: {
          boneGroups: tails.map((joints) => ({
            comment: 'pigtail',
            stiffiness: 0.6,
            gravityPower: 0.4,
            gravityDir: { x: 0, y: -1, z: 0 },
            dragForce: 0.35,
            center: -1,
            hitRadius: 0.025,
            bones: [joints[0]],
            colliderGroups: [0],
          })),
          colliderGroups: [{ node: bones.head, colliders: [{ offset: { x: 0, y: HEAD.center[1], z: 0 }, radius: HEAD.r }] }],
        },
        materialProperties: [],
      },
    };
  }
  return g.glb();
}

mkdirSync(outDir, { recursive: true });
const outputs = { 'alisa-test.vrm': build(false), 'alisa-test-vrm0.vrm': build(true) };
for (const [name, bytes] of Object.entries(outputs)) {
  writeFileSync(path.join(outDir, name), bytes);
  console.error(`wrote ${path.relative(root, path.join(outDir, name))} (${bytes.length} bytes)`);
}
