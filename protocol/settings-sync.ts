// Settings the companion asks VS Code to keep (issue 19): a change made outside the editor (the
// waifu-rt3d `PUT /api/config`, companion/waifu/config-routes.ts) becomes the user's own setting,
// so VS Code's settings and the companion stay one source of truth. The companion emits
// `settings.changed`; each VS Code window writes the values into the user's global settings
// (extension/settings-sync.ts), only for the keys below and only when the value differs.
//
// Each key's value is checked here, as the setting itself would accept it: a companion cannot
// make the extension write anything else.
import * as z from 'zod';
import { TtsEngineId } from './voice';

const httpUrlOrEmpty = z
  .string()
  .max(1000)
  .refine((s) => s === '' || /^https?:\/\/[^\s]+$/i.test(s), 'an http:// or https:// URL, or empty');

/** One voice on a server in `alisa.voice.servers` (the keys never go there). */
const ServerEntry = z.strictObject({ url: httpUrlOrEmpty.optional(), voice: z.string().max(500).optional(), model: z.string().max(200).optional() });

export const SyncedSetting = z.discriminatedUnion('key', [
  z.object({
    key: z.literal('alisa.llm.providers'),
    value: z
      .array(z.enum(['embedded', 'openai']))
      .min(1)
      .max(2),
  }),
  z.object({ key: z.literal('alisa.llm.endpoint'), value: httpUrlOrEmpty }),
  z.object({ key: z.literal('alisa.llm.endpointModel'), value: z.string().max(200) }),
  z.object({ key: z.literal('alisa.voice.muted'), value: z.boolean() }),
  z.object({ key: z.literal('alisa.voice.voice'), value: z.string().max(100) }),
  z.object({ key: z.literal('alisa.voice.ttsEngines'), value: z.array(TtsEngineId).min(1).max(10) }),
  z.object({
    key: z.literal('alisa.voice.servers'),
    value: z.strictObject({
      openaiTts: ServerEntry.optional(),
      elevenLabs: ServerEntry.optional(),
      fishAudio: ServerEntry.optional(),
      xtts: ServerEntry.optional(),
    }),
  }),
  z.object({ key: z.literal('alisa.voice.sttEngine'), value: z.enum(['auto', 'sherpa', 'openai', 'whispercpp', 'pocketsphinx']) }),
  z.object({ key: z.literal('alisa.voice.sttEndpoint'), value: httpUrlOrEmpty }),
  z.object({ key: z.literal('alisa.voice.sttServerModel'), value: z.string().max(200) }),
]);
export type SyncedSetting = z.infer<typeof SyncedSetting>;
export type SyncedSettingKey = SyncedSetting['key'];

/** The settings a companion may ask VS Code to write; the extension repeats this list (a test checks they agree). */
export const SYNCED_SETTING_KEYS = SyncedSetting.options.map((o) => o.shape.key.value) as SyncedSettingKey[];

export const SettingsChangedEvent = z.object({
  type: z.literal('settings.changed'),
  changes: z.array(SyncedSetting).min(1).max(20),
  /** Who made the change, in words for the log ("the waifu-rt3d API (PUT /api/config)"). */
  source: z.string().max(200),
});
export type SettingsChangedEvent = z.infer<typeof SettingsChangedEvent>;
