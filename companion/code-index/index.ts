// The codebase index (issue 17): its public surface. app.ts builds it with createCodeIndex and
// hands it to the request handlers (codeIndex.*) and to chat (`@codebase`, as a CodebaseRetriever).
import path from 'node:path';
import type { EventHub } from '../events';
import type { Embedder } from '../llm/embedder';
import { CodeIndexService } from './code-index-service';

export { CodeIndexService } from './code-index-service';
export type { CodebaseRetriever, CodeChunkHit } from './retriever';

/** The service, its files under DATA/code-index/, its progress on the event hub (every client filters by its workspace id). */
export function createCodeIndex(deps: { dataDir: string; events: EventHub; log: (line: string) => void; embedder?: () => Embedder | null }): CodeIndexService {
  return new CodeIndexService({
    dir: path.join(deps.dataDir, 'code-index'),
    emit: (status) => deps.events.emit({ type: 'codeIndex.progress', ...status }),
    log: deps.log,
    embedder: deps.embedder,
  });
}
