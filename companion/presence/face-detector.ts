// Webcam presence, the face model: @vladmandic/human (its weights ship in its npm package) on
// TensorFlow.js with the WebAssembly backend, loaded only when presence is first turned on and
// kept for the life of the process (load ~250-450 ms, ~40 MB).
//
// human's `dist/human.node-wasm.js` is required by absolute path (the package's exports point
// Node at the tfjs-node build, which needs a native addon). Its models are `file://` URLs, which
// Node's fetch rejects: a tfjs load router reads them from disk instead (no global fetch patch).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AlisaError } from '../errors';
import { localRequire } from '../screen/local-require';
import type { Observation } from './state-machine';

export interface FaceResult {
  observation: Observation;
  score: number | null;
  ms: number;
}

export interface FaceDetector {
  /** One RGB frame, `width` x `height` x 3 bytes. */
  detect(rgb: Uint8Array, width: number, height: number): Promise<FaceResult>;
  readonly loadMs: number;
}

/* Just the parts of human / tfjs used here. */
interface TfTensor {
  dispose(): void;
}
interface TfLike {
  tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): TfTensor;
  getBackend(): string;
  io: {
    registerLoadRouter(router: (url: string | string[]) => unknown): void;
    getModelArtifactsForJSON(json: unknown, loadWeights: (manifest: WeightsGroup[]) => Promise<[unknown[], ArrayBuffer]>): Promise<unknown>;
  };
}
interface WeightsGroup {
  paths: string[];
  weights: unknown[];
}
interface HumanFace {
  score: number;
  boxScore?: number;
  rotation?: { angle: { yaw: number; pitch: number; roll: number } } | null;
}
interface HumanLike {
  tf: TfLike;
  load(): Promise<void>;
  detect(input: TfTensor): Promise<{ face: HumanFace[]; error?: string | null }>;
}

/** The smallest face score that counts as a face. */
const MIN_SCORE = 0.5;

let loading: Promise<FaceDetector> | null = null;

/** The shared detector, loaded on first use; a failed load is retried on the next call. */
export function loadFaceDetector(log?: (line: string) => void): Promise<FaceDetector> {
  loading ??= loadHuman(log).catch((err: unknown) => {
    loading = null;
    throw err instanceof AlisaError
      ? err
      : new AlisaError(
          'camera_unavailable',
          `The face model could not load: ${err instanceof Error ? err.message : String(err)}`,
          "Reinstall Alisa's dependencies (`npm install`): @vladmandic/human, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm.",
          { cause: err },
        );
  });
  return loading;
}

async function loadHuman(log?: (line: string) => void): Promise<FaceDetector> {
  const started = performance.now();
  const req = localRequire();
  let humanDir: string;
  let wasmDir: string;
  try {
    // `@vladmandic/human` resolves to dist/human.node.js (tfjs-node): only its folder is wanted.
    humanDir = path.resolve(path.dirname(req.resolve('@vladmandic/human')), '..');
    wasmDir = path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
  } catch (err) {
    throw new AlisaError(
      'camera_unavailable',
      'The face model is not installed.',
      "Run `npm install` in Alisa's folder (it needs @vladmandic/human and @tensorflow/tfjs-backend-wasm).",
      { cause: err },
    );
  }
  const mod = req(path.join(humanDir, 'dist', 'human.node-wasm.js')) as { Human?: new (c: unknown) => HumanLike; default?: new (c: unknown) => HumanLike };
  const Human = mod.Human ?? mod.default;
  if (!Human) throw new Error('human.node-wasm.js has no Human export');
  const modelsDir = path.join(humanDir, 'models');
  const human = new Human({
    backend: 'wasm',
    wasmPath: wasmDir,
    modelBasePath: pathToFileURL(modelsDir).href + '/',
    debug: false,
    async: true,
    warmup: 'none',
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: false, maxDetected: 1, minConfidence: 0.3, skipFrames: 0, skipTime: 0 },
      // The mesh gives the head's yaw (looking away); iris gaze was too weak to use (strength
      // ~0.1 on every fixture) and costs another model.
      mesh: { enabled: true },
      iris: { enabled: false },
      attention: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  });
  registerFileRouter(human.tf);
  await human.load();
  const loadMs = Math.round(performance.now() - started);
  log?.(`presence: face model loaded in ${loadMs} ms (${human.tf.getBackend()})`);
  return {
    loadMs,
    async detect(rgb, width, height) {
      const t0 = performance.now();
      const input = human.tf.tensor3d(rgb instanceof Uint8Array ? rgb : new Uint8Array(rgb), [height, width, 3], 'int32');
      try {
        const result = await human.detect(input);
        if (result.error) throw new Error(result.error);
        const face = result.face.filter((f) => f.score >= MIN_SCORE).sort((a, b) => b.score - a.score)[0];
        const ms = Math.round(performance.now() - t0);
        if (!face) return { observation: { kind: 'none' }, score: null, ms };
        const yaw = face.rotation?.angle.yaw;
        return { observation: { kind: 'face', yaw: typeof yaw === 'number' && Number.isFinite(yaw) ? yaw : null }, score: face.score, ms };
      } finally {
        input.dispose();
      }
    },
  };
}

let routerRegistered = false;

/** Serves `file://` model URLs from disk (tfjs's HTTP loader would fetch them, and fail). */
function registerFileRouter(tf: TfLike): void {
  if (routerRegistered) return;
  routerRegistered = true;
  tf.io.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const file = fileURLToPath(url);
    return {
      load: async () => {
        const json: unknown = JSON.parse(await readFile(file, 'utf8'));
        return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
          const specs: unknown[] = [];
          const parts: Buffer[] = [];
          for (const group of manifest) {
            specs.push(...group.weights);
            for (const p of group.paths) parts.push(await readFile(path.join(path.dirname(file), p)));
          }
          const all = Buffer.concat(parts);
          return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
        });
      },
    };
  });
}
