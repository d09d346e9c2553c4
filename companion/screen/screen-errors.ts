// Errors visible in screen text (split out of understand.ts, issue 14, with the rules for them
// from its header): error-shaped lines, not just words. Typed shapes come first (tracebacks,
// compiler, npm, pip, test runners, JS/Python exceptions, HTTP statuses) and win a region over
// generic words, which count only in message position (start of line, after `prefix: `,
// followed by `:`, or in fixed phrases like "command not found"). Prose ("error handling",
// "Errors and Exceptions") and zero counts ("0 failed", "no errors", "failed: 0") are not
// errors. One error per region, at most MAX_SCREEN_ERRORS. Lines are read at most MAX_LINE
// characters long, so the cost is linear in the text's length. Pure functions, no I/O.

export type ScreenErrorKind =
  | 'python_traceback'
  | 'python_error'
  | 'js_error'
  | 'compile_error'
  | 'npm_error'
  | 'pip_error'
  | 'test_failure'
  | 'http_error'
  | 'exception'
  | 'generic';

export interface ScreenError {
  kind: ScreenErrorKind;
  /** The most telling line, trimmed (for a traceback: the final exception line). */
  line: string;
  /** The error with about 2 lines around it (a traceback: header to exception), <= 600 chars. */
  context: string;
  /** Character offset of `line` in the text. */
  index: number;
}

export const MAX_SCREEN_ERRORS = 5;
export const MAX_ERROR_CONTEXT = 600;
const CONTEXT_LINES = 2;

/**
 * No screen shows a line this long (1920 px at 5 px a character is under 400): longer lines are
 * read wrapped, as a terminal would show them (at a space where there is one). So no pattern ever
 * runs on more than MAX_LINE characters, whatever the text: the cost of detectErrors is linear
 * in the text's length by construction (a 100k-character text without line breaks included).
 */
export const MAX_LINE = 1000;

/** What the error patterns were run on: lets a test count the work instead of timing it. */
export interface PatternMeter {
  /** Pattern executions (test and replace). */
  runs: number;
  /** Characters handed to them, in total. */
  chars: number;
  /** The longest string one of them saw. */
  longest: number;
}

let meter: PatternMeter | null = null;

function count(s: string): void {
  if (!meter) return;
  meter.runs++;
  meter.chars += s.length;
  if (s.length > meter.longest) meter.longest = s.length;
}

function test(re: RegExp, s: string): boolean {
  count(s);
  return re.test(s);
}

function sub(s: string, re: RegExp, by: string | ((m: string) => string)): string {
  count(s);
  return s.replace(re, by as string);
}

/** OCR reads `l` as `|`; same-length fix so offsets stay valid. Only for matching. */
function ocrNormalise(line: string): string {
  return sub(line, /(?<=[A-Za-z])\|+|\|+(?=[a-z])/g, (m) => 'l'.repeat(m.length));
}

interface Hit {
  kind: ScreenErrorKind;
  /** Line numbers of the error itself (a traceback, a run of npm lines, a JS error and its frames). */
  first: number;
  last: number;
  /** The line shown as `line`. */
  at: number;
  typed: boolean;
}

const JS_ERRORS = 'TypeError|ReferenceError|SyntaxError|RangeError|EvalError|URIError|AggregateError|InternalError|Error';
const PY_ERRORS =
  'ModuleNotFoundError|ImportError|KeyError|ValueError|AttributeError|NameError|IndexError|ZeroDivisionError|FileNotFoundError|IndentationError|TabError|RuntimeError|RecursionError|NotImplementedError|OSError|PermissionError|UnicodeDecodeError|UnicodeEncodeError|AssertionError|StopIteration|KeyboardInterrupt|TimeoutError|ConnectionError|ConnectionRefusedError|OverflowError|LookupError|ArithmeticError|UnboundLocalError|IsADirectoryError';

const RE = {
  traceback: /\bTraceback\s*\(?\s*most recent ca\w*\s*last\)?/i,
  pyFrame: /^\s+(?:File\s+"|\S)|^\s*File\s+"/,
  pyFinal: /^\s*[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Iteration)\b\s*(?::|$)/,
  // `(?<!\S)\S+`: a run is tried from its start only (a start inside it finds nothing more), so a
  // 100k-character run costs one pass, not one per character.
  compile:
    /(?:(?<!\S)\S+\.(?:[cm]?[jt]sx?|vue|svelte)\(\d+,\d+\)\s*:\s*error\b|(?<!\S)\S+:\d+:\d+\s*-\s*error\s+TS\d+|\berror\s+TS\d+\s*:|^\s*\S+\.(?:c|cc|cpp|h|hpp|go|rs|java|kt|swift)\s*:\s*\d+(?::\d+)?\s*:\s*(?:fatal\s+)?error\b|^\s*error\[E\d+\]\s*:)/i,
  npm: /^\s*npm\s+(?:ERR!|error\b)/,
  pip: /^\s*(?:ERROR:\s+(?:Could not (?:find|install|build|open)|No matching distribution|Failed (?:building|to build)|Cannot (?:install|uninstall)|ResolutionImpossible|pip's dependency)|error:\s+(?:externally-managed-environment|subprocess-exited-with-error))/i,
  test: /(?:^\s*FAIL\s+\S|^\s*FAILED\s+\S+::|^\s*---\s*FAIL:|\bAssertionError\b|^\s*[✕✗✘×]\s+\S|\b[1-9]\d*\s+(?:failed|failing)\b|\bTests?:\s+[1-9]\d*\s+failed\b)/,
  jsError: new RegExp(`(?:^|[\\s:>\\]])(?:Uncaught\\s+(?:\\(in promise\\)\\s+)?)?(?:${JS_ERRORS})\\s*:\\s*\\S`),
  jsUncaught: /\bUncaught\b/,
  pyError: new RegExp(`^\\s*(?:E\\s+)?(?:[\\w]+\\.)*(?:${PY_ERRORS})\\s*:`),
  exception: /(?:^|\s)(?:[a-z_][\w]*\.)*[A-Z]\w*(?:Exception|Error)\b(?:\s*:|\s+at\b|$)/,
  http: /\b[45]\d\d\s*[:-]?\s*(?:Not Found|Internal Server Error|Bad Request|Unauthorized|Forbidden|Bad Gateway|Service Unavailable|Gateway Time-?out|Method Not Allowed|Conflict|Too Many Requests|Unprocessable (?:Entity|Content)|Request Timeout|Gone)\b|\bHTTP(?:\/[\d.]+)?\s+(?:ERROR\s+)?[45]\d\d\b|\bstatus(?:\s+code)?\s*[:=]?\s*[45]\d\d\b/i,
  jsFrame: /^\s*Require stack:?\s*$|^\s*-\s+\S+\.[cm]?[jt]s\s*$|^\s*at\s+(?:\S+\s+\()?\S*:\d+(?::\d+)?\)?\s*$|^\s*at\s+\S+\s+\(.*\)\s*$|^\s*at\s+<anonymous>/,
};

// Generic words count only in message position or fixed message phrases.
const GENERIC_FIXED =
  /\bcommand not found\b|\bno such file or directory\b|\bpermission denied\b|\bsegmentation fault\b|\bnull ?reference\b|\bis not defined\b|\bis not a function\b|\bundefined reference to\b|\bsyntax error\b|\bunhandled (?:promise )?rejection\b|\bmodule not found\b|\bstack trace\s*:|\bcore dumped\b|\bpanic:|\bof undefined\b|\bis undefined\b|\bundefined (?:variable|index|method|symbol|offset|property)\b/i;
const GENERIC_KEYWORD_COLON =
  /(?:^|[\s[(])(?:error|errors|fatal|failure|exception|failed)\s*:|\[(?:error|fatal)\]|(?:^|[\s[\]])(?:ERROR|FATAL|FAILED|FAILURE)\b(?!['"])/;
/** `error: string;`, `failed: true,`, `{ error: e.message }`: a field in code, not a message. */
const CODE_FIELD = /\b(?:error|errors|failed|failure|exception|fatal)\??\s*:\s*[\w$.<>[\]'"]+(?:\s*[|&]\s*[\w$.<>[\]'"]+)*\s*[;,=)}]?\s*(?:\/\/.*)?$/i;
/** Lines of code that name an exception type without one having happened. */
const CODE_STATEMENT =
  /^\s*(?:except|catch|raise|throw|class|import|from|def|function|interface|type|export|const|let|var|if|elif|else|return|@?param|@throws)\b|}\s*catch\b|\bnew\s+\w*(?:Error|Exception)\s*\(/;
const GENERIC_MESSAGE_START =
  /(?:^|:\s+|^\s*[EWF]:\s*)(?:error\b|fatal\b|failed\b|failure\b|exception\b|traceback\b|cannot\b|can't\b|could not\b|couldn't\b|unable to\b|invalid\b|not found\b|undefined\b)/i;
const NOT_AN_ERROR =
  /\b(?:no|0|zero|without|never)\s+(?:errors?|failures?|exceptions?|problems?|issues?)\b|\b(?:errors?|failed|failures?|failing|exceptions?)\s*[:=]\s*0\b|\b0\s+(?:failed|failing|errors?)\b|\berror[- ]free\b/i;
const PROSE_AFTER_KEYWORD =
  /\b(?:errors?|exceptions?|failures?)\s+(?:handling|handler|handlers|boundary|boundaries|messages?|codes?|reporting|prone|types?|class(?:es)?|and (?:exceptions|warnings)|recovery|tracking|logging)\b/i;

const NOT_AN_ERROR_ALL = new RegExp(NOT_AN_ERROR.source, 'gi');
const PROSE_AFTER_KEYWORD_ALL = new RegExp(PROSE_AFTER_KEYWORD.source, 'gi');

function genericMatch(line: string): boolean {
  if (test(NOT_AN_ERROR, line)) {
    // "0 failed" alone is a success line; but "2 failed, 0 errors" still has something.
    const stripped = sub(line, NOT_AN_ERROR_ALL, ' ');
    return genericMatch(stripped);
  }
  if (test(GENERIC_FIXED, line)) return true;
  if (test(CODE_FIELD, line) || test(CODE_STATEMENT, line)) return false;
  const prose = sub(line, PROSE_AFTER_KEYWORD_ALL, ' ');
  return test(GENERIC_KEYWORD_COLON, prose) || test(GENERIC_MESSAGE_START, prose.trimStart());
}

function pythonTraceback(lines: readonly string[], i: number): Hit {
  // From the header down through indented frames to the first unindented exception line.
  let last = i;
  let final = -1;
  for (let j = i + 1; j < lines.length && j <= i + 60; j++) {
    const l = lines[j]!;
    if (l.trim() === '') continue;
    if (test(RE.pyFinal, l) && !test(/^\s/, l)) {
      final = j;
      last = j;
      break;
    }
    // Frames are indented; OCR may drop the indent of the source line under a `File "..."` line.
    const afterFrame = test(/^\s*File\s+"/, lines[last]!);
    if (test(RE.pyFrame, l) || test(/^\s*[\^~]+\s*$/, l) || afterFrame) {
      last = j;
      continue;
    }
    if (test(RE.pyFinal, l)) {
      final = j;
      last = j;
      break;
    }
    break;
  }
  return { kind: 'python_traceback', first: i, last, at: final >= 0 ? final : i, typed: true };
}

function typedHit(norm: readonly string[], i: number): Hit | null {
  const l = norm[i]!;
  const one = (kind: ScreenErrorKind): Hit => ({ kind, first: i, last: i, at: i, typed: true });
  if (test(RE.traceback, l)) return pythonTraceback(norm, i);
  if (test(RE.compile, l)) return one('compile_error');
  if (test(RE.npm, l)) {
    let last = i;
    while (last + 1 < norm.length && test(RE.npm, norm[last + 1]!)) last++;
    // The line that says what went wrong, not "npm ERR! code E404".
    let at = i;
    for (let j = i; j <= last; j++)
      if (!test(/^\s*npm\s+(?:ERR!|error)\s+(?:code|errno|syscall|path|A complete log|\s*$)/i, norm[j]!)) {
        at = j;
        break;
      }
    return { kind: 'npm_error', first: i, last, at, typed: true };
  }
  if (test(RE.pip, l)) return one('pip_error');
  if (test(RE.test, l)) return one('test_failure');
  const withFrames = (kind: ScreenErrorKind): Hit => {
    let last = i;
    while (last + 1 < norm.length && last - i < 12 && test(RE.jsFrame, norm[last + 1]!)) last++;
    return { kind, first: i, last, at: i, typed: true };
  };
  if (test(CODE_STATEMENT, l)) return test(RE.http, l) ? one('http_error') : null;
  if (test(RE.jsError, l) && !test(PROSE_AFTER_KEYWORD, l)) return withFrames('js_error');
  if (test(RE.pyError, l)) return one('python_error');
  if (test(RE.exception, l) && !test(PROSE_AFTER_KEYWORD, l) && !test(NOT_AN_ERROR, l)) return withFrames('exception');
  if (test(RE.http, l)) return one('http_error');
  return null;
}

function clip(context: string, line: string): string {
  if (context.length <= MAX_ERROR_CONTEXT) return context;
  // Keep the error line and as much around it as fits.
  const at = Math.max(0, context.indexOf(line));
  const room = MAX_ERROR_CONTEXT - Math.min(line.length, MAX_ERROR_CONTEXT);
  const start = Math.max(0, Math.min(at - Math.floor(room / 2), context.length - MAX_ERROR_CONTEXT));
  return context.slice(start, start + MAX_ERROR_CONTEXT);
}

/** The text's lines, the long ones wrapped at MAX_LINE, with the offset of each in `text`. */
function screenLines(text: string): { lines: string[]; offsets: number[] } {
  const lines: string[] = [];
  const offsets: number[] = [];
  let off = 0;
  for (const line of text.split('\n')) {
    let start = 0;
    while (line.length - start > MAX_LINE) {
      // The last space in the second half of the window, else a hard cut.
      let cut = start + MAX_LINE;
      while (cut > start + MAX_LINE / 2 && line[cut] !== ' ' && line[cut] !== '\t') cut--;
      const soft = line[cut] === ' ' || line[cut] === '\t';
      if (!soft) cut = start + MAX_LINE;
      lines.push(line.slice(start, cut));
      offsets.push(off + start);
      start = soft ? cut + 1 : cut;
    }
    lines.push(line.slice(start));
    offsets.push(off + start);
    off += line.length + 1;
  }
  return { lines, offsets };
}

/**
 * Errors visible in screen text, in reading order. Typed shapes are found first and win a region
 * over generic words; a generic hit within 2 lines of an earlier hit is the same error; the same
 * line text seen twice is one error. At most MAX_SCREEN_ERRORS, typed ones kept first. `work`,
 * when given, counts what the patterns ran on (see PatternMeter).
 */
export function detectErrors(text: string, work?: PatternMeter): ScreenError[] {
  meter = work ?? null;
  try {
    return findErrors(text.replace(/\r\n?/g, '\n'));
  } finally {
    meter = null;
  }
}

function findErrors(src: string): ScreenError[] {
  const { lines, offsets } = screenLines(src);
  const norm = lines.map(ocrNormalise);
  /** Lines first..last as they stand in the text (a wrapped line keeps its space), trimmed. */
  const region = (first: number, last: number) => src.slice(offsets[first]!, offsets[last]! + lines[last]!.length).trim();

  const hits: Hit[] = [];
  for (let i = 0; i < lines.length; i++) {
    const h = typedHit(norm, i);
    if (!h) continue;
    // Lines of one kind close together are one error (pip's two ERROR lines, FAIL + its
    // AssertionError); compiler errors are each their own, one per line.
    const prev = hits[hits.length - 1];
    if (prev && prev.kind === h.kind && h.kind !== 'compile_error' && h.first - prev.last <= CONTEXT_LINES) prev.last = h.last;
    else hits.push(h);
    i = h.last;
  }
  // Lines within CONTEXT_LINES of a typed error belong to it; a generic hit likewise covers the
  // next CONTEXT_LINES lines (hits are in line order, so only the latest one can).
  const near = new Uint8Array(lines.length);
  for (const h of hits) near.fill(1, Math.max(0, h.first - CONTEXT_LINES), Math.min(lines.length, h.last + CONTEXT_LINES + 1));
  let lastGeneric = -Infinity;
  for (let i = 0; i < lines.length; i++) {
    if (near[i] || i - lastGeneric <= CONTEXT_LINES) continue;
    if (genericMatch(norm[i]!)) {
      hits.push({ kind: 'generic', first: i, last: i, at: i, typed: false });
      lastGeneric = i;
    }
  }

  const seen = new Set<string>();
  const kept: Hit[] = [];
  for (const h of hits) {
    const key = lines[h.at]!.trim().toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(h);
  }
  return kept
    .slice(0, MAX_SCREEN_ERRORS)
    .sort((a, b) => a.at - b.at)
    .map((h) => {
      const line = lines[h.at]!.trim();
      let context: string;
      if (h.kind === 'python_traceback') {
        // Header, then as much of the end (the deepest frames and the exception) as fits.
        const all = region(h.first, h.last);
        const head = lines[h.first]!.trim() + '\n…\n';
        context = all.length <= MAX_ERROR_CONTEXT ? all : head + all.slice(all.length - (MAX_ERROR_CONTEXT - head.length));
      } else {
        context = clip(region(Math.max(0, h.first - CONTEXT_LINES), Math.min(lines.length - 1, h.last + CONTEXT_LINES)), line);
      }
      return { kind: h.kind, line, context, index: offsets[h.at]! + lines[h.at]!.indexOf(line) };
    });
}
