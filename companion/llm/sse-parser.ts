// A server-sent events decoder (the WHATWG "event stream" format) for streamed chat completions.
// Pure: bytes in, events out, no I/O, so it can be tested with a transcript split at every byte.
//
// Invariants that make arbitrary chunk boundaries safe:
// - bytes are decoded with a streaming TextDecoder, so a UTF-8 character split across chunks is
//   joined before any line is looked at;
// - a line ends at CRLF, LF or CR; a CR at the very end of a chunk is held back until the next
//   chunk shows whether an LF follows (otherwise "\r" + "\n" in two chunks would count as two line
//   ends, i.e. a spurious empty line that dispatches an event early);
// - an event is dispatched at an empty line; `end()` dispatches a final event that the server
//   did not terminate with an empty line.
// Lines starting with ':' are comments (keep-alives); `data` lines are joined with '\n';
// `event`, `id` and `retry` are kept as the spec says; unknown fields are ignored.

export interface SseEvent {
  /** The `event:` field; 'message' when absent. */
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private data: string[] = [];
  private eventName = '';
  private lastId: string | undefined;
  private sawField = false;

  /** Feeds a chunk (bytes or already-decoded text); returns the events it completes. */
  push(chunk: Uint8Array | string): SseEvent[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    return this.drain(false);
  }

  /** The stream ended: flushes the decoder and any unterminated last line and event. */
  end(): SseEvent[] {
    this.buffer += this.decoder.decode();
    const events = this.drain(true);
    if (this.buffer.length > 0) {
      this.line(this.buffer, events);
      this.buffer = '';
    }
    this.dispatch(events);
    return events;
  }

  private drain(final: boolean): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      if (ch === 13 && i === this.buffer.length - 1 && !final) break; // CR at the end: wait for a possible LF
      this.line(this.buffer.slice(start, i), events);
      if (ch === 13 && this.buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      this.dispatch(events);
      return;
    }
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.sawField = true;
        break;
      case 'event':
        this.eventName = value;
        this.sawField = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
        break; // 'retry' and unknown fields do not matter to a one-shot request
    }
  }

  private dispatch(events: SseEvent[]): void {
    if (this.sawField && this.data.length > 0) {
      const event: SseEvent = { event: this.eventName || 'message', data: this.data.join('\n') };
      if (this.lastId !== undefined) event.id = this.lastId;
      events.push(event);
    }
    this.data = [];
    this.eventName = '';
    this.sawField = false;
  }
}

/** All events of a complete stream given as chunks: the parser as a pure function. */
export function parseSse(chunks: Iterable<Uint8Array | string>): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}
