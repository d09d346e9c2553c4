// Keys of the voices on a server (issue 19: ElevenLabs, Fish Audio, an OpenAI-compatible speech
// server): kept in VS Code's SecretStorage, handed to the companion only in its environment (the
// names its engines read, companion/voice/tts/http-engines.ts KEY_ENV), never in settings or argv.
import * as vscode from 'vscode';

export const VOICE_KEY_SECRETS = [
  { env: 'ELEVENLABS_API_KEY', secret: 'alisa.voice.elevenLabsApiKey', label: 'ElevenLabs' },
  { env: 'FISH_API_KEY', secret: 'alisa.voice.fishAudioApiKey', label: 'Fish Audio' },
  { env: 'ALISA_TTS_API_KEY', secret: 'alisa.voice.openaiTtsApiKey', label: 'OpenAI-compatible speech server' },
] as const;

export function isVoiceKeySecret(key: string): boolean {
  return VOICE_KEY_SECRETS.some((k) => k.secret === key);
}

/** The stored keys by environment variable name (absent ones left out). */
export async function readVoiceKeys(secrets: vscode.SecretStorage): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const k of VOICE_KEY_SECRETS) out[k.env] = await secrets.get(k.secret);
  return out;
}

/** "Alisa: Set Voice API Key": which service, then the key (empty removes it). The companion restarts on the change. */
export async function setVoiceApiKey(secrets: vscode.SecretStorage): Promise<void> {
  const pick = await vscode.window.showQuickPick(
    VOICE_KEY_SECRETS.map((k) => ({ label: k.label, description: `also read from ${k.env}`, entry: k })),
    { title: 'API key for which voice?' },
  );
  if (!pick) return;
  const key = await vscode.window.showInputBox({
    title: `API key for ${pick.entry.label}`,
    prompt: "Kept in VS Code's secret storage, never in settings. Leave empty to remove the stored key.",
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return;
  if (key.trim()) await secrets.store(pick.entry.secret, key.trim());
  else await secrets.delete(pick.entry.secret);
  void vscode.window.showInformationMessage(
    key.trim()
      ? `The ${pick.entry.label} key was saved; Alisa restarts to use it.`
      : `The stored ${pick.entry.label} key was removed; Alisa restarts without it.`,
  );
}
