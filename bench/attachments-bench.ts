// What @-mention attachments (issue 17) cost each reply's prompt: `ChatPrompt.build` with the most
// one message may carry (ATTACHMENTS_TOTAL_MAX characters: six files of 16,000 characters and a
// smaller one), fitted under the budget (cut at lines with binary searches on token counts),
// against the same build without attachments, side by side. Twice: with the room of an
// OpenAI-compatible server (ATTACHMENTS_FALLBACK_TOKENS: little is cut) and with a 512-token
// context such as the test model's (nearly everything is cut), token counts at four characters a
// token (as without a tokenizer). Then with the test model's own tokenizer and context (the
// embedded provider loaded with stories260K, 512 tokens, the compact prompt the tests give it):
// every count tokenizes. Prints `name: value`.
//   node dist-bench/attachments-bench.cjs   (bundled by bench/run-all.mjs, or esbuild by hand)
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ATTACHMENT_TEXT_MAX, ATTACHMENTS_TOTAL_MAX } from '../protocol';
import type { AttachmentItem } from '../companion/chat/attachments';
import { ChatPrompt } from '../companion/chat/chat-prompt';
import { ContextStore } from '../companion/context/context-store';
import type { LlmProvider } from '../companion/llm';
import { EmbeddedProvider } from '../companion/llm/embedded-provider';
import { MODEL_PATH } from '../tests/helpers/model';
import { MemoryStore } from '../companion/memory';
import { DEFAULT_CHARACTER } from '../companion/persona';
import { CompanionState } from '../companion/state';
import { runMain } from './lib/main';
import { alternate, median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_ATTACHMENTS_ROUNDS ?? 15);
const PER_ROUND = 10;

const countTokens = (text: string) => Math.ceil(text.length / 4);
/** Without a context size (an OpenAI-compatible server): the fallback room. */
const wide = { id: 'bench', exactTokenCount: false, countTokens, contextSize: () => null } as unknown as LlmProvider;
/** A 512-token context, as the embedded provider reports it for the test model (promptBudget(512, 40)). */
const tiny = { ...wide, promptTokenBudget: () => 421, contextSize: () => 512 } as unknown as LlmProvider;

function fileText(chars: number, seed: number): string {
  const lines: string[] = [];
  let n = 0;
  for (let i = 1; n < chars; i++) {
    const line = `export function step${seed}_${i}(x: number): number { return x * ${i} + ${seed}; }`;
    lines.push(line);
    n += line.length + 1;
  }
  return lines.join('\n').slice(0, chars);
}

/** The most one message may carry: full files up to ATTACHMENTS_TOTAL_MAX (labels counted). */
function fullLoad(): AttachmentItem[] {
  const items: AttachmentItem[] = [];
  let left = ATTACHMENTS_TOTAL_MAX;
  for (let i = 0; left > 100; i++) {
    const p = `src/module${i}.ts`;
    const chars = Math.min(ATTACHMENT_TEXT_MAX, left - p.length);
    items.push({ ref: { kind: 'file', label: p, path: p }, text: fileText(chars, i) });
    left -= chars + p.length;
  }
  return items;
}

async function main(): Promise<void> {
  const store = MemoryStore.open(path.join(mkdtempSync(path.join(os.tmpdir(), 'alisa-attach-bench-')), 'alisa.db'));
  const characterId = store.upsertBuiltinCharacter(DEFAULT_CHARACTER).id;
  const prompt = new ChatPrompt({
    state: CompanionState.load(store, { characterId }),
    context: new ContextStore(),
    settings: { historyTokens: 2000, promptStyle: 'full' },
  });
  const session = store.createSession('bench', characterId, null);
  for (let i = 0; i < 20; i++) store.addMessage({ sessionId: session.id, role: i % 2 ? 'assistant' : 'user', text: `earlier turn ${i} about nothing much` });
  const items = fullLoad();
  let sources = { wide: 0, tiny: 0, model: 0 };

  /** The mean ms of one build over PER_ROUND messages (each stored first, untimed). */
  // The test model's own setting (its 512 tokens leave the full persona no room for attachments).
  const compact = new ChatPrompt({
    state: CompanionState.load(store, { characterId }),
    context: new ContextStore(),
    settings: { historyTokens: 300, promptStyle: 'compact' },
  });
  const builds = (provider: LlmProvider, attached: boolean, which: 'wide' | 'tiny' | 'model') => {
    let total = 0;
    for (let i = 0; i < PER_ROUND; i++) {
      const text = `what does module ${i} do?`;
      const m = store.addMessage({ sessionId: session.id, role: 'user', text });
      const att: { items: AttachmentItem[]; sources?: unknown[] } | undefined = attached ? { items } : undefined;
      const t0 = process.hrtime.bigint();
      (which === 'model' ? compact : prompt).build(store, provider, session.id, m.id, text, 40, true, null, att as never);
      total += Number(process.hrtime.bigint() - t0) / 1e6;
      if (att) sources = { ...sources, [which]: att.sources?.length ?? 0 };
      store.addMessage({ sessionId: session.id, role: 'assistant', text: 'ok' });
    }
    return total / PER_ROUND;
  };

  const [baseWide, withWide] = await alternate(
    ROUNDS,
    async () => builds(wide, false, 'wide'),
    async () => builds(wide, true, 'wide'),
  );
  const [baseTiny, withTiny] = await alternate(
    ROUNDS,
    async () => builds(tiny, false, 'tiny'),
    async () => builds(tiny, true, 'tiny'),
  );
  const model = new EmbeddedProvider({
    model: MODEL_PATH,
    modelsDir: mkdtempSync(path.join(os.tmpdir(), 'alisa-attach-models-')),
    threads: 1,
    gpu: false,
    contextSize: 512,
    parallel: 1,
  });
  await model.ensureReady();
  const [baseModel, withModel] = await alternate(
    ROUNDS,
    async () => builds(model, false, 'model'),
    async () => builds(model, true, 'model'),
  );
  await model.dispose?.();
  const chars = items.reduce((n, it) => n + it.text.length, 0);
  console.log(`attachments_chars: ${chars}`);
  console.log(`attachments_prompt_none_wide_ms: ${median(baseWide).toFixed(3)}`);
  console.log(`attachments_prompt_full_wide_ms: ${median(withWide).toFixed(3)}`);
  console.log(`attachments_full_vs_none_wide_ratio: ${(median(withWide) / median(baseWide)).toFixed(2)}`);
  console.log(`attachments_wide_sources: ${sources.wide}`);
  console.log(`attachments_prompt_none_512_ms: ${median(baseTiny).toFixed(3)}`);
  console.log(`attachments_prompt_full_512_ms: ${median(withTiny).toFixed(3)}`);
  console.log(`attachments_full_vs_none_512_ratio: ${(median(withTiny) / median(baseTiny)).toFixed(2)}`);
  console.log(`attachments_512_sources: ${sources.tiny}`);
  console.log(`attachments_prompt_none_tokenizer_ms: ${median(baseModel).toFixed(3)}`);
  console.log(`attachments_prompt_full_tokenizer_ms: ${median(withModel).toFixed(3)}`);
  console.log(`attachments_full_vs_none_tokenizer_ratio: ${(median(withModel) / median(baseModel)).toFixed(2)}`);
  console.log(`attachments_tokenizer_sources: ${sources.model}`);
  store.close();
}

runMain(main);
