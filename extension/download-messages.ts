// What the user reads when the model download fails. No `vscode` import: unit-tested in vitest.

/**
 * "Could not download the model: <reason>. You seem to be offline." The companion's message
 * names the URI and the host; the cause is in its last parentheses
 * ("... huggingface.co could not be reached, the machine may be offline (getaddrinfo ENOTFOUND huggingface.co).").
 */
export function downloadFailedMessage(companionMessage: string): string {
  const inner = /\(([^()]+)\)[^()]*$/.exec(companionMessage);
  const reason = (inner?.[1] ?? companionMessage).trim().replace(/\.$/, '');
  return `Could not download the model: ${reason}. You seem to be offline.`;
}
