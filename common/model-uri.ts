// Whether the model setting names something to download (pure: the extension uses it too).

/** An `hf:`/`huggingface:` or `http(s)://` URI, as opposed to a local GGUF path. */
export function isRemoteModel(model: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/i.test(model.trim());
}
