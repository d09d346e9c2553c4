// Local dictation with sherpa-onnx-node (npm, ships its onnxruntime, no models) and a Whisper or
// Moonshine model the user downloaded (https://k2-fsa.github.io/sherpa/onnx/pretrained_models/,
// e.g. sherpa-onnx-whisper-tiny.en or sherpa-onnx-moonshine-tiny-en-int8). `sttModel` is the
// model folder or any file in it; a relative path is looked up in the models folder.
//
// The paths are checked here first (a missing model is stt_model_missing with what to do), and
// the native code runs in a child Node process: a corrupt .onnx file makes onnxruntime abort the
// whole process ("terminate called after throwing Ort::Exception"), which must not take the
// companion down. The child loads the model for each transcription (whisper tiny: well under a
// second); a resident worker is a later optimisation.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EngineState } from '../../../protocol';
import { AlisaError } from '../../errors';
import { sherpaPackage } from '../sherpa-package';
import { asInt16, encodeWav } from '../wav-io';
import type { SttEngine, Transcript } from './types';

const SHERPA_MODEL_ACTION =
  'Download a Whisper or Moonshine model for sherpa-onnx (e.g. sherpa-onnx-whisper-tiny.en from https://github.com/k2-fsa/sherpa-onnx/releases/tag/asr-models), unpack it and set the speech-to-text model to its folder, or choose another engine.';

type SherpaModel =
  | { kind: 'whisper'; dir: string; encoder: string; decoder: string; tokens: string }
  | { kind: 'moonshine'; dir: string; preprocessor: string; encoder: string; uncachedDecoder: string; cachedDecoder: string; tokens: string };

/** Prefers the int8 file of a pair (faster on CPU, same words). */
function pick(files: string[], re: RegExp): string | undefined {
  const hits = files.filter((f) => re.test(f) && f.endsWith('.onnx'));
  return hits.find((f) => f.includes('int8')) ?? hits[0];
}

const MODEL_SETTING = 'alisa.voice.sttModel / --stt-model';

/** The model files of `model` (folder or a file in it), or stt_model_missing saying what is missing. */
export function resolveSherpaModel(model: string | null | undefined, modelsDir?: string): SherpaModel {
  if (!model?.trim()) {
    throw new AlisaError('stt_model_missing', `No speech-to-text model is set for sherpa-onnx (${MODEL_SETTING}).`, SHERPA_MODEL_ACTION);
  }
  let p = model.trim();
  if (!path.isAbsolute(p) && modelsDir) p = path.resolve(modelsDir, p);
  if (!existsSync(p)) throw new AlisaError('stt_model_missing', `The speech-to-text model ${p} does not exist (${MODEL_SETTING}).`, SHERPA_MODEL_ACTION);
  const isDir = statSync(p).isDirectory();
  if (!isDir && !/\.(onnx|txt)$/i.test(p)) {
    throw new AlisaError(
      'stt_model_missing',
      `The speech-to-text model setting (${MODEL_SETTING}) must be the model's folder or one of its .onnx files, got ${p}.`,
      SHERPA_MODEL_ACTION,
    );
  }
  const dir = isDir ? p : path.dirname(p);
  const files = readdirSync(dir);
  const tokensFile = files.find((f) => /tokens\.txt$/.test(f));
  const abs = (f: string | undefined) => (f ? path.join(dir, f) : undefined);
  const pre = pick(files, /^preprocess/);
  if (pre) {
    const enc = pick(files, /^encode\b|^encode\./);
    const unc = pick(files, /^uncached_decode/);
    const cac = pick(files, /^cached_decode/);
    const missing = [!enc && 'encode.onnx', !unc && 'uncached_decode.onnx', !cac && 'cached_decode.onnx', !tokensFile && 'tokens.txt'].filter(Boolean);
    if (missing.length)
      throw new AlisaError('stt_model_missing', `The Moonshine model in ${dir} is incomplete: ${missing.join(', ')} missing.`, SHERPA_MODEL_ACTION);
    return {
      kind: 'moonshine',
      dir,
      preprocessor: abs(pre)!,
      encoder: abs(enc)!,
      uncachedDecoder: abs(unc)!,
      cachedDecoder: abs(cac)!,
      tokens: abs(tokensFile)!,
    };
  }
  const enc = pick(files, /encoder/);
  const dec = pick(files, /decoder/);
  if (!enc && !dec) {
    throw new AlisaError(
      'stt_model_missing',
      `${dir} holds no Whisper or Moonshine model for sherpa-onnx (no *encoder*.onnx / preprocess.onnx).`,
      SHERPA_MODEL_ACTION,
    );
  }
  const missing = [!enc && '*encoder*.onnx', !dec && '*decoder*.onnx', !tokensFile && '*tokens.txt'].filter(Boolean);
  if (missing.length)
    throw new AlisaError('stt_model_missing', `The Whisper model in ${dir} is incomplete: ${missing.join(', ')} missing.`, SHERPA_MODEL_ACTION);
  return { kind: 'whisper', dir, encoder: abs(enc)!, decoder: abs(dec)!, tokens: abs(tokensFile)! };
}

/** The sherpa-onnx-node package entry (sherpa-package.ts, shared with the Piper voices), or null. */
export { sherpaPackage };

// Runs in the child: argv = [package, config JSON file, wav file]; prints {"text"} or {"error"}.
const CHILD = `
const [pkg, cfgFile, wavFile] = process.argv.slice(1);
const fs = require('fs');
try {
  const sherpa = require(pkg);
  const rec = new sherpa.OfflineRecognizer(JSON.parse(fs.readFileSync(cfgFile, 'utf8')));
  const wave = sherpa.readWave(wavFile);
  const stream = rec.createStream();
  stream.acceptWaveform({ samples: wave.samples, sampleRate: wave.sampleRate });
  rec.decode(stream);
  process.stdout.write(JSON.stringify({ text: rec.getResult(stream).text || '' }));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }));
}
`;

interface SherpaOptions {
  model: string | null | undefined;
  modelsDir?: string;
  numThreads?: number;
  timeoutMs?: number;
  language?: string;
}

export class SherpaEngine implements SttEngine {
  readonly id = 'sherpa' as const;
  constructor(private readonly opts: SherpaOptions) {}

  async available(): Promise<EngineState> {
    if (!sherpaPackage()) return { id: this.id, available: false, reason: 'sherpa-onnx-node is not installed (npm install sherpa-onnx-node).' };
    try {
      resolveSherpaModel(this.opts.model, this.opts.modelsDir);
    } catch (err) {
      return { id: this.id, available: false, reason: `${(err as Error).message} ${SHERPA_MODEL_ACTION}` };
    }
    return { id: this.id, available: true, reason: null };
  }

  recognizerConfig(m: SherpaModel): object {
    const modelConfig: Record<string, unknown> = {
      tokens: m.tokens,
      numThreads: this.opts.numThreads ?? Math.max(1, Math.min(4, os.cpus().length - 1)),
      provider: 'cpu',
      debug: 0,
    };
    if (m.kind === 'whisper') modelConfig.whisper = { encoder: m.encoder, decoder: m.decoder, language: this.opts.language ?? '', task: 'transcribe' };
    else modelConfig.moonshine = { preprocessor: m.preprocessor, encoder: m.encoder, uncachedDecoder: m.uncachedDecoder, cachedDecoder: m.cachedDecoder };
    return { featConfig: { sampleRate: 16000, featureDim: 80 }, modelConfig, decodingMethod: 'greedy_search' };
  }

  async transcribe(pcm16k: Int16Array | Buffer, opts: { signal?: AbortSignal } = {}): Promise<Transcript> {
    const model = resolveSherpaModel(this.opts.model, this.opts.modelsDir);
    const pkg = sherpaPackage();
    if (!pkg)
      throw new AlisaError(
        'voice_unavailable',
        'sherpa-onnx-node is not installed.',
        'Run npm install sherpa-onnx-node, or choose another speech-to-text engine.',
      );
    const dir = await mkdtemp(path.join(os.tmpdir(), 'alisa-sherpa-'));
    try {
      const cfg = path.join(dir, 'config.json');
      const wav = path.join(dir, 'speech.wav');
      await writeFile(cfg, JSON.stringify(this.recognizerConfig(model)));
      await writeFile(wav, encodeWav(asInt16(pcm16k)));
      const out = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ['-e', CHILD, pkg, cfg, wav],
          { timeout: this.opts.timeoutMs ?? 60_000, signal: opts.signal, maxBuffer: 1 << 20 },
          (err, stdout, stderr) => {
            if (err && !stdout) {
              const why = (
                stderr
                  .trim()
                  .split('\n')
                  .filter((l) => /what\(\)|error|failed/i.test(l))
                  .pop() ??
                err.message.split('\n')[0] ??
                ''
              ).trim();
              reject(
                new AlisaError(
                  'stt_model_missing',
                  `The speech-to-text model in ${model.dir} could not be loaded${err.signal ? ` (the engine crashed: ${err.signal})` : ''}: ${why}`.slice(
                    0,
                    500,
                  ),
                  SHERPA_MODEL_ACTION,
                  { cause: err },
                ),
              );
            } else resolve(stdout);
          },
        );
      });
      const r = JSON.parse(out) as { text?: string; error?: string };
      if (r.error !== undefined)
        throw new AlisaError('stt_model_missing', `The speech-to-text model in ${model.dir} could not be loaded: ${r.error}`, SHERPA_MODEL_ACTION);
      return { text: (r.text ?? '').trim() };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
