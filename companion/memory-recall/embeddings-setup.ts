// The embedder for hybrid recall, from the configuration (--embedding-model, the setting
// alisa.memory.embeddingModel): none by default (recall by words alone), a GGUF file, "chat": the
// chat model's own file, found when first needed (an hf:/https: chat model once downloaded), or
// "openai:<model>": the OpenAI-compatible chat server's /embeddings. A choice that cannot work
// (openai: without a server) is an embedder that fails with the reason, shown in status: a wrong
// setting must not stop the companion, and chat goes on by words.
import path from 'node:path';
import type { CompanionConfig } from '../config';
import { AlisaError } from '../errors';
import { EmbeddedEmbedder, EMBEDDING_MODEL_ACTION } from '../llm/embedded-embedder';
import type { Embedder } from '../llm/embedder';
import { findDownloadedModel, isRemoteModel } from '../llm/model-source';
import { OpenAiEmbedder } from '../llm/openai-embedder';

const OPENAI = 'openai:';

function failing(model: string, error: AlisaError): Embedder {
  return { model, dimensions: 0, embed: () => Promise.reject(error) };
}

export function createMemoryEmbedder(
  config: Pick<CompanionConfig, 'embeddingModel' | 'model' | 'modelsDir' | 'threads' | 'gpu'> & Partial<Pick<CompanionConfig, 'endpoint' | 'apiKey'>>,
): (Embedder & { dispose?: () => Promise<void> }) | null {
  const choice = config.embeddingModel;
  if (!choice) return null;
  if (choice.startsWith(OPENAI)) {
    const model = choice.slice(OPENAI.length).trim();
    if (!config.endpoint || !model) {
      return failing(
        choice,
        new AlisaError(
          'invalid_argument',
          config.endpoint
            ? 'The embedding model "openai:" names no model.'
            : 'The embedding model "openai:…" needs an OpenAI-compatible server (alisa.llm.endpoint).',
          'Set the server, or choose a GGUF embedding model instead.',
        ),
      );
    }
    return new OpenAiEmbedder({ baseUrl: config.endpoint, model, apiKey: config.apiKey });
  }
  const modelPath =
    choice !== 'chat'
      ? path.resolve(choice)
      : async () => {
          if (!isRemoteModel(config.model)) return config.model;
          const file = await findDownloadedModel(config.model, config.modelsDir);
          if (file) return file;
          throw new AlisaError('model_missing', 'The embedding model is the chat model, which is not downloaded yet.', EMBEDDING_MODEL_ACTION);
        };
  return new EmbeddedEmbedder({ modelPath, threads: config.threads, gpu: config.gpu });
}
