// Shared pieces of the companion's voice tests: a plain reply-event source for VoiceService, a
// VoiceService wired to record its events, and the small probes (espeak-ng present, a closed port).
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import type { CompanionEvent } from '../../protocol';
import type { ChatEventListener } from '../../companion/chat/chat-service';
import { VoiceService } from '../../companion/voice/voice-service';

/** True when espeak-ng runs on this machine. */
export function hasEspeak(): boolean {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Reply events as ChatService.onEvent delivers them, sent by hand. */
export class Replies {
  private listeners = new Set<ChatEventListener>();
  onEvent(l: ChatEventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  send(e: CompanionEvent): void {
    for (const l of this.listeners) l(e, null);
  }
  start(replyId: string): void {
    this.send({ type: 'reply.start', replyId, sessionId: 1, userMessageId: 1, spontaneous: false });
  }
  token(replyId: string, text: string): void {
    this.send({ type: 'reply.token', replyId, text });
  }
  end(replyId: string, text = '', interrupted = false): void {
    this.send({
      type: 'reply.end',
      replyId,
      sessionId: 1,
      messageId: 2,
      text,
      emotion: 'neutral',
      interrupted,
      tokens: { prompt: 1, completion: 1 },
      timings: { firstTokenMs: 1, totalMs: 1, tokensPerSecond: null },
      provider: 'test',
    });
  }
  /** A whole reply: start, one token, end. */
  say(replyId: string, text: string): void {
    this.start(replyId);
    this.token(replyId, text);
    this.end(replyId, text);
  }
}

type VoiceOptions = ConstructorParameters<typeof VoiceService>[0]['options'];

/**
 * A VoiceService fed by a Replies source, with every event it emits recorded; `until` waits (without
 * a timer) for the next event until the predicate holds; `states` lists the voice downloads' states.
 */
export function recordingVoice(dataDir: string, options: VoiceOptions) {
  const chat = new Replies();
  const events: CompanionEvent[] = [];
  let wake: (() => void) | null = null;
  const voice = new VoiceService({
    events: chat,
    emit: (e) => {
      events.push(e);
      wake?.();
    },
    dataDir,
    log: () => {},
    options,
  });
  const until = async (pred: () => boolean) => {
    while (!pred()) await new Promise<void>((r) => (wake = r));
  };
  const states = () => events.flatMap((e) => (e.type === 'voice.state' && e.status.voiceDownload ? [e.status.voiceDownload] : []));
  return { chat, events, voice, until, states };
}
