// Secrets found by name: `name <op> value` where the name says secret, also as OCR spells names
// (`DB PASSWORD`, `PASSW0RD`), and the value looks literal rather than like code or a
// placeholder. Part of redact.ts. Over 400 lines because of its word lists (secret names and the
// words that make a value look like code), one entry per line as the formatter sets them.
import { isAlnum, isEol, isSpace, lineEnd, lineStartOf, randomish, Rank, wordiness, type Ctx } from './secret-text';

// ---------------------------------------------------------------------------------------------
// Names

export const canon = (w: string) =>
  w
    .toLowerCase()
    .replace(/[il1|!]/g, 'l')
    .replace(/0/g, 'o');
export const canonSet = (words: string[]) => new Set(words.map(canon));

const SECRET_WORD_LIST = [
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'passcode',
  'secret',
  'secrets',
  'token',
  'auth',
  'apikey',
  'credential',
  'credentials',
  'authorization',
  'sig',
  'signature',
  'pin',
];
/** Whole words of a name that mean it holds a secret (and their OCR-canonical forms). */
const SECRET_WORDS = new Set(SECRET_WORD_LIST);
const SECRET_WORDS_CANON = canonSet(SECRET_WORD_LIST);
/** One-word names that end in a secret (`DBPASSWORD`, `authtoken` when OCR lost the `_`). */
const SECRET_SUFFIXES = ['password', 'passwd', 'secret', 'token', 'apikey', 'secretkey', 'accesskey', 'privatekey'].map(canon);
/** Pairs of consecutive words that mean the same (`api_key`, `accessKey`, `private-key`). */
const SECRET_PAIRS = canonSet([
  'api key',
  'access key',
  'private key',
  'secret key',
  'session key',
  'account key',
  'client key',
  'key data',
  'signing key',
  'master key',
  'encryption key',
  'conn str',
]);
/** A name ending in one of these describes a secret instead of holding one. */
const DESCRIPTIVE = canonSet([
  'type',
  'types',
  'label',
  'field',
  'input',
  'placeholder',
  'hint',
  'length',
  'len',
  'min',
  'max',
  'count',
  'url',
  'uri',
  'endpoint',
  'path',
  'file',
  'filename',
  'name',
  'id',
  'ids',
  'expiry',
  'expires',
  'expiration',
  'ttl',
  'timeout',
  'prompt',
  'message',
  'error',
  'regex',
  'pattern',
  'policy',
  'required',
  'visible',
  'enabled',
  'mode',
  'strength',
  'header',
  'provider',
  'kind',
  'format',
  'size',
  'limit',
  'version',
  'interval',
  'ms',
  'seconds',
  'minutes',
  'at',
  'date',
  'time',
  'env',
  'var',
  'storage',
  'store',
  'lifetime',
  'scope',
  'scopes',
  'algorithm',
  'alg',
  'issuer',
  'audience',
  'method',
  'methods',
  'index',
  'class',
  'manager',
  'handler',
  'factory',
  'client',
  'builder',
  'helper',
  'cache',
  'map',
  'options',
  'config',
  'result',
  'state',
  'status',
  'response',
  'request',
  'event',
  'callback',
  'listener',
  'flow',
  'attribute',
  'claims',
  'title',
  'description',
  'module',
  'service',
  'expired',
  'missing',
  'invalid',
  'changed',
  'reset',
  'updated',
  'created',
  'expression',
  'color',
  'background',
  'foreground',
]);
/** Words that end a name when scanning back through OCR text where `_` became spaces. */
const STOP_WORDS = new Set([
  'the',
  'a',
  'an',
  'is',
  'are',
  'was',
  'were',
  'be',
  'to',
  'of',
  'in',
  'on',
  'for',
  'from',
  'with',
  'and',
  'or',
  'not',
  'no',
  'this',
  'that',
  'if',
  'when',
  'then',
  'your',
  'their',
  'our',
  'its',
]);

/** Words of a name: `_ . - space` and camelCase split; all-caps words stay whole (`PASSW0RD`). */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_.\-$]+/)
    .filter(Boolean);
}

const stripDigits = (w: string) => w.replace(/[0-9]+$/, '');
function isSecretWord(w: string): boolean {
  const lower = stripDigits(w.toLowerCase());
  if (SECRET_WORDS.has(lower) || SECRET_WORDS_CANON.has(canon(w))) return true;
  const c = canon(w);
  return c.length > 6 && SECRET_SUFFIXES.some((s) => c.length > s.length && c.endsWith(s));
}
const isDescriptive = (w: string) => DESCRIPTIVE.has(canon(stripDigits(w.toLowerCase()) || w));

/** What the words of a name say. */
interface NameVerdict {
  /** The name says it holds a secret. */
  secret: boolean;
  /** The secret word ends the name (`db_password`, not `password_hash`). */
  last: boolean;
  /** The name came out of a sentence (`the first token: ...`): only a random-looking value counts. */
  prose: boolean;
}

/** Words after the last stop word count; the last must not describe (`_length`), a secret word must be among the last four. */
function secretWords(words: readonly string[]): NameVerdict {
  let from = 0;
  for (let i = 0; i < words.length - 1; i++) if (STOP_WORDS.has(words[i]!.toLowerCase())) from = i + 1;
  const ws = words.slice(from).filter((w) => !/^[0-9]+$/.test(w));
  const no = { secret: false, last: false, prose: false };
  if (ws.length === 0 || isDescriptive(ws[ws.length - 1]!)) return no;
  // Only the last four words: a secret word far back is prose, not a name.
  for (let i = Math.max(0, ws.length - 4); i < ws.length; i++) {
    if (isSecretWord(ws[i]!)) return { secret: true, last: i === ws.length - 1, prose: from > 0 };
    if (i + 1 < ws.length && SECRET_PAIRS.has(`${canon(ws[i]!)} ${canon(ws[i + 1]!)}`)) return { secret: true, last: i + 1 === ws.length - 1, prose: from > 0 };
  }
  return no;
}

const verdicts = new Map<string, NameVerdict>();
/** secretWords(nameWords(name)), remembered (names repeat: `"integrity"`, `token`). */
function nameVerdict(name: string): NameVerdict {
  let v = verdicts.get(name);
  if (!v) {
    if (verdicts.size > 4096) verdicts.clear();
    v = secretWords(nameWords(name));
    verdicts.set(name, v);
  }
  return v;
}

/** Whether a name (`DB_PASSWORD`, `clientSecret`, `AWS SECRET ACCESS KEY`, `x-api-key`) holds a secret. */
export function isSecretName(name: string): boolean {
  return secretWords(nameWords(name)).secret;
}

// ---------------------------------------------------------------------------------------------
// Values

const PLACEHOLDER =
  /^(?:\$\{?[\w.:-]+\}?|\$\{\{.*\}\}|\{\{.*\}\}|\{[\w.]*\}|%\w+%|<[^>]*>|\*+|[xX•●]{3,}|\.{3}|…|-|\[REDACTED[^\]]*\]|null|none|nil|undefined|true|false|empty|pass|pwd|passwd|user|changeme|change[-_ ]?me|replace[-_ ]?me|placeholder|example|dummy|redacted|secret|password|token|todo|tbd|your[-_ ]?[a-z_ -]*|[a-z_ -]*[-_ ]here|my[-_ ]?(?:api[-_ ]?)?(?:key|token|secret|password))$/i;
/**
 * A label, not a value: a name made of words that itself says secret (`passwordTooWeak`,
 * `access-token`, `AZURE_TOKEN_CREDENTIALS`, `/resetpassword/v1.0/start`), one capitalised word
 * (`Suppress`), or a path. Digits other than a version suffix make it a value (`MyPassword123`).
 */
function isLabel(v: string): boolean {
  if (v.length > 80) return false;
  if (/^\/[\w.-]+(?:\/[\w.-]+)+\/?$/.test(v)) return true;
  if (/^[A-Z][a-z]{2,}(?: [A-Z]?[a-z]{2,})*$/.test(v)) return true;
  if (v.includes(' ')) return v.split(' ').every((w) => w !== '' && isLabel(w));
  if (!/^[A-Za-z][A-Za-z0-9_.:-]*$/.test(v) || /[0-9]/.test(v.replace(/[_-]?[vV][0-9]+(?![0-9])/g, ''))) return false;
  const words = nameWords(v.replace(/:/g, ' '));
  if (words.length === 1) return SECRET_WORDS.has(v.toLowerCase()) || SECRET_WORDS_CANON.has(canon(v));
  return wordiness(v.replace(/[^A-Za-z0-9]/g, '')) >= 0.7 && words.some(isSecretWord);
}

/** An identifier (`FlowMfaRequiredResultV2`, `tokenValue`): words, digits only as a version. */
function isIdentifier(v: string): boolean {
  return (
    /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(v) &&
    nameWords(v).length > 1 &&
    !/[0-9]/.test(v.replace(/[_-]?[vV]?[0-9]+$/, '')) &&
    wordiness(v.replace(/[^A-Za-z0-9]/g, '')) >= 0.7
  );
}

/** Placeholders are short: the long regex never sees a long value. */
export const isPlaceholder = (v: string) => v.length <= 80 && PLACEHOLDER.test(v);
const SEMVER = /^[~^<>=v]{0,3}\d+(?:\.(?:\d+|x|\*)){1,3}(?:[-+][0-9A-Za-z.-]+)?$/;
const DOTTED_KEY = /^[A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*)+\.?$/;
const MEMBER_CHAIN = /^[A-Za-z_$#][\w$]*(?:\??\.[A-Za-z_$#][\w$]*)+$/;
/** Words that start code, not a value (`password:` / `return ...` in a switch). */
const CODE_WORDS = new Set([
  'return',
  'await',
  'new',
  'typeof',
  'yield',
  'function',
  'async',
  'this',
  'self',
  'None',
  'True',
  'False',
  'nil',
  'null',
  'undefined',
  'lambda',
  'not',
  'if',
  'else',
]);
const TYPE_WORDS = new Set([
  'string',
  'str',
  'number',
  'int',
  'integer',
  'float',
  'bool',
  'boolean',
  'bytes',
  'any',
  'unknown',
  'object',
  'buffer',
  'secretstr',
  'optional',
  'void',
  'never',
  'char',
  'text',
  'varchar',
  'uuid',
]);
const PROSE_WORDS = /\b(?:is|the|to|your|a|an|of|for|in|on|and|or|with|not|be|must|please|enter|invalid|missing|required)\b/i;
const QUOTES = '"\'`\u201c\u201d\u2018\u2019';
const CLOSERS: Record<string, string> = {
  '"': '"\u201d\u201c',
  '\u201c': '\u201d"',
  '\u201d': '\u201d"',
  "'": "'\u2019\u2018",
  '\u2018': "\u2019'",
  '\u2019': "\u2019'",
  '`': '`',
};

type Style = 'env' | 'env-loose' | 'line' | 'code';
/** A name that starts with a declaration keyword is code (`const token = ...`), not a config line. */
const DECLARATION =
  /^(?:const|let|var|val|final|static|private|public|protected|readonly|def|fn|func|string|String|int|auto|local|dim|my|our|case|type|export|declare)\s/;
/** Authorization schemes: the word after `Authorization:` that is not the secret. */
const AUTH_SCHEMES = new Set(['bearer', 'basic', 'token', 'digest', 'negotiate', 'ntlm', 'hoba', 'mutual']);

/** Whether the value of a secret-named assignment is a literal secret, not code. */
function looksLiteral(v: string, quoted: boolean, style: Style, name: NameVerdict): boolean {
  if (!/[A-Za-z0-9]/.test(v) || isPlaceholder(v.trim()) || SEMVER.test(v)) return false;
  if (name.prose && !randomish(v)) return false;
  // A sentence is a message about the secret, not the secret.
  if ((v.match(/ /g)?.length ?? 0) >= 2 && !/[0-9]/.test(v) && (/^[A-Z][a-z]/.test(v) || PROSE_WORDS.test(v))) return false;
  // Labels, colours, hex numbers and scheme words are not secrets.
  if (isLabel(v) || /^#[0-9a-fA-F]{3,8}$|^0x[0-9a-fA-F]+$/.test(v) || AUTH_SCHEMES.has(v.trim().toLowerCase())) return false;
  // In code, a quoted lower-case word is an enum (`credentials: 'include'`, `'invalid_grant'`).
  if (quoted && style === 'code' && /^[a-z]{1,12}(?:[-_][a-z]{1,12}){0,3}$/.test(v)) return false;
  // Interpolation (`Bearer ${token}`) and dotted keys (`alisa.llm.apiKey`) are code.
  if (quoted) return v.length >= 4 && !/\$\{|\{\{|#\{/.test(v) && !DOTTED_KEY.test(v);
  // Unquoted: expressions, identifiers, calls, generics, member chains, types, keywords are code.
  if (/&&|\|\||>>|<<|=>|\?\.|\?\?/.test(v) || (style !== 'env' && isIdentifier(v))) return false;
  if (/[([{<]/.test(v) || /^[!|&]/.test(v) || MEMBER_CHAIN.test(v) || TYPE_WORDS.has(v.toLowerCase()) || CODE_WORDS.has(v.split(' ')[0]!)) return false;
  // A number is a PIN or password only in config (`DB_PASSWORD=123456`), not in code.
  if (/^[0-9]+$/.test(v)) return name.last && v.length >= 4 && style !== 'code';
  if (style === 'env') return true;
  if (style === 'env-loose' || style === 'line') return v.length >= 6;
  return v.length >= 6 && /[0-9]|[^A-Za-z0-9_]/.test(v);
}

// An assignment operator: `=` (not `==`, `!=`, `<=`, `>=`, `=~`), `:` (not `::`, `://`, `:\`),
// `:=` and `=>`.
const OPERATOR = /=>|:=|(?<![=!<>:])=(?![=~])|(?<!:):(?![:\/\\])/g;
const isNameChar = (c: number) => isAlnum(c) || c === 95 || c === 46 || c === 36 || c === 124 || c === 45;
const VALUE_STOP = ' \t\r\n,;)}]"\'`\u201c\u201d\u2018\u2019';
const STOP_TABLE = new Uint8Array(0x2020);
for (const ch of VALUE_STOP) STOP_TABLE[ch.charCodeAt(0)] = 1;
const isValueStop = (c: number) => c < 0x2020 && STOP_TABLE[c] === 1;
/** Cheap first look at a name: could one of its words be a secret word (also as OCR spells it)? */
const MAYBE_SECRET_NAME = /pa[s5]{2}|pwd|secr|t[o0]k[e3]n|auth|k[e3]y|cred|s[il1|!]g|p[il1|!]n|sess/i;
const MAX_NAME = 80;
const MAX_VALUE = 1024;

/** `name <op> value` with a secret name: the value's span. */
export function assignments(ctx: Ctx): void {
  const { text } = ctx;
  let giantUntil = -1;
  ctx.starts = new Set(ctx.spans.map((s) => s.start));
  OPERATOR.lastIndex = 0;
  for (let m = OPERATOR.exec(text); m; m = OPERATOR.exec(text)) {
    const op = m[0];
    const opAt = m.index;
    // Inside a run longer than any value (a blob, a minified line): nothing here is a value.
    if (opAt < giantUntil) continue;
    // The name: quoted, or words back from the operator (OCR may have made spaces of `_`).
    let k = opAt;
    while (k > 0 && opAt - k < 6 && isSpace(text.charCodeAt(k - 1))) k--;
    if (k > 1 && text[k - 1] === '\n' && !isSpace(text.charCodeAt(k - 2)) && text[k - 2] !== '\n') {
      // The operator starts a line: the line was broken before it, the name ends the line above.
      k -= text[k - 2] === '\r' ? 2 : 1;
    }
    const sp1 = opAt - k;
    let name: string;
    let nameStart: number;
    const q = text[k - 1];
    if (q !== undefined && QUOTES.includes(q) && k >= 2) {
      let o = k - 2;
      while (o >= 0 && k - o <= MAX_NAME && !QUOTES.includes(text[o]!) && text[o] !== '\n') o--;
      if (o < 0 || !QUOTES.includes(text[o]!)) continue;
      name = text.slice(o + 1, k - 1);
      nameStart = o;
      // Not a name: code between two strings, or a package (`"@azure/core-auth": "^1.10.0"`).
      if (!/^[A-Za-z0-9_ .$-]{1,60}$/.test(name)) continue;
    } else {
      let s = k;
      while (s > 0 && k - s < MAX_NAME) {
        const c = text.charCodeAt(s - 1);
        if (isNameChar(c)) s--;
        else if (c === 32 && s - 2 >= 0 && isNameChar(text.charCodeAt(s - 2)) && s < k) s--;
        else break;
      }
      name = text.slice(s, k).replace(/^[\s.$|-]+/, '');
      nameStart = k - name.length;
    }
    // `config.password = ...`: the property is the name (`authFrame.style.visibility` is not secret).
    if (name.includes('.') && !/\s/.test(name)) name = name.slice(name.lastIndexOf('.') + 1);
    name = name.replace(/^\d{1,5} (?=\S)/, ''); // an editor's line number before the name
    if (!name || (!MAYBE_SECRET_NAME.test(name) && !/^value$/i.test(name))) continue;
    let verdict = nameVerdict(name);
    // Kubernetes/compose env lists: `- name: DB_PASSWORD` then `value: s3cr3t`.
    if (!verdict.secret && /^value$/i.test(name)) {
      const prev = previousLine(ctx, opAt);
      const nm = /name\s{0,4}:\s{0,4}["']?([A-Za-z0-9_. -]{1,80}?)["']?\s*$/.exec(prev);
      if (nm) verdict = nameVerdict(nm[1]!);
    }
    if (!verdict.secret) continue;

    // The value.
    let j = opAt + op.length;
    while (j < text.length && j - (opAt + op.length) < 8 && isSpace(text.charCodeAt(j))) j++;
    const sp2 = j - (opAt + op.length);
    let nextLine = false;
    if (isEol(text.charCodeAt(j))) {
      // A line broken after the operator: the value alone on the next line.
      let n = j;
      if (text[n] === '\r') n++;
      if (text[n] !== '\n') continue;
      n++;
      while (n < text.length && isSpace(text.charCodeAt(n))) n++;
      j = n;
      nextLine = true;
    }
    const query = nameStart > 0 && (text[nameStart - 1] === '?' || text[nameStart - 1] === '&');
    let start = j;
    let end: number;
    let quoted = false;
    const open = text[j];
    if (open !== undefined && QUOTES.includes(open)) {
      quoted = true;
      const closers = CLOSERS[open] ?? open;
      let c = j + 1;
      while (c < text.length && c - j <= MAX_VALUE && !closers.includes(text[c]!) && text[c] !== '\n') c++;
      start = j + 1;
      // No closing quote on the line (OCR lost it): the bare run after the opening one.
      end = c < text.length && closers.includes(text[c]!) ? c : bareEnd(text, start, query);
    } else {
      end = bareEnd(text, start, query);
    }
    if (end - start >= MAX_VALUE) {
      giantUntil = end;
      while (giantUntil < text.length && !isValueStop(text.charCodeAt(giantUntil))) giantUntil++;
      continue;
    }
    const value = text.slice(start, end);
    if (!quoted && AUTH_SCHEMES.has(value.toLowerCase())) continue; // `Authorization: Bearer ...`: the header rules
    const squash = (x: string) => x.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (squash(value) === squash(name) || name.endsWith(`.${value}`)) continue; // `token: token`, `ID_TOKEN: "IdToken"`
    // A bare value whose `_` OCR read as spaces runs to the end of an env or config line, and a
    // value cut by a line wrap goes on at the start of the next line.
    const closed = quoted && QUOTES.includes(text[end] ?? '');
    const continued = closed ? end : continueValue(text, end);
    let wrap = closed ? null : wrappedRun(text, continued);
    // Not when the next line starts a secret of its own, or a word (`echo deploying`): only
    // something value-like (`orse-battery-42`, `ur-api-key>`) continues a value.
    if (wrap && (ctx.starts?.has(wrap[0]) || !valueLike(text.slice(wrap[0], wrap[1])))) wrap = null;
    const tail = wrap ? text.slice(wrap[0], wrap[1]) : '';
    const after = wrap ? wrap[1] : continued;
    const restOfLine = text.slice(after, lineEnd(text, after, 200));
    const lastOnLine = (nextLine ? /^["'`\u201d\u2019]?\s*[,;]?\s*(?:#.*)?$/ : /^["'`\u201d\u2019]?\s*(?:#.*)?$/).test(restOfLine);
    const lineStart = lineStartOf(ctx, nameStart);
    const before = nameStart - lineStart > 80 ? 'x' : text.slice(lineStart, nameStart).replace(/^\s*\d{1,5}\s/, ''); // an editor's line number
    const firstOnLine = /^[\s>#-]*(?:(?:export|set|setx|ENV)\s+)?["']?$/.test(before);
    const lastChunk = name.trim().split(' ').pop()!;
    const upperName = /^[A-Z0-9_|l]+$/.test(lastChunk) && /[A-Z]{2}/.test(lastChunk);
    let style: Style = 'code';
    if (DECLARATION.test(name)) style = 'code';
    else if (op === '=' && upperName) style = sp1 === 0 && sp2 === 0 ? 'env' : 'env-loose';
    else if ((op === ':' || op === '=') && firstOnLine && lastOnLine) style = 'line';
    if (nextLine && (!lastOnLine || /[=:]/.test(value))) continue;
    if (!quoted && continued > end && (style === 'line' || style === 'env-loose')) {
      // `password: my secret pass`: judged whole (a sentence is not a secret), code first.
      if (/[([{]/.test(value) || MEMBER_CHAIN.test(value) || !looksLiteral(text.slice(start, continued) + tail, false, style, verdict)) continue;
    } else if (!looksLiteral(continued === end ? value + tail : value, quoted, style, verdict)) {
      continue;
    }
    if (style !== 'code' || continued === end) end = wrap ? wrap[1] : style === 'code' ? end : continued;
    ctx.spans.push({ kind: 'secret', start, end, rank: Rank.Named });
  }
}

/**
 * The run that continues a value cut at `at` by a line wrap: `at` is a line end right after the
 * value, and the next line starts at column 0 with a run that holds no `=` or `:` (a new
 * `NAME=` line is not a continuation). [start, end) of that run, or null.
 */
export function wrappedRun(text: string, at: number): [number, number] | null {
  let b = at;
  if (text[b] === '\r') b++;
  if (text[b] !== '\n' || at === 0 || isSpace(text.charCodeAt(at - 1)) || text[at - 1] === '\n') return null;
  b++;
  let e = b;
  while (e < text.length && e - b < MAX_VALUE && !isValueStop(text.charCodeAt(e))) e++;
  if (e === b || hasOperator(text.slice(b, e))) return null;
  return [b, e];
}

/** Could continue a cut value: random-looking, or holding a digit or symbol (not just `./`). */
const valueLike = (run: string) => randomish(run) || /[^A-Za-z]/.test(run.replace(/^[.\/~]+/, ''));

/** `=` or `:` other than base64 padding at the end. */
export const hasOperator = (run: string) => /[=:]/.test(run.replace(/=+["'`]*$/, ''));

/** The line above the one holding `i`, skipping up to two blank lines (OCR adds them). */
function previousLine(ctx: Ctx, i: number): string {
  let ls = lineStartOf(ctx, i);
  for (let n = 0; n < 3 && ls > 0; n++) {
    const prevStart = lineStartOf(ctx, ls - 1);
    if (ls - prevStart > 200) return '';
    const line = ctx.text.slice(prevStart, ls - 1);
    if (line.trim()) return line;
    ls = prevStart;
  }
  return '';
}

/** End of a bare value: up to a space or delimiter; `&` too in a URL query; `=` only as padding. */
function bareEnd(text: string, start: number, query: boolean): number {
  let e = start;
  while (e < text.length && e - start < MAX_VALUE) {
    const ch = text[e]!;
    if (isValueStop(text.charCodeAt(e)) || (query && ch === '&')) {
      // OCR reads `J` as `]` and puts stray quotes inside words: a bracket or quote that starts the
      // value, or has more value right after it, is part of it (`]dbc5ecret`, `Rt7'!qPz2`).
      const next = text.charCodeAt(e + 1);
      const noise = ch === ']' || ch === ')' || ch === '}' || ch === '"' || ch === "'";
      if (!(noise && (e === start || isAlnum(next) || (next >= 33 && next <= 38) || next === 42 || next === 64))) break;
    }
    if (ch === '=') {
      let p = e;
      while (text[p] === '=') p++;
      if (p < text.length && !isValueStop(text.charCodeAt(p))) break;
      e = p;
      break;
    }
    e++;
  }
  return e;
}

/** Pieces after a bare value, one space apart, that are not a new name, flag or comment. */
function continueValue(text: string, end: number): number {
  for (let n = 0; n < 8; n++) {
    if (text[end] !== ' ' || isSpace(text.charCodeAt(end + 1)) || isEol(text.charCodeAt(end + 1))) break;
    let e = end + 1;
    if ('-#|&<>\\;'.includes(text[e]!)) break;
    while (e < text.length && e - end < 256 && !isValueStop(text.charCodeAt(e))) e++;
    const piece = text.slice(end + 1, e);
    if (/^[=:]/.test(piece) || /[=:]/.test(piece.replace(/=+$/, '')) || text[e] === '=' || text[e] === ':') break;
    end = e;
  }
  return end;
}
