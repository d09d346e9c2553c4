// node-llama-cpp takes ~450 ms to import on a small machine, more than the companion's whole
// start-up budget. It is loaded on first use (the first model load), not at start-up; every
// value import from the package goes through here. Type-only imports stay static.
type NodeLlama = typeof import('node-llama-cpp');

let loading: Promise<NodeLlama> | null = null;

export function nodeLlama(): Promise<NodeLlama> {
  loading ??= import('node-llama-cpp');
  return loading;
}
