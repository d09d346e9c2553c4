// The embedded provider against the real stories260K model (no mocks of node-llama-cpp). The
// model writes children's stories and has no chat template: the tests assert on the pipeline
// (loading, streaming, counting, cancelling, queueing, errors), never on the words.
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedProvider, type EmbeddedOptions } from '../companion/llm';
import type { ModelState } from '../protocol';
import { requireModel } from './helpers/model';
import { failure } from './helpers/errors';

const MODEL = requireModel();
const tmp = mkdtempSync(path.join(tmpdir(), 'alisa-llm-'));
const base = (overrides: Partial<EmbeddedOptions> = {}): EmbeddedOptions => ({
  model: MODEL,
  modelsDir: path.join(tmp, 'models'),
  threads: 1,
  gpu: false,
  ...overrides,
});

const chatTurns = [
  { role: 'system' as const, content: 'You are Alisa, a kind friend.' },
  { role: 'user' as const, content: 'Tell me a story about a cat.' },
];

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Starts two generations at once and expects both to write something; returns how often the chunks switched from one to the other. */
async function twoAtOnce(p: EmbeddedProvider): Promise<number> {
  const order: string[] = [];
  const [a, b] = await Promise.all([
    p.generate({ messages: chatTurns, maxTokens: 30, onText: () => order.push('a') }),
    p.generate({ messages: [{ role: 'user', content: 'Once upon a time' }], maxTokens: 30, onText: () => order.push('b') }),
  ]);
  expect(a.text.length).toBeGreaterThan(0);
  expect(b.text.length).toBeGreaterThan(0);
  return order.filter((id, i) => i > 0 && id !== order[i - 1]).length;
}

describe('EmbeddedProvider with the real model', () => {
  const provider = new EmbeddedProvider(base());
  const seen: ModelState[] = [];
  provider.onStateChange((s) => seen.push(s));

  beforeAll(async () => {
    expect(provider.exactTokenCount).toBe(false);
    expect(provider.countTokens('12345678')).toBe(2); // the estimate before loading
    const a = provider.ensureReady();
    const b = provider.ensureReady();
    expect(a).toBe(b); // concurrent callers share one attempt
    const started = performance.now();
    await a;
    console.log(`embedded load (runtime already warm or not): ${Math.round(performance.now() - started)} ms`);
  });
  afterAll(() => provider.dispose());

  it('loads and reports its state, name, context and exact token counts', () => {
    expect(provider.state()).toEqual({ provider: 'embedded', state: 'ready', model: 'stories260K.gguf', progress: null, error: null });
    expect(seen.some((s) => s.state === 'loading' && s.progress !== null)).toBe(true);
    expect(provider.modelName()).toBe('stories260K.gguf');
    expect(provider.contextSize()).toBe(2048); // min(train context 2048, 4096)
    expect(provider.exactTokenCount).toBe(true);
    expect(provider.countTokens('Once upon a time')).toBeGreaterThan(0);
  });

  it('streams chunks that add up to the result, with real token counts', async () => {
    const chunks: string[] = [];
    const result = await provider.generate({ messages: chatTurns, maxTokens: 40, onText: (c) => chunks.push(c) });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(result.text);
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.promptTokens).toBeGreaterThan(10);
    expect(result.completionTokens).toBeGreaterThan(0);
    expect(result.completionTokens).toBeLessThanOrEqual(40);
    expect(['stop', 'length']).toContain(result.stopReason);
    // promptTokens is the tokenized rendered prompt, so it grows with the history.
    const longer = await provider.generate({
      messages: [...chatTurns, { role: 'assistant', content: 'A cat sat.' }, { role: 'user', content: 'More please.' }],
      maxTokens: 5,
      onText: () => {},
    });
    expect(longer.promptTokens).toBeGreaterThan(result.promptTokens);
  });

  it('stops at maxTokens with stopReason length', async () => {
    const result = await provider.generate({ messages: chatTurns, maxTokens: 3, temperature: 0.8, onText: () => {} });
    expect(result.completionTokens).toBeLessThanOrEqual(3);
    expect(result.stopReason).toBe('length');
  });

  it('cancelling mid-stream resolves with the partial text', async () => {
    const controller = new AbortController();
    const chunks: string[] = [];
    const result = await provider.generate({
      messages: chatTurns,
      maxTokens: 1500,
      signal: controller.signal,
      onText: (c) => {
        chunks.push(c);
        if (chunks.length === 3) controller.abort();
      },
    });
    expect(result.stopReason).toBe('cancelled');
    expect(result.text.length).toBeGreaterThan(0);
    expect(chunks.join('')).toBe(result.text);
    expect(result.completionTokens).toBeLessThan(1500);
  });

  it('an already aborted signal resolves at once as cancelled', async () => {
    const result = await provider.generate({ messages: chatTurns, signal: AbortSignal.abort(), onText: () => {} });
    expect(result).toMatchObject({ text: '', completionTokens: 0, stopReason: 'cancelled' });
  });

  it('writes two replies side by side on its two sequences (the default), and completes both', async () => {
    // Interleaved chunks: neither waited for the other to finish.
    expect(await twoAtOnce(provider)).toBeGreaterThan(1);
  });

  it('with parallel: 1, serializes concurrent generations and completes both', async () => {
    const serial = new EmbeddedProvider(base({ parallel: 1 }));
    try {
      // One at a time: all of one reply's chunks, then all of the other's.
      expect(await twoAtOnce(serial)).toBe(1);

      // A queued generation whose signal aborts leaves the queue without waiting.
      const first = serial.generate({ messages: chatTurns, maxTokens: 300, onText: () => {} });
      const controller = new AbortController();
      const second = serial.generate({ messages: chatTurns, signal: controller.signal, onText: () => {} });
      controller.abort();
      const result = await second;
      expect(result.stopReason).toBe('cancelled');
      expect(result.text).toBe('');
      expect((await first).text.length).toBeGreaterThan(0);
    } finally {
      await serial.dispose();
    }
  });

  it('a conversation goes back to the sequence that served it: switching between two sessions keeps both prompt caches', async () => {
    const story = (who: string) => [
      { role: 'system' as const, content: `You are Alisa, a kind friend who tells long stories about ${who}.` },
      { role: 'user' as const, content: `Tell me a long story about ${who} and the sea, with many friends in it.` },
    ];
    const run = (p: EmbeddedProvider, who: string, key?: string) =>
      p.generate({ messages: story(who), maxTokens: 8, temperature: 0, onText: () => {}, ...(key ? { cacheKey: key } : {}) });
    // Two sessions, each asked twice, alternating: a, b, a, b.
    await run(provider, 'a cat', 'session:a');
    await run(provider, 'a dog', 'session:b');
    const again = await run(provider, 'a cat', 'session:a');
    // Its own sequence still holds its prompt: only the tail is evaluated again.
    expect(again.evaluatedTokens).toBeLessThan(again.promptTokens / 2);
    // One sequence for both: each switch evaluates the whole prompt again.
    const serial = new EmbeddedProvider(base({ parallel: 1 }));
    try {
      await run(serial, 'a cat', 'session:a');
      await run(serial, 'a dog', 'session:b');
      const switched = await run(serial, 'a cat', 'session:a');
      expect(switched.evaluatedTokens).toBeGreaterThan(switched.promptTokens / 2);
    } finally {
      await serial.dispose();
    }
  });

  it('dispose() during a generation ends it as cancelled and frees the model', async () => {
    const other = new EmbeddedProvider(base());
    await other.ensureReady();
    let chunks = 0;
    let disposing: Promise<void> | null = null;
    const result = await other.generate({
      messages: chatTurns,
      maxTokens: 1500,
      onText: () => {
        if (++chunks === 2) disposing = other.dispose();
      },
    });
    await disposing;
    expect(result.stopReason).toBe('cancelled');
    expect(other.state()).toMatchObject({ state: 'none' });
    expect(other.contextSize()).toBeNull();
    expect((await failure(other.ensureReady())).code).toBe('llm_failed');
  });

  it('a history that cannot fit the context is a clear llm_failed, and the provider still works', async () => {
    const small = new EmbeddedProvider(base({ contextSize: 256 }));
    try {
      const err = await failure(
        small.generate({
          messages: [
            { role: 'system', content: 'You are kind. '.repeat(200) },
            { role: 'user', content: 'Hi' },
          ],
          maxTokens: 20,
          onText: () => {},
        }),
      );
      expect(err.code).toBe('llm_failed');
      expect(err.message).toContain('256 tokens');
      expect(err.action).toMatch(/history budget/);
      const ok = await small.generate({ messages: chatTurns, maxTokens: 10, onText: () => {} });
      expect(ok.completionTokens).toBeGreaterThan(0);
    } finally {
      await small.dispose();
    }
  });
});

describe('EmbeddedProvider model sources and failures', () => {
  it('a missing file is model_missing; a later call retries and succeeds once the file exists', async () => {
    const file = path.join(tmp, 'later', 'model.gguf');
    const provider = new EmbeddedProvider(base({ model: file }));
    try {
      const err = await failure(provider.ensureReady());
      expect(err.code).toBe('model_missing');
      expect(err.message).toBe(`Model file not found: ${file}`);
      expect(err.action).toMatch(/Choose a GGUF model file/);
      expect(provider.state()).toMatchObject({ state: 'error', error: { code: 'model_missing' } });
      expect((await failure(provider.generate({ messages: chatTurns, onText: () => {} }))).code).toBe('model_missing');

      rmSync(path.dirname(file), { recursive: true, force: true });
      mkdirSync(path.dirname(file), { recursive: true });
      copyFileSync(MODEL, file);
      await provider.ensureReady();
      expect(provider.state()).toMatchObject({ state: 'ready', model: 'model.gguf', error: null });
    } finally {
      await provider.dispose();
    }
  });

  const corrupt: Array<[string, () => Buffer, RegExp]> = [
    ['a text file renamed .gguf', () => Buffer.from('hello, this is not a model\n'), /not a GGUF model/],
    ['random bytes', () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)), /not a GGUF model/],
    ['an empty file', () => Buffer.alloc(0), /empty/],
    ['a copy truncated in the tensor data', () => readPrefix(MODEL, 600_000), /incomplete/],
    ['a copy truncated inside the header', () => readPrefix(MODEL, 2_000), /damaged|truncated|incomplete/],
  ];
  for (const [what, bytes, reason] of corrupt) {
    it(`${what} is model_invalid, naming the file and the reason`, async () => {
      const file = path.join(tmp, `bad-${what.replace(/\W+/g, '-')}.gguf`);
      writeFileSync(file, bytes());
      const provider = new EmbeddedProvider(base({ model: file }));
      const err = await failure(provider.ensureReady());
      expect(err.code).toBe('model_invalid');
      expect(err.message).toContain(file);
      expect(err.message).toMatch(reason);
      expect(err.action).toBe('Download the model again or choose another GGUF file.');
      expect(provider.state().state).toBe('error');
      await provider.dispose();
    });
  }

  it("a well-formed GGUF that llama.cpp refuses is model_invalid with llama.cpp's reason", async () => {
    // The real model with its architecture renamed: the header is intact, llama.cpp cannot load it.
    const bytes = readPrefix(MODEL, statSync(MODEL).size);
    const at = bytes.indexOf('general.architecture') + 'general.architecture'.length + 12;
    expect(bytes.subarray(at, at + 5).toString()).toBe('llama');
    bytes.write('lxama', at);
    const file = path.join(tmp, 'unknown-arch.gguf');
    writeFileSync(file, bytes);
    const provider = new EmbeddedProvider(base({ model: file }));
    const err = await failure(provider.ensureReady());
    expect(err.code).toBe('model_invalid');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/lxama/);
    await provider.dispose();
  });

  it('after a corrupt file a good model still loads (the runtime is not poisoned)', async () => {
    const good = new EmbeddedProvider(base());
    await good.ensureReady();
    const result = await good.generate({ messages: chatTurns, maxTokens: 5, onText: () => {} });
    expect(result.completionTokens).toBeGreaterThan(0);
    await good.dispose();
    expect(good.state().state).toBe('none');
    expect((await failure(good.generate({ messages: chatTurns, onText: () => {} }))).code).toBe('llm_failed');
  });

  it('an hf: URI offline fails as model_download_failed, after a downloading state', async () => {
    const provider = new EmbeddedProvider(
      base({ model: 'hf:ggml-org/tiny-llamas/stories260K.gguf', modelsDir: path.join(tmp, 'empty-models'), downloadAllowed: true }),
    );
    const states: string[] = [];
    provider.onStateChange((s) => states.push(s.state));
    const err = await failure(provider.ensureReady());
    expect(err.code).toBe('model_download_failed');
    expect(err.message).toMatch(/Downloading the model hf:ggml-org\/tiny-llamas\/stories260K\.gguf failed/);
    expect(err.message).toMatch(/offline/);
    expect(err.action).toBe('Choose a GGUF file you already have, or retry when online.');
    expect(states).toContain('downloading');
    expect(provider.state()).toMatchObject({ state: 'error', model: 'stories260K.gguf', error: { code: 'model_download_failed' } });
    await provider.dispose();
  }, 60_000);

  it('an hf: URI already downloaded into modelsDir loads without the network', async () => {
    const modelsDir = path.join(tmp, 'downloaded');
    mkdirSync(modelsDir, { recursive: true });
    // The file name node-llama-cpp gives a download of this URI.
    copyFileSync(MODEL, path.join(modelsDir, 'hf_ggml-org_tiny-llamas_stories260K.gguf'));
    const provider = new EmbeddedProvider(base({ model: 'hf:ggml-org/tiny-llamas/stories260K.gguf', modelsDir }));
    const states: string[] = [];
    provider.onStateChange((s) => states.push(s.state));
    await provider.ensureReady();
    expect(states).not.toContain('downloading');
    expect(provider.state()).toMatchObject({ state: 'ready', model: 'hf_ggml-org_tiny-llamas_stories260K.gguf' });
    await provider.dispose();
  });
});

function readPrefix(file: string, bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, bytes, 0);
  } finally {
    closeSync(fd);
  }
  return buffer;
}
