// The extension's companion settings (extension/companion-args.ts) for tests, and what the
// companion makes of the command line the extension builds from them.
import { parseConfig } from '../../companion/config';
import { companionArgs, type CompanionSettings } from '../../extension/companion-args';

/** The settings of a fresh install (no model, no endpoint, every default), with `over` on top. */
export function companionSettings(over: Partial<CompanionSettings> = {}): CompanionSettings {
  return {
    modelPath: '',
    dataFolder: '/data/alisa',
    providers: null,
    endpoint: '',
    endpointModel: '',
    contextSize: null,
    threads: null,
    gpu: 'auto',
    promptStyle: 'full',
    emotionGrammar: false,
    historyTokens: 3000,
    maxReplyTokens: 512,
    character: null,
    mode: null,
    legacyPort: null,
    ...over,
  };
}

/** A real companion kept small and quick for tests: one thread, no GPU, a compact prompt, short replies. */
/** As TINY_MODEL_ARGS: the tiny model writes no memories of its own (they would be nonsense, and race the tests). */
export const QUICK_SETTINGS = {
  threads: 1,
  gpu: 'off',
  promptStyle: 'compact',
  historyTokens: 300,
  maxReplyTokens: 40,
  memoryExtract: 'off',
} satisfies Partial<CompanionSettings>;

/** The companion's config from the arguments the extension passes for `s` (failing on `help`). */
export function parsedArgs(s: CompanionSettings, parentPid = 1, env: NodeJS.ProcessEnv = {}) {
  const config = parseConfig(companionArgs(s, parentPid), env);
  if (config === 'help') throw new Error('help');
  return config;
}
