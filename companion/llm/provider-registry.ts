// Chooses which configured provider answers.
//
// FALLBACK ORDER SEMANTICS
// - `order` lists provider ids, most preferred first (e.g. ['embedded', 'openai']).
// - Every active() call walks `order` from the start and returns the first provider whose
//   ensureReady() succeeds. So a preferred provider that failed earlier is tried again on the
//   next call (a model file that appeared, a server that was started) and wins back as soon as it
//   works; nothing is "stuck" on a fallback.
// - Trying a failed provider again is cheap for the usual failures (a missing file, a refused
//   connection). Slow failures cost their own time limit on each call: an OpenAI server on an
//   unreachable host up to its timeoutMs, an offline download its preflight limit.
// - Providers share nothing: a provider that is loading blocks active() until it is ready or
//   fails (concurrent active() calls share that one attempt through ensureReady()).
// - If all fail, the error carries the code (and action) of the first provider's failure - the
//   preferred one, which the user most likely wants fixed - and a message naming every reason.
// - An id in `order` without a provider counts as a failure ("not configured"), so a misspelt
//   setting shows up in that message instead of being silently skipped.
import type { ModelState } from '../../protocol';
import { AlisaError, toAlisaError } from '../errors';
import type { LlmProvider } from './types';

type RegistryListener = (current: ModelState, all: ModelState[]) => void;

export class ProviderRegistry {
  private readonly providers = new Map<string, LlmProvider>();
  private readonly order: string[];
  private readonly listeners = new Set<RegistryListener>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(providers: LlmProvider[], order: string[]) {
    for (const provider of providers) this.providers.set(provider.id, provider);
    this.order = [...new Set(order)];
    for (const provider of providers) this.unsubscribe.push(provider.onStateChange(() => this.emit()));
  }

  /** The first provider in `order` that is ready (loading it if needed). Throws AlisaError. */
  async active(): Promise<LlmProvider> {
    if (this.order.length === 0) {
      throw new AlisaError(
        'no_provider',
        'No language model provider is configured.',
        'Set the provider order (alisa.llm.providers), e.g. ["embedded"] with a model file, or ["openai"] with an endpoint.',
      );
    }
    const failures: Array<{ id: string; error: AlisaError }> = [];
    for (const id of this.order) {
      const provider = this.providers.get(id);
      if (!provider) {
        failures.push({
          id,
          error: new AlisaError(
            'no_provider',
            `the provider "${id}" is not configured`,
            'Configure it or remove it from the provider order (alisa.llm.providers).',
          ),
        });
        continue;
      }
      try {
        await provider.ensureReady();
        return provider;
      } catch (err) {
        failures.push({ id, error: toAlisaError(err, 'llm_failed') });
      }
    }
    const first = failures[0]!.error;
    const reasons = failures.map(({ id, error }) => `${id}: ${error.message.replace(/\.$/, '')}`).join('; ');
    throw new AlisaError(first.code, `No language model is available. ${reasons}.`, first.action, { cause: first });
  }

  get(id: string): LlmProvider | undefined {
    return this.providers.get(id);
  }

  /** Every configured provider's state, in preference order (ids in `order` first). */
  states(): ModelState[] {
    return this.ordered().map((p) => p.state());
  }

  /** The preferred provider that is ready now, without loading anything (null: none is). */
  readyProvider(): LlmProvider | null {
    return this.inOrder().find((p) => p.state().state === 'ready') ?? null;
  }

  /** The preferred provider that is ready; else the first in order; else 'none'. */
  current(): ModelState {
    const ordered = this.inOrder();
    const ready = ordered.find((p) => p.state().state === 'ready');
    if (ready) return ready.state();
    // Progress is news the user waits for: a download or load in progress outranks an earlier
    // provider's error (e.g. a server that is down while the embedded model downloads).
    const busy = ordered.find((p) => p.state().state === 'loading' || p.state().state === 'downloading');
    if (busy) return busy.state();
    if (ordered[0]) return ordered[0].state();
    return {
      provider: null,
      state: 'none',
      model: null,
      progress: null,
      error: this.order.length === 0 ? { code: 'no_provider', message: 'No language model provider is configured.' } : null,
    };
  }

  /** Stops every download or load in progress (the partial download is kept for resuming). */
  /** The user said yes to downloading: every provider that downloads may now do so. */
  allowDownloads(): void {
    for (const p of this.providers.values()) p.allowDownload?.();
  }

  cancelLoads(): boolean {
    let any = false;
    for (const p of this.providers.values()) {
      const state = p.state().state;
      if ((state === 'loading' || state === 'downloading') && p.cancelLoad) {
        p.cancelLoad();
        any = true;
      }
    }
    return any;
  }

  /** Called with current() and states() whenever any provider's state changes. */
  onStateChange(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async dispose(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    this.listeners.clear();
    await Promise.all([...this.providers.values()].map((p) => p.dispose().catch(() => {})));
  }

  /** The providers named in `order`, in that order. */
  private inOrder(): LlmProvider[] {
    return this.order.map((id) => this.providers.get(id)).filter((p): p is LlmProvider => p !== undefined);
  }

  /** Every provider: those in `order` first, then the rest. */
  private ordered(): LlmProvider[] {
    const inOrder = this.inOrder();
    return [...inOrder, ...[...this.providers.values()].filter((p) => !inOrder.includes(p))];
  }

  private emit(): void {
    if (this.listeners.size === 0) return;
    const current = this.current();
    const all = this.states();
    for (const listener of [...this.listeners]) {
      try {
        listener(current, all);
      } catch {
        // A broken listener must not break the providers.
      }
    }
  }
}
