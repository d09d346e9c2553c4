// Piper voices for sherpa-onnx: what a voice folder must hold, where downloaded voices live, and
// the voice Alisa offers to download.
//
// A voice for sherpa-onnx is a folder (as sherpa-onnx publishes Piper voices, vits-piper-*) with
//   <name>.onnx        the VITS model with sherpa-onnx's metadata
//   tokens.txt         its phoneme symbols
//   espeak-ng-data/    espeak-ng's phoneme data, which turns text into phonemes
// Downloaded voices live in DATA/voices/<id>/. The setting alisa.voice.piperModel (--piper-model)
// may name such a folder or the .onnx file in it. A plain Piper voice (.onnx + .onnx.json, from
// rhasspy/piper-voices) has no tokens.txt: it needs the piper binary (alisa.voice.piperBinary).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface PiperCatalogVoice {
  id: string;
  name: string;
  url: string;
  /** About this size (the server tells the exact size once the download starts). */
  sizeBytes: number;
  unpackedBytes: number;
}

/**
 * The voice Alisa offers: Amy, a female US English Piper voice (low quality: the fastest; still
 * natural), as sherpa-onnx packages it (model, tokens.txt and espeak-ng-data in one .tar.bz2).
 * From the release "tts-models" of github.com/k2-fsa/sherpa-onnx; the voice is Piper's
 * en_US-amy-low (rhasspy/piper-voices). About 64 MB to download, about 80 MB unpacked.
 */
export const DEFAULT_PIPER_VOICE: PiperCatalogVoice = {
  id: 'en_US-amy-low',
  name: 'Amy (US English, Piper)',
  url: 'https://github.com/k2-fsa/sherpa-onnx/releases/download/tts-models/vits-piper-en_US-amy-low.tar.bz2',
  sizeBytes: 64 * 1024 * 1024,
  unpackedBytes: 80 * 1024 * 1024,
};

/** DATA/voices: where downloaded voices are installed, one folder each. */
export function voicesDir(dataDir: string): string {
  return path.join(dataDir, 'voices');
}

export interface ResolvedPiperVoice {
  /** The folder holding it. */
  dir: string;
  model: string;
  tokens: string;
  dataDir: string;
  /** The model's file name without .onnx ("en_US-amy-low"). */
  id: string;
}

const MODEL_SETTING = 'alisa.voice.piperModel / --piper-model';

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The voice's files in `folder`, or what is missing in words. */
export function checkVoiceFolder(folder: string): ResolvedPiperVoice | { problem: string } {
  let files: string[];
  try {
    files = readdirSync(folder);
  } catch {
    return { problem: `${folder} cannot be read` };
  }
  const onnx = files.filter((f) => /\.onnx$/i.test(f) && isFile(path.join(folder, f))).sort();
  const model = onnx.find((f) => !/int8/i.test(f)) ?? onnx[0];
  const missing = [
    !model && 'the voice model (.onnx)',
    !files.includes('tokens.txt') && 'tokens.txt',
    !isFile(path.join(folder, 'espeak-ng-data', 'phontab')) && 'espeak-ng-data/',
  ].filter(Boolean);
  if (missing.length > 0) {
    const plain = model && isFile(path.join(folder, `${model}.json`)) && !files.includes('tokens.txt');
    return {
      problem: plain
        ? `${folder} holds a plain Piper voice (${model} with its .onnx.json): Alisa's built-in Piper needs a voice packaged for sherpa-onnx (a vits-piper-* folder with tokens.txt and espeak-ng-data/), or set the piper binary (alisa.voice.piperBinary) to use this one`
        : `${folder} is not a complete Piper voice for sherpa-onnx: ${missing.join(', ')} missing`,
    };
  }
  return {
    dir: folder,
    model: path.join(folder, model!),
    tokens: path.join(folder, 'tokens.txt'),
    dataDir: path.join(folder, 'espeak-ng-data'),
    id: model!.replace(/\.onnx$/i, ''),
  };
}

/** The voice the setting names (a voice folder or the .onnx in one), or the problem in words. */
export function resolvePiperVoice(setting: string): ResolvedPiperVoice | { problem: string } {
  const abs = path.resolve(setting.trim());
  if (!existsSync(abs)) return { problem: `The Piper voice ${abs} (${MODEL_SETTING}) does not exist` };
  if (isDir(abs)) {
    const direct = checkVoiceFolder(abs);
    if (!('problem' in direct)) return direct;
    // A folder holding one voice folder (e.g. where an archive was unpacked).
    const inner = safeList(abs).filter((f) => isDir(path.join(abs, f)) && f !== 'espeak-ng-data');
    if (inner.length === 1) {
      const nested = checkVoiceFolder(path.join(abs, inner[0]!));
      if (!('problem' in nested)) return nested;
    }
    return { problem: `${direct.problem} (${MODEL_SETTING})` };
  }
  if (!/\.onnx$/i.test(abs)) return { problem: `The Piper voice setting (${MODEL_SETTING}) must be a voice folder or its .onnx file, got ${abs}` };
  const folder = checkVoiceFolder(path.dirname(abs));
  if ('problem' in folder) return { problem: `${folder.problem} (${MODEL_SETTING})` };
  return { ...folder, model: abs, id: path.basename(abs).replace(/\.onnx$/i, '') };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** A complete downloaded voice in DATA/voices: the default one first, else the first by name; null when none. */
export function installedVoice(dir: string | null): ResolvedPiperVoice | null {
  if (!dir) return null;
  const names = safeList(dir).filter((f) => !f.startsWith('.'));
  const ordered = [DEFAULT_PIPER_VOICE.id, ...names.filter((n) => n !== DEFAULT_PIPER_VOICE.id)];
  for (const name of ordered) {
    const folder = path.join(dir, name);
    if (!isDir(folder)) continue;
    const v = checkVoiceFolder(folder);
    if (!('problem' in v)) return v;
  }
  return null;
}
