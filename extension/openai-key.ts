// "Alisa: Copy API Key for Other Tools": the key and base URL of the companion's OpenAI-compatible
// API. That key opens /v1/* only (models, chat completions); it is not the control token the
// extension and the panel use, which changes with every launch and opens everything.
//
// The companion keeps the key in a 0600 file in its data folder and names that file (never the
// key) in its ready line; with ALISA_API_KEY in its environment it uses that instead.
// No `vscode` import: unit-tested in vitest against the real companion.
import { readFile } from 'node:fs/promises';
import type { ReadyLine } from '../protocol/messages';

export interface OpenAiAccess {
  /** e.g. http://127.0.0.1:41234/v1 (the port is this launch's). */
  baseUrl: string;
  key: string;
  /** Where the key comes from: its file, or ALISA_API_KEY. */
  source: string;
}

const MIN_KEY_LENGTH = 32;

export async function readOpenAiAccess(ready: ReadyLine, env: NodeJS.ProcessEnv = process.env): Promise<OpenAiAccess> {
  const baseUrl = `http://127.0.0.1:${ready.port}/v1`;
  if (ready.apiKeyFile) {
    let key: string;
    try {
      key = (await readFile(ready.apiKeyFile, 'utf8')).trim();
    } catch (err) {
      throw new Error(
        `Alisa's API key file ${ready.apiKeyFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Run "Alisa: Restart Companion" to create it again.`,
      );
    }
    if (key.length < MIN_KEY_LENGTH)
      throw new Error(`Alisa's API key file ${ready.apiKeyFile} does not hold a key. Run "Alisa: Restart Companion" to write a new one.`);
    return { baseUrl, key, source: ready.apiKeyFile };
  }
  if (ready.apiKeyFile === null && env.ALISA_API_KEY) return { baseUrl, key: env.ALISA_API_KEY, source: 'ALISA_API_KEY' };
  throw new Error(
    ready.apiKeyFile === undefined
      ? 'This companion does not tell where its API key is (it is older than the extension). Run "Alisa: Restart Companion", or reinstall Alisa.'
      : 'Alisa could not keep an API key in her data folder (see "Alisa: Show Logs"); check that the folder (alisa.dataFolder) is writable, then restart her.',
  );
}
