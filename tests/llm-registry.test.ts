// ProviderRegistry over real providers: fallback in order, error aggregation, states.
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProviders, EmbeddedProvider, OpenAiProvider, ProviderRegistry } from '../companion/llm';
import type { ModelState } from '../protocol';
import { requireModel } from './helpers/model';
import { failure } from './helpers/errors';

const MODEL = requireModel();
const tmp = mkdtempSync(path.join(tmpdir(), 'alisa-registry-'));
const modelsDir = path.join(tmp, 'models');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ProviderRegistry', () => {
  it('falls back to the next provider in order when the first cannot load', async () => {
    const missing = new EmbeddedProvider({ id: 'missing', model: path.join(tmp, 'nope.gguf'), modelsDir, threads: 1, gpu: false });
    const good = new EmbeddedProvider({ id: 'good', model: MODEL, modelsDir, threads: 1, gpu: false });
    const registry = new ProviderRegistry([missing, good], ['missing', 'good']);
    const events: Array<[ModelState, ModelState[]]> = [];
    registry.onStateChange((current, all) => events.push([current, all]));
    try {
      expect(registry.current()).toMatchObject({ provider: 'missing', state: 'none', model: 'nope.gguf' });
      const active = await registry.active();
      expect(active).toBe(good);
      expect(registry.get('good')).toBe(good);
      expect(registry.get('other')).toBeUndefined();
      // current(): the preferred provider that is ready.
      expect(registry.current()).toMatchObject({ state: 'ready', model: 'stories260K.gguf' });
      expect(registry.states().map((s) => s.state)).toEqual(['error', 'ready']);
      expect(events.length).toBeGreaterThan(0);
      expect(events.at(-1)![0].state).toBe('ready');
      const result = await active.generate({ messages: [{ role: 'user', content: 'Hello' }], maxTokens: 5, onText: () => {} });
      expect(result.completionTokens).toBeGreaterThan(0);
    } finally {
      await registry.dispose();
    }
  });

  it('when all fail, throws the first error code with every reason in the message', async () => {
    const port = await closedPort();
    const missingFile = path.join(tmp, 'missing.gguf');
    const registry = createProviders({
      order: ['embedded', 'openai', 'typo'],
      embedded: { model: missingFile, modelsDir, threads: 1, gpu: false },
      openai: { baseUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 2000 },
    });
    try {
      const err = await failure(registry.active());
      expect(err.code).toBe('model_missing');
      expect(err.action).toMatch(/Choose a GGUF model file/);
      expect(err.message).toContain(`embedded: Model file not found: ${missingFile}`);
      expect(err.message).toContain(`openai: The LLM server at http://127.0.0.1:${port}/v1 did not answer`);
      expect(err.message).toContain('typo: the provider "typo" is not configured');
      expect(registry.current()).toMatchObject({ provider: 'embedded', state: 'error' });
      expect(registry.states().map((s) => s.provider)).toEqual(['embedded', 'openai']);
    } finally {
      await registry.dispose();
    }
  });

  it('an empty order is no_provider', async () => {
    const registry = new ProviderRegistry([new OpenAiProvider({ baseUrl: 'http://127.0.0.1:9/v1' })], []);
    const err = await failure(registry.active());
    expect(err.code).toBe('no_provider');
    expect(registry.current()).toMatchObject({ provider: null, state: 'none', error: { code: 'no_provider' } });
    await registry.dispose();
  });
});
