// Public surface of the language-model layer. Everything else in this folder is internal.
import { EmbeddedProvider, type EmbeddedOptions } from './embedded-provider';
import { OpenAiProvider, type OpenAiOptions } from './openai-provider';
import { ProviderRegistry } from './provider-registry';
import type { LlmProvider } from './types';

export type { ChatTurn, GenerateRequest, LlmProvider } from './types';
export { EmbeddedProvider, type EmbeddedOptions } from './embedded-provider';
export { OpenAiProvider } from './openai-provider';
export { ProviderRegistry } from './provider-registry';
export { parseSse, SseParser } from './sse-parser';

interface ProvidersConfig {
  /** Provider ids, most preferred first: 'embedded', 'openai'. See provider-registry.ts. */
  order: string[];
  embedded?: EmbeddedOptions;
  openai?: OpenAiOptions;
}

/**
 * Builds the providers that have options and a registry over them. Nothing is loaded or contacted
 * here: the first `registry.active()` does that.
 */
export function createProviders(config: ProvidersConfig): ProviderRegistry {
  const providers: LlmProvider[] = [];
  if (config.embedded) providers.push(new EmbeddedProvider(config.embedded));
  if (config.openai) providers.push(new OpenAiProvider(config.openai));
  return new ProviderRegistry(providers, config.order);
}
