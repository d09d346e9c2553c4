// Reads a multipart/form-data body the way a real server framework does (the WHATWG parser in
// Node's Request), for the fake transcription servers: the plain fields, and the `file` part.
export interface ParsedForm {
  fields: Record<string, string>;
  file: File | null;
  /** The file's bytes (null without a `file` part). */
  bytes: Uint8Array | null;
}

/** Throws when the body is not valid multipart for that content type. */
export async function parseForm(contentType: string, body: Buffer): Promise<ParsedForm> {
  const form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(body) }).formData();
  const fields: Record<string, string> = {};
  let file: File | null = null;
  for (const [k, v] of form.entries()) {
    if (typeof v === 'string') fields[k] = v;
    else if (k === 'file') file = v as File;
  }
  return { fields, file, bytes: file ? new Uint8Array(await file.arrayBuffer()) : null };
}
