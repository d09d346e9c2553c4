// Terminal output as text (pure): escape sequences removed, bounded to the tail.
import { LIMITS } from './limits';
import { capTail } from './privacy';

// CSI, OSC (ending in BEL or ST) and two-character escapes.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text
    .replace(ANSI, '')
    .replace(/\r\n/g, '\n')
    .replace(/[^\n]*\r(?!\n)/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f]/g, '');
}

/** Collects streamed chunks, keeping only a bounded tail in memory. */
export class OutputTail {
  private text = '';
  constructor(private readonly max: number = LIMITS.terminalOutput * 4) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.max * 2) this.text = this.text.slice(this.text.length - this.max);
  }
  /** The cleaned tail, at most LIMITS.terminalOutput characters. */
  value(): string {
    return capTail(stripAnsi(this.text).trimEnd(), LIMITS.terminalOutput);
  }
}
