// Settings changed outside VS Code (issue 19): the companion's `settings.changed` event (a client
// of the waifu-rt3d API changed its `config`, companion/waifu/config-routes.ts) is written into
// the user's global settings, so VS Code's settings stay the one source of truth and the change
// survives a restart. Only the keys below, each already checked against its setting's type by the
// protocol (protocol/settings-sync.ts), and only when the value differs; a workspace value that
// hides the user's is left alone and logged.
//
// Only type imports from the protocol: a value import would load zod at activation.
import * as vscode from 'vscode';
import type { SettingsChangedEvent, SyncedSettingKey } from '../protocol/settings-sync';

/** The protocol's SYNCED_SETTING_KEYS, repeated to keep zod out of activation; a test checks they agree. */
export const SYNCED_KEYS = [
  'alisa.llm.providers',
  'alisa.llm.endpoint',
  'alisa.llm.endpointModel',
  'alisa.voice.muted',
  'alisa.voice.voice',
  'alisa.voice.ttsEngines',
  'alisa.voice.servers',
  'alisa.voice.sttEngine',
  'alisa.voice.sttEndpoint',
  'alisa.voice.sttServerModel',
] as const satisfies readonly SyncedSettingKey[];

interface SyncLog {
  info(message: string): void;
  warn(message: string): void;
}

/** JSON with object keys sorted: two values are the same setting when these agree. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** Writes the event's settings (User settings); resolves with the keys written. */
export async function applySettingsChanged(event: SettingsChangedEvent, log: SyncLog): Promise<string[]> {
  const config = vscode.workspace.getConfiguration();
  const written: string[] = [];
  for (const { key, value } of event.changes) {
    if (!(SYNCED_KEYS as readonly string[]).includes(key)) {
      log.warn(`ignored a change of ${key} from ${event.source}: Alisa does not write that setting for others.`);
      continue;
    }
    const i = config.inspect(key);
    const current = i?.globalValue !== undefined ? i.globalValue : i?.defaultValue;
    if (current !== undefined && canonical(current) === canonical(value)) continue;
    try {
      await config.update(key, value, vscode.ConfigurationTarget.Global);
      written.push(key);
    } catch (err) {
      log.warn(`could not save ${key} (from ${event.source}): ${(err as Error).message}`);
      continue;
    }
    if (i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined) {
      log.warn(`${key} was saved in your user settings, but this workspace sets its own value, which still applies here.`);
    }
  }
  if (written.length) log.info(`saved ${written.join(', ')} in your user settings (changed by ${event.source}).`);
  return written;
}
