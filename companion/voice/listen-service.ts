// Speech in: push-to-talk or hands-free recording, voice activity detection, speech-to-text and
// the built-in voice commands. VoiceService (the facade) owns one and relays its status.
//
// Push-to-talk: start() stops Alisa talking (barge-in) and records; stop() ends the recording,
// cuts the speech out with the VAD and recognises it: pocketsphinx with the command grammar and
// the dictation engine (if any) run in parallel; a command match (the whole utterance is one
// built-in phrase) becomes `voice.transcript` with `command` set and onCommand, anything else the
// dictation text with `command: null`. A WAV input ends by itself at its end.
// Hands-free: one continuous recording; each stretch of speech the VAD cuts (start on speech,
// end after ~700 ms of silence) is recognised the same way, in order, until hands-free is off.
import type { EngineState, ErrorInfo, VoiceConfigure } from '../../protocol';
import { AlisaError, toAlisaError } from '../errors';
import { confidentCommand, matchCommand, type VoiceCommand } from './commands';
import type { ListenServiceApi, ListenServiceDeps, ListenStatus } from './listen-types';
import { startRecording, type RecordOptions, type RecordResult, type Recording } from './recorder';
import { createSttEngines, sttStates, type SttEngines } from './stt/registry';
import { POCKETSPHINX_INSTALL } from './stt/pocketsphinx';

export const NO_STT_MESSAGE = 'Alisa cannot listen: no speech-to-text engine is installed or set up.';
/** What to do about it, in one sentence (the settings are launch settings the extension passes on). */
const NO_STT_ACTION = `${POCKETSPHINX_INSTALL.replace(/\.$/, '')}, or set a Whisper model folder (alisa.voice.sttModel) or a transcription server (alisa.voice.sttEndpoint).`;

type ListenSettings = Required<Pick<VoiceConfigure, 'sttEngine' | 'transcript' | 'handsFree' | 'input'>> & {
  sttModel: string | null;
  sttEndpoint: string | null;
};

interface Recognition {
  text: string;
  engine: string;
  command: VoiceCommand | null;
  ms: number;
}

/**
 * Recognises one utterance: the command grammar and dictation in parallel. A command wins when
 * the grammar matched and dictation (if any) does not clearly say something longer.
 */
export async function recognize(engines: SttEngines, pcm: Int16Array, commandsUsable: boolean, signal?: AbortSignal): Promise<Recognition> {
  const t0 = performance.now();
  const none: { text: string; confidence?: number } = { text: '' };
  const cmdP = commandsUsable ? engines.commands.transcribe(pcm, { signal }).catch(() => none) : Promise.resolve(none);
  const dictP = engines.dictation ? engines.dictation.transcribe(pcm, { signal }) : null;
  const [cmd, dict] = await Promise.all([
    cmdP,
    dictP
      ? dictP.then(
          (r) => r,
          (e: unknown) => e,
        )
      : null,
  ]);
  const ms = Math.round(performance.now() - t0);
  const dictation = dict && !(dict instanceof Error) ? (dict as { text: string }) : null;
  if (dictation) {
    const c = matchCommand(dictation.text);
    if (c) return { text: c.phrase, engine: engines.dictation!.id, command: c, ms };
  }
  const byGrammar = confidentCommand(cmd);
  if (byGrammar) {
    const words = dictation?.text.trim().split(/\s+/).filter(Boolean).length ?? 0;
    if (!dictation || words <= byGrammar.phrase.split(' ').length + 2) return { text: byGrammar.phrase, engine: engines.commands.id, command: byGrammar, ms };
  }
  if (dict instanceof Error) throw toAlisaError(dict, 'voice_unavailable');
  if (dictation) return { text: dictation.text, engine: engines.dictation!.id, command: null, ms };
  return { text: '', engine: engines.commands.id, command: null, ms };
}

export class ListenService implements ListenServiceApi {
  private settings: ListenSettings;
  private engines: SttEngines;
  private states: EngineState[] = [];
  private error: ErrorInfo | null = null;
  private recording: Recording | null = null;
  private handsFreeRec: Recording | null = null;
  /** Transcriptions in flight, in order. */
  private queue: Promise<void> = Promise.resolve();
  private finishing: Promise<void> | null = null;
  private disposed = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: ListenServiceDeps,
    /** Recorder overrides (tests: WAV pacing speed, PATH). */
    private readonly recordOverrides: Partial<RecordOptions> = {},
  ) {
    this.settings = {
      sttEngine: 'auto',
      sttModel: deps.sttModel ?? null,
      sttEndpoint: deps.sttEndpoint ?? null,
      transcript: 'insert',
      handsFree: false,
      input: 'default',
    };
    this.engines = this.build();
  }

  private build(): SttEngines {
    return createSttEngines({
      ...this.settings,
      sttServerModel: this.deps.sttServerModel ?? undefined,
      modelsDir: this.deps.modelsDir,
      env: this.recordOverrides.env,
    });
  }

  private log(line: string): void {
    this.deps.log?.(line);
  }

  private changed(): void {
    this.deps.onChange?.();
  }

  private setError(err: unknown): AlisaError {
    const e = toAlisaError(err, 'voice_unavailable');
    this.error = e.toInfo();
    this.log(`voice: ${e.message}`);
    this.changed();
    return e;
  }

  async configure(p: VoiceConfigure): Promise<void> {
    const before = this.settings;
    const next: ListenSettings = {
      sttEngine: p.sttEngine ?? before.sttEngine,
      // Launch settings: fixed for the life of the service.
      sttModel: before.sttModel,
      sttEndpoint: before.sttEndpoint,
      transcript: p.transcript ?? before.transcript,
      handsFree: p.handsFree ?? before.handsFree,
      input: p.input ?? before.input,
    };
    this.settings = next;
    if (next.sttEngine !== before.sttEngine || !this.states.length) {
      this.engines = this.build();
      await this.refreshStates();
    }
    const inputChanged = next.input !== before.input;
    if (this.handsFreeRec && (!next.handsFree || inputChanged)) await this.stopHandsFree();
    if (next.handsFree && !this.handsFreeRec && (!before.handsFree || inputChanged)) {
      await this.startHandsFree().catch(() => undefined); // the error is in status()
    }
    this.changed();
  }

  private async refreshStates(): Promise<void> {
    this.states = await sttStates(this.engines);
    // The model or server problem is the user's to fix: show it until the settings change.
    const dict = this.engines.dictation && this.states.find((s) => s.id === this.engines.dictation!.id);
    this.error =
      dict && !dict.available
        ? {
            code: this.engines.dictation!.id === 'sherpa' ? 'stt_model_missing' : 'voice_unavailable',
            message: dict.reason ?? 'The dictation engine is not usable.',
          }
        : null;
  }

  status(): ListenStatus {
    return { listening: !!(this.recording || this.handsFreeRec), handsFree: this.settings.handsFree, stt: this.states, error: this.error };
  }

  private commandsUsable(): boolean {
    return this.states.some((s) => s.id === 'pocketsphinx' && s.available);
  }

  /** Throws voice_unavailable when nothing could turn speech into anything. */
  private requireEngine(): void {
    const dict = this.engines.dictation && this.states.find((s) => s.id === this.engines.dictation!.id && s.available);
    if (!dict && !this.commandsUsable()) {
      const e = new AlisaError('voice_unavailable', NO_STT_MESSAGE, NO_STT_ACTION);
      this.setError(e);
      throw e;
    }
  }

  private recordOptions(extra: Partial<RecordOptions>): RecordOptions {
    return { input: this.settings.input, maxMs: 30_000, log: (l) => this.log(l), ...this.recordOverrides, ...extra };
  }

  async start(): Promise<void> {
    if (this.disposed) throw new AlisaError('cancelled', 'Voice input is shut down.');
    if (this.recording || this.handsFreeRec) return;
    if (!this.states.length) await this.refreshStates();
    this.requireEngine();
    this.deps.onUserSpeech?.();
    let rec: Recording;
    try {
      rec = await startRecording(this.recordOptions({}));
    } catch (err) {
      throw this.setError(err);
    }
    this.recording = rec;
    this.error = null;
    this.changed();
    // Ends by itself at the end of a WAV input, at the length guard, or when the recorder dies.
    this.finishing = rec.done.then((r) => this.finishPushToTalk(rec, r));
    this.finishing.catch(() => undefined); // stop() reports it; the error is in status() too
  }

  async stop(): Promise<void> {
    const rec = this.recording;
    if (rec) await rec.stop();
    if (this.finishing) await this.finishing;
    else await this.queue;
  }

  private async finishPushToTalk(rec: Recording, r: RecordResult): Promise<void> {
    if (this.recording === rec) this.recording = null;
    this.changed();
    if (r.reason === 'failed' && !r.speech)
      throw this.setError(
        new AlisaError('microphone_unavailable', `The recorder (${r.tool}) stopped unexpectedly.`, 'Check the microphone, or set another voice input.'),
      );
    if (!r.speech) {
      this.log(`voice: no speech heard (${r.ms} ms, ${r.reason})`);
      return;
    }
    await this.handle(r.speech);
  }

  /** Recognises one utterance and emits the transcript (and the command). */
  private async handle(speech: Int16Array): Promise<void> {
    let rec: Recognition;
    try {
      rec = await recognize(this.engines, speech, this.commandsUsable(), this.abort.signal);
    } catch (err) {
      throw this.setError(err);
    }
    if (this.disposed) return;
    this.log(`voice: heard ${JSON.stringify(rec.text)} (${rec.engine}${rec.command ? `, command ${rec.command.id}` : ''}, ${rec.ms} ms)`);
    if (!rec.text) return; // commands only, and it was none of them
    if (this.error) {
      this.error = null;
      this.changed();
    }
    // `command` is the command's canonical phrase ("stop talking"), as protocol/voice.ts documents
    // and VoiceService.handleCommand and the webview ("Heard: ...") expect; commands.ts maps it
    // to a stable id (commandByPhrase) for whoever acts on it.
    const action = !rec.command && (this.deps.onActionPhrase?.(rec.text) ?? false);
    const command = rec.command?.phrase ?? (action ? rec.text : null);
    this.deps.emit({ type: 'voice.transcript', text: rec.text, engine: rec.engine, command, mode: this.settings.transcript });
    if (rec.command) this.deps.onCommand?.(rec.command.phrase);
  }

  private async startHandsFree(): Promise<void> {
    if (!this.states.length) await this.refreshStates();
    try {
      this.requireEngine();
    } catch (err) {
      this.settings.handsFree = false;
      throw err;
    }
    let rec: Recording;
    try {
      rec = await startRecording(
        this.recordOptions({
          onSpeechStart: () => this.deps.onUserSpeech?.(),
          onUtterance: (speech) => {
            this.queue = this.queue.then(() => this.handle(speech)).catch(() => undefined);
          },
        }),
      );
    } catch (err) {
      this.settings.handsFree = false;
      throw this.setError(err);
    }
    this.handsFreeRec = rec;
    this.changed();
    void rec.done.then((r) => {
      if (this.handsFreeRec === rec) this.handsFreeRec = null;
      if (r.reason === 'failed')
        this.setError(
          new AlisaError('microphone_unavailable', `The recorder (${r.tool}) stopped unexpectedly.`, 'Check the microphone, or set another voice input.'),
        );
      this.changed();
    });
  }

  private async stopHandsFree(): Promise<void> {
    const rec = this.handsFreeRec;
    this.handsFreeRec = null;
    if (rec) await rec.stop();
    await this.queue;
  }

  /** Resolves when hands-free listening has ended (its input ran out or it was turned off) and every utterance is out. */
  async idle(): Promise<void> {
    if (this.handsFreeRec) await this.handsFreeRec.done;
    await this.queue;
    if (this.finishing) await this.finishing.catch(() => undefined);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.recording?.stop();
    await this.stopHandsFree();
    this.abort.abort();
    await this.finishing?.catch(() => undefined);
  }
}
