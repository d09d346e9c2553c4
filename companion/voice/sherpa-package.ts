// sherpa-onnx-node (npm, optional): speech recognition (stt/sherpa.ts) and Piper voices without a
// piper binary (tts/piper-sherpa.ts) both run in a child process that loads it from here.
import { createRequire } from 'node:module';

/** The sherpa-onnx-node package entry, or null when it is not installed. */
export function sherpaPackage(): string | null {
  try {
    return createRequire(import.meta.url).resolve('sherpa-onnx-node');
  } catch {
    return null;
  }
}
