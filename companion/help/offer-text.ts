// Her words when she offers help: in character (tsundere in teasing mode, gentle in calm mode,
// plain in serious mode), varied by what went wrong. 'serious' for errors, 'sad' for a failure
// that keeps coming back.
import type { Mode } from '../../protocol';
import type { HelpOffer, HelpTarget } from '../../protocol/context';
import type { LastFix } from '../../protocol/memory';

interface OfferTextInput {
  target: HelpTarget;
  mode: Mode;
  /** The same failure happened before this session. */
  repeated: boolean;
  /** For errors read off the screen: what the user seems to be doing (seed task names). */
  task?: string;
  /** Picks among the variants; default random. */
  pick?: (n: number) => number;
}

function baseName(p: string | null): string | null {
  if (!p) return null;
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || null;
}

function shortMessage(m: string, max = 80): string {
  const one = m.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function command(target: HelpTarget): string {
  const m = /^`([^`]*)`/.exec(target.message);
  return m?.[1] ? shortMessage(m[1], 50) : 'that command';
}

export function offerText(input: OfferTextInput): { text: string; emotion: HelpOffer['emotion'] } {
  const { target: t, mode, repeated } = input;
  const pick = input.pick ?? ((n: number) => Math.floor(Math.random() * n));
  const file = baseName(t.path);
  const line = t.range ? t.range.start.line + 1 : null;
  const where = file ? `${file}${line !== null ? ` line ${line}` : ''}` : 'your code';
  const cmd = command(t);
  const msg = shortMessage(t.message);
  const emotion: HelpOffer['emotion'] = repeated ? 'sad' : 'serious';
  let variants: string[];
  if (t.kind === 'screen') {
    variants = screenVariants(mode, msg, input.task ?? '', t.code ?? '');
  } else if (mode === 'serious') {
    variants =
      t.kind === 'terminal'
        ? [`${cmd} failed${repeated ? ' again' : ''}. Want me to look at the output?`]
        : t.kind === 'debug'
          ? [`The debugger stopped: ${msg}. Want me to explain it?`]
          : [`There is an error in ${where}: ${msg}. Want me to explain or fix it?`];
  } else if (mode === 'calm') {
    variants =
      t.kind === 'terminal'
        ? [`${cmd} didn't go through${repeated ? ' again' : ''}. Shall we look at it together?`, `Hey… ${cmd} failed. I can take a look if you like.`]
        : t.kind === 'debug'
          ? [`It stopped on "${msg}". Want me to walk through it with you?`]
          : [`That error in ${where} is still there. Shall I take a look?`, `No rush, but ${where} has an error. I can help if you want.`];
  } else if (repeated) {
    variants =
      t.kind === 'terminal'
        ? [`${cmd} failed again… I-it's not like I'm worried. Want me to look?`, `Again? ${cmd} keeps failing. …Fine, let me help.`]
        : [`That one keeps coming back… Let me help, okay? Not that I care or anything.`];
  } else {
    variants =
      t.kind === 'terminal'
        ? [`Hmph, ${cmd} just failed. Want me to look at it?`, `${cmd} blew up. Don't look at me like that, I can help if you ask nicely.`]
        : t.kind === 'debug'
          ? [
              `Your program tripped over "${msg}". I suppose I could explain it… if you want.`,
              `Caught an exception, huh? Want me to look? Not that I'm dying to.`,
            ]
          : [
              `Hmph, that red squiggle in ${where} has been there a while. Want me to look?`,
              `${where} still has an error, you know. I could fix it… if you asked.`,
              `You've been staring at ${where} for a bit. It's not like I want to help, but… want me to?`,
            ];
  }
  const text = variants[Math.min(variants.length - 1, Math.max(0, pick(variants.length)))]!;
  return { text, emotion };
}

/** Offers for an error read off the screen, worded by what the user seems to be doing. */
function screenVariants(mode: Mode, msg: string, task: string, kind: string): string[] {
  const what = kind.startsWith('python')
    ? 'That Python error'
    : kind === 'test_failure'
      ? 'That failing test'
      : kind === 'npm_error'
        ? 'That npm error'
        : 'That error';
  if (mode === 'serious') return [`${what}: ${msg}. Want me to explain it?`];
  if (mode === 'calm') return [`${what} looks like it's in the way: "${msg}". Shall I explain it?`];
  if (task === 'researching_problem') return [`Still hunting down "${msg}"? I could just explain it… if you want.`];
  if (task.startsWith('running_') || task === 'terminal_work') return [`Hmph, "${msg}". Your command didn't like that. Want me to explain?`];
  return [`${what}, "${msg}"… I suppose I could explain it. If you want.`, `Is that "${msg}"? Don't look at me like that, I can help.`];
}

/** The offer's added sentence about what fixed the same error last time (no model: from the memory). */
export function lastFixLine(f: LastFix): string {
  const times = f.times > 1 ? ` (it worked ${f.times} times)` : '';
  if (f.change) return `Last time, ${f.change} fixed this${times}.`;
  return `Last time, this fixed it: ${shortMessage(f.text, 160)}`;
}
