// The network gate's words that both the panel and VS Code show: what each mode means and what
// each feature that connects out is called. No zod and no other import here: the extension
// loads this at activation (protocol/network.ts builds its schemas on it and re-exports it).

export const NETWORK_MODES = ['offline', 'ask', 'allowed'] as const;

/** What the user reads for each mode (the setting's enumDescriptions say the same). */
export const NETWORK_MODE_TEXT: Record<(typeof NETWORK_MODES)[number], string> = {
  offline: 'Offline: Alisa never connects to another machine; online voices, downloads and remote servers are blocked.',
  ask: 'Ask: Alisa asks you once per host before she connects to another machine (a download, an online voice, a remote server).',
  allowed: 'Allowed: Alisa connects when a feature needs it, and records every connection.',
};

/**
 * The features that may connect out (a record's `feature`; other ids are allowed, shown as is).
 * `unannounced` is a connection that did not go through the gate: the socket guard caught it.
 */
export const NETWORK_FEATURE_LABELS: Record<string, string> = {
  'model-download': 'model download',
  'llm-endpoint': 'remote language model server',
  'voice-edge': 'online voice (Microsoft Edge)',
  'voice-server': 'voice server (ElevenLabs, Fish Audio, XTTS, OpenAI-compatible)',
  'voice-download': 'voice download',
  'stt-server': 'transcription server',
  'mcp-server': 'MCP server',
  unannounced: 'connection outside the gate',
};

export function networkFeatureLabel(feature: string): string {
  return NETWORK_FEATURE_LABELS[feature] ?? feature;
}
