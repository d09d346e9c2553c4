// Which speech-to-text engines run. Dictation (free text) is one of sherpa (a local Whisper or
// Moonshine model), openai (a transcription server) or none; the built-in voice commands always
// go through pocketsphinx with the command grammar, which needs no dictation model.
//   auto: sherpa if a model is set, else the server of the endpoint (whispercpp when it ends in
//   /inference, whisper.cpp's route, else openai), else commands only
//   (pocketsphinx without a grammar is too poor for dictation to pick it by itself).
//   pocketsphinx: its free dictation too (poor, but offline and needs nothing else).
import type { EngineState, SttEngineId } from '../../../protocol';
import { AlisaError } from '../../errors';
import { COMMAND_PRONUNCIATIONS, commandGrammar } from '../commands';
import { OpenAiSttEngine } from './openai';
import { PocketsphinxEngine } from './pocketsphinx';
import { isWhisperCppEndpoint, WhisperCppEngine } from './whisper-cpp';
import { SherpaEngine } from './sherpa';
import type { SttEngine } from './types';

export type { SttEngine } from './types';
export { PocketsphinxEngine } from './pocketsphinx';
export { resolveSherpaModel } from './sherpa';

interface SttSettings {
  sttEngine?: 'auto' | SttEngineId;
  sttModel?: string | null;
  sttEndpoint?: string | null;
  /** Model name sent to the transcription server. */
  sttServerModel?: string;
  modelsDir?: string;
  env?: NodeJS.ProcessEnv;
}

export interface SttEngines {
  /** Free text, or null (commands only). */
  dictation: SttEngine | null;
  /** pocketsphinx with the built-in command grammar. */
  commands: PocketsphinxEngine;
}

export function dictationEngineId(s: SttSettings): SttEngineId | null {
  const choice = s.sttEngine ?? 'auto';
  if (choice !== 'auto') return choice;
  if (s.sttModel?.trim()) return 'sherpa';
  if (s.sttEndpoint?.trim()) return isWhisperCppEndpoint(s.sttEndpoint) ? 'whispercpp' : 'openai';
  return null;
}

export function createSttEngines(s: SttSettings): SttEngines {
  const commands = new PocketsphinxEngine({ grammar: commandGrammar(), pronunciations: COMMAND_PRONUNCIATIONS, env: s.env, timeoutMs: 15_000 });
  let dictation: SttEngine | null = null;
  switch (dictationEngineId(s)) {
    case 'sherpa':
      dictation = new SherpaEngine({ model: s.sttModel, modelsDir: s.modelsDir });
      break;
    case 'openai':
      dictation = s.sttEndpoint?.trim()
        ? new OpenAiSttEngine({ endpoint: s.sttEndpoint, model: s.sttServerModel })
        : new MissingEngine('openai', 'No transcription server is set (alisa.voice.sttEndpoint / --stt-endpoint).');
      break;
    case 'whispercpp':
      dictation = s.sttEndpoint?.trim()
        ? new WhisperCppEngine({ endpoint: s.sttEndpoint })
        : new MissingEngine('whispercpp', 'No whisper.cpp server is set (alisa.voice.sttEndpoint / --stt-endpoint, e.g. http://127.0.0.1:8080/inference).');
      break;
    case 'pocketsphinx':
      dictation = new PocketsphinxEngine({ grammar: null, env: s.env });
      break;
    default:
      dictation = null;
  }
  return { dictation, commands };
}

/** States for VoiceStatus.stt: the dictation engine first, then pocketsphinx for the commands. */
export async function sttStates(e: SttEngines): Promise<EngineState[]> {
  const states: EngineState[] = [];
  if (e.dictation && e.dictation !== e.commands) states.push(await e.dictation.available());
  const cmd = await e.commands.available();
  if (!states.some((s) => s.id === cmd.id)) states.push(cmd);
  return states;
}

/** An engine that cannot run, and says why (its setting is missing). */
export class MissingEngine implements SttEngine {
  constructor(
    readonly id: SttEngineId,
    private readonly reason: string,
  ) {}
  async available(): Promise<EngineState> {
    return { id: this.id, available: false, reason: this.reason };
  }
  async transcribe(): Promise<never> {
    throw new AlisaError('voice_unavailable', this.reason, 'Set the speech-to-text endpoint, or choose another engine.');
  }
}
