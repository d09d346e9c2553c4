// Where the tests find the real GGUF model. It is never committed into the repository.
import path from 'node:path';
import { existsSync } from 'node:fs';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const MODEL_PATH = path.resolve(process.env.ALISA_TEST_MODEL ?? path.join(REPO_ROOT, '..', 'shared', 'models', 'stories260K.gguf'));

export function requireModel(): string {
  if (!existsSync(MODEL_PATH)) {
    throw new Error(`Test model not found at ${MODEL_PATH}. Set ALISA_TEST_MODEL to a GGUF file (e.g. stories260K.gguf).`);
  }
  return MODEL_PATH;
}
