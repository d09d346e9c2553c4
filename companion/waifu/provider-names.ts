// The waifu-rt3d speech provider names and Alisa's engines, both ways (issue 19): one table for
// the config view (config-routes.ts) and the /api/tts override (speech-routes.ts).
import type { TtsEngineId } from '../../protocol';

/** The waifu-rt3d provider names, and Alisa's own engine ids, to Alisa's engines. */
export const TTS_PROVIDERS: Readonly<Record<string, TtsEngineId>> = {
  fish_audio: 'fish',
  elevenlabs: 'elevenlabs',
  piper_local: 'piper',
  xtts_server: 'xtts',
  openai_tts: 'openai-tts',
  piper: 'piper',
  espeak: 'espeak',
  msedge: 'msedge',
  'openai-tts': 'openai-tts',
  fish: 'fish',
  xtts: 'xtts',
};

/** Each engine by its waifu-rt3d name (the config answers these). */
export const TTS_NAMES: Readonly<Record<TtsEngineId, string>> = {
  fish: 'fish_audio',
  elevenlabs: 'elevenlabs',
  piper: 'piper_local',
  xtts: 'xtts_server',
  'openai-tts': 'openai_tts',
  espeak: 'espeak',
  msedge: 'msedge',
};
