// The vscode-free decisions of the extension: restart backoff, the Node version check, the ready
// line, the companion's command line from settings, and the messages that carry code or errors.
import { describe, expect, it } from 'vitest';
import { RECOMMENDED_MODEL as COMPANION_RECOMMENDED, parseConfig } from '../companion/config';
import { companionArgs, effectiveProviders, isModelConfigured, RECOMMENDED_MODEL, type CompanionSettings } from '../extension/companion-args';
import { parseReadyLine } from '../extension/companion-process';
import { explainFileMessage, MAX_CODE_CHARS, selectionMessage } from '../extension/code-message';
import { downloadFailedMessage } from '../extension/download-messages';
import { checkNodeRuntime, judgeVersion } from '../extension/node-runtime';
import { describeDuration, RestartPolicy } from '../extension/restart-policy';
import { companionSettings, parsedArgs } from './helpers/ext-settings';

const base = companionSettings();

describe('restart policy', () => {
  it('backs off 0.5, 1, 2, 4 s and gives up at the 5th crash within 2 minutes', () => {
    let now = 0;
    const policy = new RestartPolicy(undefined, () => now);
    const delays = [1, 2, 3, 4].map(() => {
      const d = policy.recordCrash();
      now += 1000;
      return d.giveUp ? 'give up' : d.delayMs;
    });
    expect(delays).toEqual([500, 1000, 2000, 4000]);
    expect(policy.recordCrash()).toEqual({ giveUp: true, crashes: 5, windowMs: 120_000 });
  });

  it('forgets crashes older than the window, and all of them on reset', () => {
    let now = 0;
    const policy = new RestartPolicy(undefined, () => now);
    for (let i = 0; i < 4; i++) policy.recordCrash();
    now += 121_000;
    expect(policy.recordCrash()).toMatchObject({ giveUp: false, delayMs: 500, attempt: 1 });
    for (let i = 0; i < 3; i++) policy.recordCrash();
    policy.reset();
    expect(policy.recordCrash()).toMatchObject({ giveUp: false, attempt: 1 });
  });

  it('describes durations for messages', () => {
    expect(describeDuration(120_000)).toBe('2 minutes');
    expect(describeDuration(500)).toBe('0.5 s');
  });
});

describe('Node runtime check', () => {
  it('accepts Node 20+ and refuses older or foreign versions', () => {
    expect(judgeVersion('node', 'v20.11.1\n')).toEqual({ ok: true, version: 'v20.11.1', major: 20 });
    expect(judgeVersion('node', 'v22.3.0')).toMatchObject({ ok: true, major: 22 });
    expect(judgeVersion('/usr/bin/node', 'v18.19.0')).toMatchObject({
      ok: false,
      reason: 'too-old',
      message: 'Alisa needs Node.js 20 or newer, but "/usr/bin/node" is v18.19.0.',
    });
    expect(judgeVersion('code', '1.100.0')).toMatchObject({ ok: false, reason: 'unusable' });
  });

  it('runs the real node and reports a missing one', async () => {
    expect(await checkNodeRuntime(process.execPath)).toMatchObject({ ok: true, version: process.version });
    const missing = await checkNodeRuntime('/no/such/node');
    expect(missing).toMatchObject({ ok: false, reason: 'missing' });
    if (!missing.ok) expect(missing.action).toContain('alisa.companion.nodePath');
  });
});

describe('ready line', () => {
  it("parses the companion's first line and explains anything else", () => {
    const line = JSON.stringify({ type: 'ready', port: 4000, token: 't', pid: 12, version: '0.1.0', protocolVersion: 1, legacyPort: null });
    expect(parseReadyLine(line)).toMatchObject({ port: 4000, token: 't' });
    expect(() => parseReadyLine('Usage: npm run companion')).toThrow('was not the ready line');
    expect(() => parseReadyLine('{"type":"ready"}')).toThrow('not one this version of the extension understands');
  });
});

describe('companion arguments from settings', () => {
  it("keeps RECOMMENDED_MODEL equal to the companion's", () => {
    expect(RECOMMENDED_MODEL).toBe(COMPANION_RECOMMENDED);
  });

  it('passes alisa.chat.autoTitle on (the default, model, needs no flag)', () => {
    const parse = (s: CompanionSettings) => parsedArgs(s).autoTitle;
    expect(parse(base)).toBe('model');
    expect(parse({ ...base, autoTitle: 'words' })).toBe('words');
    expect(parse({ ...base, autoTitle: 'off' })).toBe('off');
    expect(() => parseConfig(['--auto-title', 'sometimes'], {})).toThrow(/--auto-title must be model, words or off/);
  });

  it('starts without a model but with the recommended URI when none is chosen', () => {
    const config = parsedArgs(base, 4242);
    expect(config.model).toBe(RECOMMENDED_MODEL);
    expect(config.loadModelAtStart).toBe(false);
    expect(config.parentPid).toBe(4242);
    expect(config.dataDir).toBe('/data/alisa');
    expect(config.providers).toEqual(['embedded']);
    expect(isModelConfigured(base)).toBe(false);
  });

  it('passes every setting the companion understands', () => {
    // Settings the companion takes under the same name and value.
    const same = {
      endpoint: 'http://127.0.0.1:1234/v1',
      endpointModel: 'qwen',
      contextSize: 2048,
      threads: 1,
      promptStyle: 'compact',
      emotionGrammar: true,
      historyTokens: 300,
      maxReplyTokens: 40,
      character: 'alisa',
      mode: 'calm',
      legacyPort: 8765,
    } satisfies Partial<CompanionSettings>;
    const s: CompanionSettings = { ...base, ...same, modelPath: '/models/tiny.gguf', gpu: 'off' };
    const config = parsedArgs(s, 99, { ALISA_LLM_API_KEY: 'k' });
    expect(config).toMatchObject({
      ...same,
      model: '/models/tiny.gguf',
      loadModelAtStart: true,
      providers: ['embedded', 'openai'],
      gpu: false,
      apiKey: 'k',
    });
    expect(companionArgs(s, 99).join(' ')).not.toContain('k ');
  });

  it('orders providers: the setting, else the model then the endpoint, else the endpoint alone', () => {
    expect(effectiveProviders({ ...base, providers: ['openai', 'embedded'], modelPath: '/m.gguf' })).toEqual(['openai', 'embedded']);
    expect(effectiveProviders({ ...base, modelPath: '/m.gguf' })).toEqual(['embedded']);
    expect(effectiveProviders({ ...base, modelPath: '/m.gguf', endpoint: 'http://x/v1' })).toEqual(['embedded', 'openai']);
    expect(effectiveProviders({ ...base, endpoint: 'http://x/v1' })).toEqual(['openai']);
    expect(isModelConfigured({ ...base, endpoint: 'http://x/v1' })).toBe(true);
    expect(isModelConfigured({ ...base, endpoint: 'http://x/v1', providers: ['embedded'] })).toBe(false);
  });
});

describe('messages', () => {
  it('puts code in a fence it cannot close, with path and language', () => {
    const msg = selectionMessage({ path: 'src/a.md', language: 'markdown', text: 'x\n```js\ny\n```' });
    expect(msg.startsWith('About this code from `src/a.md` (markdown):\n````markdown\n')).toBe(true);
    expect(msg.endsWith('\n````')).toBe(true);
  });

  it('cuts a large file and says so', () => {
    const text = 'a'.repeat(50 * 1024);
    const msg = explainFileMessage({ path: 'big.txt', language: 'plaintext', text });
    expect(msg.length).toBeLessThan(MAX_CODE_CHARS + 200);
    expect(msg).toContain('(Only the first 20 KB of 50 KB are included.)');
  });

  it('explains a failed download in plain words', () => {
    const companion = `Downloading the model ${RECOMMENDED_MODEL} failed: huggingface.co could not be reached, the machine may be offline (getaddrinfo ENOTFOUND huggingface.co).`;
    expect(downloadFailedMessage(companion)).toBe('Could not download the model: getaddrinfo ENOTFOUND huggingface.co. You seem to be offline.');
    expect(downloadFailedMessage('Network down.')).toBe('Could not download the model: Network down. You seem to be offline.');
  });
});
