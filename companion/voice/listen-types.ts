// The seam between the two directions of voice: VoiceService (speech out, and the facade the
// protocol handlers call) owns a ListenService (speech in). Declared here so both can be built
// and tested apart.
import type { CompanionEvent, EngineState, ErrorInfo, VoiceConfigure } from '../../protocol';

export interface ListenStatus {
  listening: boolean;
  handsFree: boolean;
  stt: EngineState[];
  error: ErrorInfo | null;
}

export interface ListenServiceDeps {
  /** Sends `voice.transcript` (and `voice.state` through the facade's status). */
  emit: (e: CompanionEvent) => void;
  /** Where downloaded dictation models live. */
  modelsDir: string;
  /**
   * Launch settings only (--stt-model, --stt-endpoint; never part of voice.configure): the
   * sherpa-onnx model and the transcription server. The engines check them and say in their
   * state what is wrong.
   */
  sttModel?: string | null;
  sttEndpoint?: string | null;
  /** The `model` field for an OpenAI-compatible transcription server (--stt-server-model). */
  sttServerModel?: string | null;
  log?: (line: string) => void;
  /** Called when the user starts talking (push-to-talk or VAD): speech out stops (barge-in). */
  onUserSpeech?: () => void;
  /** A built-in voice command was recognised ("stop talking", "new session", ...). */
  onCommand?: (command: string) => void;
  /**
   * Dictation that asks for an action ("take a note: buy milk", "open firefox"): true when it was
   * one and has been handed to the executor; the transcript then carries it as the command, so no
   * client also sends it as chat.
   */
  onActionPhrase?: (text: string) => boolean;
  /** Status changed (listening started or stopped, an error). */
  onChange?: () => void;
}

export interface ListenServiceApi {
  configure(p: VoiceConfigure): Promise<void>;
  status(): ListenStatus;
  /** Push-to-talk pressed: start recording (barge-in). */
  start(): Promise<void>;
  /** Released: stop, transcribe, emit the transcript. Resolves when the transcript is out. */
  stop(): Promise<void>;
  dispose(): Promise<void>;
}
