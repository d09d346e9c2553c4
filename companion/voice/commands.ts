// The built-in voice commands, recognised offline by pocketsphinx with a JSGF grammar of exactly
// these phrases (so they work with no dictation model), or found in a dictation transcript.

export interface VoiceCommand {
  /** A stable id to act on (commandByPhrase finds it from the phrase). */
  id: string;
  /**
   * The canonical words, lowercase, all in pocketsphinx's en-us dictionary: what
   * `voice.transcript.command` carries and `onCommand` receives.
   */
  phrase: string;
  /** Other ways to say it (also in the grammar). */
  aliases?: string[];
}

export const BUILTIN_COMMANDS: readonly VoiceCommand[] = [
  { id: 'hello', phrase: 'hello alisa', aliases: ['hey alisa'] },
  { id: 'stop_talking', phrase: 'stop talking' },
  { id: 'explain_error', phrase: 'explain this error', aliases: ['explain the error'] },
  { id: 'fix_error', phrase: 'fix this error', aliases: ['fix the error'] },
  { id: 'open_chat', phrase: 'open the chat', aliases: ['open chat'] },
  { id: 'new_session', phrase: 'new session' },
  { id: 'be_quiet', phrase: 'be quiet' },
];

/** The command `voice.transcript.command` / `onCommand` names ("stop talking"), or null. */
export function commandByPhrase(phrase: string): VoiceCommand | null {
  return BUILTIN_COMMANDS.find((c) => c.phrase === phrase) ?? null;
}

/** JSGF grammar with one public rule: any one built-in phrase. */
export function commandGrammar(commands: readonly VoiceCommand[] = BUILTIN_COMMANDS): string {
  return `#JSGF V1.0;\ngrammar alisa;\npublic <command> = ${commands.flatMap(forms).join(' | ')};\n`;
}

const forms = (c: VoiceCommand): string[] => [c.phrase, ...(c.aliases ?? [])];

/**
 * Pronunciations added to the en-us dictionary's for the grammar words (pocketsphinx format):
 * accents and synthetic voices say "Alisa" and "explain" in more ways than cmudict lists.
 */
export const COMMAND_PRONUNCIATIONS: readonly string[] = [
  'alisa(2) AA L IY S AH',
  'alisa(3) AH L IH S AH',
  'alisa(4) AE L IY S AH',
  'explain(2) EH K S P L EY N',
  'explain(3) AH K S P L EY N',
  'error(2) EH R AH',
  'error(3) EH R AO R',
  'talking(2) T AA K IH NG',
  'stop(2) S T AO P',
];

// Names dictation engines write for "Alisa".
const NAME_VARIANTS = /\b(alyssa|elisa|alissa|aliza|elissa|melissa|lisa|alisha)\b/g;

function normalizeSpeech(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .replace(NAME_VARIANTS, 'alisa')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The command `text` is, if it is one: the whole utterance must be the phrase (optionally
 * preceded by "alisa" or followed by "please"/"alisa"), so "stop talking about the weather"
 * stays dictation.
 */
export function matchCommand(text: string, commands: readonly VoiceCommand[] = BUILTIN_COMMANDS): VoiceCommand | null {
  let t = normalizeSpeech(text);
  for (const c of commands) if (forms(c).includes(t)) return c;
  t = t.replace(/^(hey |ok |okay )?alisa /, '').replace(/ (please|alisa|now)$/, '');
  for (const c of commands) if (forms(c).includes(t)) return c;
  return null;
}

/** Share of the speech a grammar match must cover to count as a command (pocketsphinx parseOutput). */
const MIN_COMMAND_COVERAGE = 0.5;

/** The command of a grammar transcript, when it is confident enough. */
export function confidentCommand(t: { text: string; confidence?: number }): VoiceCommand | null {
  if ((t.confidence ?? 1) < MIN_COMMAND_COVERAGE) return null;
  return matchCommand(t.text);
}
