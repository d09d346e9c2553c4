// @vitest-environment happy-dom
// The Memory view's line about recall by meaning (issue 17): what status says of the embedding
// model (companion/memory-recall/memory-vectors.ts), in the real panel through the shared fake host:
// no line without an embedding model, progress while vectors are made, "on" when they are, and
// the reason when the model cannot be used.
import { describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { EmbeddingsState, Status } from '../protocol';
import { FakeHost, READY_STATUS } from './helpers/fake-host';
import { clearBodyAfterEach, openPanel, settle } from './helpers/panel';
import { firstRunAnswers } from './helpers/webview-fixtures';

const line = () => document.querySelector<HTMLElement>('#memory-panel .memory-embeddings')!;
const status = (embeddings?: EmbeddingsState): Status => ({ ...READY_STATUS, ...(embeddings ? { embeddings } : {}) });

clearBodyAfterEach();

describe('recall by meaning in the Memory view', () => {
  it('follows the embedding model in status', async () => {
    const host = new FakeHost('vscode', { answers: { ...firstRunAnswers(), 'memories.list': () => ({ facts: [], total: 0, nextCursor: null }) } });
    await openPanel(host);
    host.emit({ type: 'status', status: status() });
    await settle();
    expect(line().hidden).toBe(true);

    const model = 'gguf:nomic-embed.gguf:1234';
    host.emit({ type: 'status', status: status({ model, state: 'working', indexed: 1, error: null }) });
    await settle();
    expect(line().hidden).toBe(false);
    expect(line().textContent).toBe('Recall by meaning is getting ready: 1 memory so far.');

    host.emit({ type: 'status', status: status({ model, state: 'ready', indexed: 120, error: null }) });
    await settle();
    expect(line().textContent).toBe('Recall by meaning is on: 120 memories ready.');
    expect(line().classList.contains('memory-embeddings-error')).toBe(false);

    host.emit({ type: 'status', status: status({ model, state: 'error', indexed: 0, error: 'Embedding model: Model file not found: /m/e.gguf' }) });
    await settle();
    expect(line().textContent).toBe('Recall by meaning is off (Embedding model: Model file not found: /m/e.gguf); she recalls memories by their words.');
    expect(line().classList.contains('memory-embeddings-error')).toBe(true);
  });
});
