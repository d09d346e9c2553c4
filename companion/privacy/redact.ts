// Secret redaction for everything Alisa reads before it is kept, shown to the model or written
// anywhere: screen text (OCR), terminal output, file excerpts, debug data, legacy vision frames
// and chat. One module for every door, so every door hides the same secrets. Pure and
// dependency-free (the extension bundles it too), idempotent and linear in the text's length:
// every pattern is anchored or bounded, so a 100k-character line costs milliseconds.
//
// Text often arrives as OCR made it: `_` read as a space (`AWS SECRET ACCESS KEY = ...`), `l`/`1`/`I`
// and `O`/`0` swapped, extra spaces around `=` and `:`, lines broken in two. So a secret is found
// in four independent ways, and one is enough:
// - Shape: private key blocks (also with the END line cut off: the block runs to the last
//   base64-looking line), JWTs, AWS, GCP, Azure, GitHub, GitLab, Slack, Stripe, OpenAI,
//   Anthropic, Hugging Face, npm, SendGrid, Twilio and other well-known key prefixes (with `_`
//   or the space OCR makes of it), `Bearer`/`Basic`/`Authorization:` values, the password of
//   `scheme://user:pass@host` (postgres, mysql, mongodb, redis, amqp, git remotes; the user is
//   kept), `curl -u user:pass`, `--password value`.
// - Name: `name <op> value` where the name says secret (password, pwd, secret, token, api key,
//   access key, auth, credentials, ...; as words of the name, so `DB_PASSWORD`, `DB PASSWORD`,
//   `clientSecret` and `PASSW0RD` count but `author`, `bypass` and `tokenizer` do not) keeps the
//   name and redacts the value, but only a value that looks literal: quoted, or a bare value of
//   6+ characters with a digit or a symbol, or any value of an env-style line (`UPPER_NAME=value`)
//   or a config line (`password: value` alone on its line). Identifiers, member chains, calls,
//   types and placeholders (`string`, `getToken()`, `process.env.X`, `${X}`, `<token>`,
//   `your-key-here`) are code, not secrets; names that describe a secret (`token_type`,
//   `passwordLength`, `PASSWORD_MIN_LENGTH`) are left alone. `Password=...;` in ADO/JDBC strings
//   and `?password=` / `&sig=` in URLs are names too.
// - Entropy (as detect-secrets and gitleaks do): a base62/base64 run of 20+ characters with a
//   digit, Shannon entropy above what random text of that length reaches 99 % of the time, and
//   few dictionary-like pieces (identifiers such as `Conv3DBackpropFilterV2` are wordy); a hex run
//   of 32+ only as a quoted or assigned value without a hash word near it (`commit`, `sha`,
//   `checksum`, `integrity`, `etag`, `id`, ...). Never inside `data:...;base64,`, `sha512-`,
//   `sha256:`, `h1:` or an ssh public key, and never a UUID, a path or a word.
// - A token OCR split at its `_` is absorbed piece by piece while the next piece still looks
//   random; a value whose `_` became spaces is continued to the end of its env/config line.
// Redactions are idempotent: `[REDACTED:kind]` is never matched again, so text can pass twice.

export interface Redaction {
  text: string;
  /** How many secrets were replaced. */
  count: number;
}

/** One secret found in a text: the characters [start, end) are the secret itself. */
export interface SecretFinding {
  kind: string;
  start: number;
  end: number;
}

/** Where a finding comes from; the lowest rank names a merged finding. */
const Rank = { Block: 0, Shape: 1, Header: 2, Named: 3, Entropy: 4 } as const;

interface Span extends SecretFinding {
  rank: number;
}

const R = (kind: string) => `[REDACTED:${kind}]`;
const MARKER = /\[REDACTED(?::[a-z0-9_]{1,40})?\]/g;

// ---------------------------------------------------------------------------------------------
// Character helpers (char codes: no regex per character on the hot paths)

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isAlnum = (c: number) => isDigit(c) || isUpper(c) || isLower(c);
const isSpace = (c: number) => c === 32 || c === 9;
const isEol = (c: number) => c === 10 || c === 13 || Number.isNaN(c);
/** base64/base64url characters (no padding). */
const isB64 = (c: number) => isAlnum(c) || c === 43 || c === 47 || c === 95 || c === 45;

/** Shannon entropy (bits per character) of the alphanumerics of `s`. */
function entropy(s: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) counts.set(s.charCodeAt(i), (counts.get(s.charCodeAt(i)) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Share of the letters that sit in dictionary-like pieces (`Filter`, `V`, `AUTH`: 3+ letters with a vowel). */
function wordiness(alnum: string): number {
  let letters = 0;
  let wordy = 0;
  for (const piece of alnum.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? []) {
    if (isDigit(piece.charCodeAt(0))) continue;
    letters += piece.length;
    if (piece.length >= 3 && /[aeiouyAEIOUY]/.test(piece)) wordy += piece.length;
  }
  return letters ? wordy / letters : 0;
}

/** Looks machine-made: a digit and a letter, or lower and upper case inside (not just `Title`). */
function randomish(s: string): boolean {
  const digit = /[0-9]/.test(s);
  const letter = /[A-Za-z]/.test(s);
  return (digit && letter) || /[a-z][A-Z]|[A-Z]{2}[a-z]/.test(s);
}

// Thresholds measured on 3000 random strings per length (20 to 64): the 1st percentile of the
// entropy of random base62 (mixed case) and base36 (one case) text of length n, minus 0.1 bit;
// capped where longer random text levels off (it never exceeds log2 of its alphabet).
const minEntropyMixed = (n: number) => Math.min(4.8, 0.756 * Math.log2(n) + 0.25);
const minEntropyOneCase = (n: number) => Math.min(4.3, 0.637 * Math.log2(n) + 0.56);

/** Whether an alphanumeric string of 20+ characters is random enough to be a key. */
function isRandomToken(alnum: string): boolean {
  const n = alnum.length;
  if (n < 20) return false;
  let digits = 0;
  let upper = 0;
  let lower = 0;
  let switches = 0;
  for (let i = 0; i < n; i++) {
    const c = alnum.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (isUpper(c)) upper++;
    else lower++;
    if (i > 0 && isDigit(c) !== isDigit(alnum.charCodeAt(i - 1))) switches++;
  }
  if (digits === 0 || digits === n) return false;
  if (upper && lower) return entropy(alnum) >= minEntropyMixed(n) && wordiness(alnum) <= 0.7;
  // One case and digits: random base36 has ~28 % digits, spread out; `md5sha256` does not.
  return entropy(alnum) >= minEntropyOneCase(n) && digits / n >= 0.15 && switches >= n / 6;
}

// ---------------------------------------------------------------------------------------------
// Names

const canon = (w: string) => w.toLowerCase().replace(/[il1|!]/g, 'l').replace(/0/g, 'o');
const canonSet = (words: string[]) => new Set(words.map(canon));

const SECRET_WORD_LIST = ['password', 'passwd', 'pwd', 'pass', 'passphrase', 'passcode', 'secret', 'secrets', 'token', 'auth', 'apikey', 'credential', 'credentials', 'authorization', 'sig', 'signature', 'pin'];
/** Whole words of a name that mean it holds a secret (and their OCR-canonical forms). */
const SECRET_WORDS = new Set(SECRET_WORD_LIST);
const SECRET_WORDS_CANON = canonSet(SECRET_WORD_LIST);
/** One-word names that end in a secret (`DBPASSWORD`, `authtoken` when OCR lost the `_`). */
const SECRET_SUFFIXES = ['password', 'passwd', 'secret', 'token', 'apikey', 'secretkey', 'accesskey', 'privatekey'].map(canon);
/** Pairs of consecutive words that mean the same (`api_key`, `accessKey`, `private-key`). */
const SECRET_PAIRS = canonSet(['api key', 'access key', 'private key', 'secret key', 'session key', 'account key', 'client key', 'key data', 'signing key', 'master key', 'encryption key', 'conn str']);
/** A name ending in one of these describes a secret instead of holding one. */
const DESCRIPTIVE = canonSet([
  'type', 'types', 'label', 'field', 'input', 'placeholder', 'hint', 'length', 'len', 'min', 'max', 'count', 'url', 'uri',
  'endpoint', 'path', 'file', 'filename', 'name', 'id', 'ids', 'expiry', 'expires', 'expiration', 'ttl', 'timeout', 'prompt',
  'message', 'error', 'regex', 'pattern', 'policy', 'required', 'visible', 'enabled', 'mode', 'strength', 'header', 'provider',
  'kind', 'format', 'size', 'limit', 'version', 'interval', 'ms', 'seconds', 'minutes', 'at', 'date', 'time', 'env', 'var',
  'storage', 'store', 'lifetime', 'scope', 'scopes', 'algorithm', 'alg', 'issuer', 'audience', 'method', 'methods', 'index', 'class',
  'manager', 'handler', 'factory', 'client', 'builder', 'helper', 'cache', 'map', 'options', 'config', 'result', 'state', 'status',
  'response', 'request', 'event', 'callback', 'listener', 'flow', 'attribute', 'claims', 'title', 'description', 'module', 'service',
  'expired', 'missing', 'invalid', 'changed', 'reset', 'updated', 'created', 'expression', 'color', 'background', 'foreground',
]);
/** Words that end a name when scanning back through OCR text where `_` became spaces. */
const STOP_WORDS = new Set(['the', 'a', 'an', 'is', 'are', 'was', 'were', 'be', 'to', 'of', 'in', 'on', 'for', 'from', 'with', 'and', 'or', 'not', 'no', 'this', 'that', 'if', 'when', 'then', 'your', 'their', 'our', 'its']);

/** Words of a name: `_ . - space` and camelCase split; all-caps words stay whole (`PASSW0RD`). */
function nameWords(name: string): string[] {
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

/** Whether words of a name mean it holds a secret; `last` says the last word is the secret word. */
interface NameVerdict {
  secret: boolean;
  /** The secret word ends the name (`db_password`, not `password_hash`). */
  last: boolean;
  /** The name came out of a sentence (`the first token: ...`): only a random-looking value counts. */
  prose: boolean;
}

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
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(v) && nameWords(v).length > 1 && !/[0-9]/.test(v.replace(/[_-]?[vV]?[0-9]+$/, '')) && wordiness(v.replace(/[^A-Za-z0-9]/g, '')) >= 0.7;
}

/** Placeholders are short: the long regex never sees a long value. */
const isPlaceholder = (v: string) => v.length <= 80 && PLACEHOLDER.test(v);
const SEMVER = /^[~^<>=v]{0,3}\d+(?:\.(?:\d+|x|\*)){1,3}(?:[-+][0-9A-Za-z.-]+)?$/;
const DOTTED_KEY = /^[A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*)+\.?$/;
const MEMBER_CHAIN = /^[A-Za-z_$#][\w$]*(?:\??\.[A-Za-z_$#][\w$]*)+$/;
/** Words that start code, not a value (`password:` / `return ...` in a switch). */
const CODE_WORDS = new Set(['return', 'await', 'new', 'typeof', 'yield', 'function', 'async', 'this', 'self', 'None', 'True', 'False', 'nil', 'null', 'undefined', 'lambda', 'not', 'if', 'else']);
const TYPE_WORDS = new Set(['string', 'str', 'number', 'int', 'integer', 'float', 'bool', 'boolean', 'bytes', 'any', 'unknown', 'object', 'buffer', 'secretstr', 'optional', 'void', 'never', 'char', 'text', 'varchar', 'uuid']);
const PROSE_WORDS = /\b(?:is|the|to|your|a|an|of|for|not|be|must|please|enter|invalid|missing|required)\b/i;
const QUOTES = '"\'`\u201c\u201d\u2018\u2019';
const CLOSERS: Record<string, string> = { '"': '"\u201d\u201c', '\u201c': '\u201d"', '\u201d': '\u201d"', "'": "'\u2019\u2018", '\u2018': "\u2019'", '\u2019': "\u2019'", '`': '`' };

type Style = 'env' | 'env-loose' | 'line' | 'code';
/** A name that starts with a declaration keyword is code (`const token = ...`), not a config line. */
const DECLARATION = /^(?:const|let|var|val|final|static|private|public|protected|readonly|def|fn|func|string|String|int|auto|local|dim|my|our|case|type|export|declare)\s/;
/** Authorization schemes: the word after `Authorization:` that is not the secret. */
const AUTH_SCHEMES = new Set(['bearer', 'basic', 'token', 'digest', 'negotiate', 'ntlm', 'hoba', 'mutual']);

/** Whether the value of a secret-named assignment is a literal secret, not code. */
function looksLiteral(v: string, quoted: boolean, style: Style, name: NameVerdict): boolean {
  const nameEndsInSecret = name.last;
  if (!/[A-Za-z0-9]/.test(v) || isPlaceholder(v.trim()) || SEMVER.test(v)) return false;
  if (name.prose && !randomish(v)) return false;
  // A sentence is a message about the secret, not the secret.
  if ((v.match(/ /g)?.length ?? 0) >= 2 && !/[0-9]/.test(v) && (/^[A-Z][a-z]/.test(v) || PROSE_WORDS.test(v))) return false;
  // Interpolation (`Bearer ${token}`) and dotted keys (`alisa.llm.apiKey`) are code.
  if (isLabel(v) || /^#[0-9a-fA-F]{3,8}$|^0x[0-9a-fA-F]+$/.test(v) || AUTH_SCHEMES.has(v.trim().toLowerCase())) return false;
  // In code, a quoted lower-case word is an enum (`credentials: 'include'`, `'invalid_grant'`).
  if (quoted && style === 'code' && /^[a-z]{1,12}(?:[-_][a-z]{1,12}){0,3}$/.test(v)) return false;
  if (quoted) return v.length >= 4 && !/\$\{|\{\{|#\{/.test(v) && !DOTTED_KEY.test(v);
  if (/&&|\|\||>>|<<|=>|\?\.|\?\?/.test(v)) return false;
  if (style !== 'env' && isIdentifier(v)) return false;
  if (/[([{<]/.test(v) || /^[!|&]/.test(v) || MEMBER_CHAIN.test(v) || TYPE_WORDS.has(v.toLowerCase()) || CODE_WORDS.has(v.split(' ')[0]!)) return false;
  if (/^[0-9]+$/.test(v)) return nameEndsInSecret && v.length >= 4 && style !== 'code';
  const symbolOrDigit = /[0-9]|[^A-Za-z0-9_]/.test(v);
  if (style === 'env') return true;
  const identifier = /^[a-z_$][a-z0-9$]*(?:_[a-z0-9$]+)+$|^[a-z]+(?:[A-Z][a-z0-9]*)+$|^[A-Z][a-z]+(?:[A-Z][a-z]+)*$/.test(v) && wordiness(v) >= 0.6;
  if (style === 'env-loose' || style === 'line') return v.length >= 6 && (symbolOrDigit || !identifier);
  return v.length >= 6 && symbolOrDigit;
}

// ---------------------------------------------------------------------------------------------
// Detectors. Each pushes spans; overlaps are merged at the end.

interface Ctx {
  text: string;
  spans: Span[];
  /** Start offsets of the lines (for "name first on its line" checks). */
  lineStarts: Int32Array | null;
  /** Where the spans found before the assignments start. */
  starts?: Set<number>;
}

/** The end of the line holding `from` (its `\n`, or the text's end), looking at most `max` characters. */
function lineEnd(text: string, from: number, max: number): number {
  let e = from;
  while (e < text.length && e - from < max && text.charCodeAt(e) !== 10) e++;
  return e;
}

function lineStartOf(ctx: Ctx, i: number): number {
  if (!ctx.lineStarts) {
    const starts = [0];
    for (let k = ctx.text.indexOf('\n'); k >= 0; k = ctx.text.indexOf('\n', k + 1)) starts.push(k + 1);
    ctx.lineStarts = Int32Array.from(starts);
  }
  const ls = ctx.lineStarts;
  let lo = 0;
  let hi = ls.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ls[mid]! <= i) lo = mid;
    else hi = mid - 1;
  }
  return ls[lo]!;
}

const KEY_BEGIN = /BEGIN ?(?:[A-Z0-9]{1,12} ){0,3}PRIVATE ?KEY(?: BLOCK)?/g;
const KEY_END = /END ?(?:[A-Z0-9]{1,12} ){0,3}PRIVATE ?KEY(?: BLOCK)?/g;
/** A BEGIN/END match widened over the dashes (and a space) around it: [start, end). */
function dashed(text: string, from: number, to: number): [number, number] {
  let s = from;
  while (s > 0 && from - s < 11 && (text[s - 1] === '-' || text[s - 1] === ' ')) s--;
  while (s < from && text[s] === ' ') s++;
  let e = to;
  while (e < text.length && e - to < 11 && (text[e] === '-' || text[e] === ' ')) e++;
  while (e > to && text[e - 1] === ' ') e--;
  return [s, e];
}
const KEY_HEADER_LINE = /^[ \t]*(?:Proc-Type|DEK-Info|Comment|Version)\s*:/i;
/** A longest block body we accept between BEGIN and END (a PGP key block is a few KB). */
const MAX_KEY_BLOCK = 16_000;

/** A line of key material: 16+ base64 characters, at most 3 spaces OCR put inside. */
function isKeyLine(line: string): boolean {
  let b64 = 0;
  let spaces = 0;
  let noise = 0;
  const t = line.replace(/^\s*\d{1,5}\s/, '').trim(); // an editor's line number
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (isB64(c) || c === 61) b64++;
    else if (c === 32) spaces++;
    else noise++; // OCR: `]` for `J`, `|` for `l`, ...
  }
  return b64 >= 16 && spaces <= 3 && noise <= 3 && noise * 10 <= b64;
}

/** Private key blocks, with or without their END line. */
function keyBlocks(ctx: Ctx): void {
  const { text } = ctx;
  if (!text.includes('PRIVATE')) return;
  const ends: Array<[number, number]> = [];
  KEY_END.lastIndex = 0;
  for (let m = KEY_END.exec(text); m; m = KEY_END.exec(text)) ends.push(dashed(text, m.index, m.index + m[0].length));
  let e = 0;
  KEY_BEGIN.lastIndex = 0;
  for (let m = KEY_BEGIN.exec(text); m; m = KEY_BEGIN.exec(text)) {
    const [blockStart, bodyFrom] = dashed(text, m.index, m.index + m[0].length);
    while (e < ends.length && ends[e]![0] < bodyFrom) e++;
    KEY_BEGIN.lastIndex = bodyFrom;
    const nextBegin = KEY_BEGIN.exec(text);
    const end = ends[e];
    let stop: number;
    if (end && end[0] - bodyFrom <= MAX_KEY_BLOCK && (!nextBegin || end[0] < nextBegin.index)) {
      stop = end[1];
    } else {
      // Cut off (OCR missed the END line): the base64-looking lines (and PEM headers) after BEGIN.
      stop = bodyFrom;
      let pos = lineEnd(text, bodyFrom, 200);
      if (text[pos] !== '\n') pos = -1;
      if (pos >= 0 && text.slice(bodyFrom, pos).trim() === '') {
        while (pos >= 0 && pos - bodyFrom < MAX_KEY_BLOCK) {
          const next = text.indexOf('\n', pos + 1);
          const line = text.slice(pos + 1, next < 0 ? text.length : next);
          const following = next < 0 ? '' : text.slice(next + 1, text.indexOf('\n', next + 1) < 0 ? text.length : text.indexOf('\n', next + 1));
          if (!(isKeyLine(line) || KEY_HEADER_LINE.test(line) || (line.trim() === '' && isKeyLine(following)))) break;
          stop = pos + 1 + line.replace(/\s+$/, '').length;
          pos = next;
        }
      }
    }
    ctx.spans.push({ kind: 'private_key', start: blockStart, end: stop, rank: Rank.Block });
    KEY_BEGIN.lastIndex = Math.max(stop, bodyFrom);
  }
}

interface Shape {
  kind: string;
  re: RegExp;
  /** The capture group that is the secret (default: the whole match). */
  group?: number;
  /** An extra check on the secret (e.g. random-looking when OCR made spaces of its `_`). */
  check?: (secret: string) => boolean;
}

// `[_ ]`: an underscore, or the space OCR reads it as. `(?<![A-Za-z0-9])`: a token starts here.
// Every body is bounded, and a start inside a run is refused, so each run is scanned once.
const B = '(?<![A-Za-z0-9])';
const spacedRandom = (s: string) => !s.includes(' ') || randomish(s.replace(/^\S+ /, ''));
const SHAPES: readonly Shape[] = [
  { kind: 'jwt', re: new RegExp(`${B}eyJ[A-Za-z0-9_-]{8,4000}\\.eyJ[A-Za-z0-9_-]{8,8000}\\.[A-Za-z0-9_-]{8,4000}`, 'g') },
  // One segment of base64 JSON (`{"...`): a JWT cut by a line break, or a token's payload.
  { kind: 'jwt', re: new RegExp(`${B}eyJ[A-Za-z0-9_-]{17,8000}={0,2}`, 'g') },
  { kind: 'aws_key_id', re: new RegExp(`${B}(?:A[KS][I1l|]A|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])`, 'g') },
  { kind: 'github', re: new RegExp(`${B}gh[pousr][_ ][A-Za-z0-9]{30,255}(?![A-Za-z0-9])`, 'g'), check: spacedRandom },
  { kind: 'github', re: new RegExp(`${B}github[_ ]pat[_ ][A-Za-z0-9]{16,255}(?:[_ ][A-Za-z0-9]{16,255})?`, 'g') },
  { kind: 'gitlab', re: new RegExp(`${B}gl(?:pat|dt|rt|ptt|cbt|oas|soat|imt|ft|agent|ffct)-[A-Za-z0-9_-]{20,255}`, 'g') },
  { kind: 'gitlab', re: new RegExp(`${B}GR1348941[A-Za-z0-9_-]{20,255}`, 'g') },
  { kind: 'anthropic', re: new RegExp(`${B}sk-ant-[A-Za-z0-9_-]{20,400}`, 'g') },
  { kind: 'openai', re: new RegExp(`${B}sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,400}`, 'g'), check: (s) => randomish(s.slice(3)) },
  { kind: 'slack', re: new RegExp(`${B}xox[abposre]-[A-Za-z0-9-]{10,250}`, 'g') },
  { kind: 'slack', re: new RegExp(`${B}xapp-[0-9]-[A-Za-z0-9-]{10,250}`, 'g') },
  { kind: 'slack_webhook', re: /hooks\.slack\.com\/(?:services|workflows)\/([A-Za-z0-9_\/-]{8,200})/g, group: 1 },
  { kind: 'discord_webhook', re: /discord(?:app)?\.com\/api\/webhooks\/([0-9]{5,30}\/[A-Za-z0-9_-]{8,200})/g, group: 1 },
  { kind: 'google', re: new RegExp(`${B}A[Il1|]za[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])`, 'g') },
  { kind: 'google', re: new RegExp(`${B}A[Il1|]za[0-9A-Za-z_ -]{35}(?![0-9A-Za-z_-])`, 'g'), check: (s) => (s.match(/ /g)?.length ?? 0) <= 3 && randomish(s.slice(4)) },
  { kind: 'google', re: new RegExp(`${B}GOCSPX-[A-Za-z0-9_-]{10,64}`, 'g') },
  { kind: 'google', re: new RegExp(`${B}ya29\\.[0-9A-Za-z_-]{20,2000}`, 'g') },
  { kind: 'stripe', re: new RegExp(`${B}(?:sk|rk|pk)[_ ](?:live|test)[_ ][A-Za-z0-9]{16,250}`, 'g'), check: spacedRandom },
  { kind: 'stripe', re: new RegExp(`${B}whsec[_ ][A-Za-z0-9]{24,250}`, 'g') },
  { kind: 'huggingface', re: new RegExp(`${B}hf[_ ]?[A-Za-z0-9]{30,40}(?![A-Za-z0-9])`, 'g'), check: (s) => /[a-z][A-Z]/.test(s.slice(2)) && randomish(s.slice(2)) },
  { kind: 'npm', re: new RegExp(`${B}npm[_ ][A-Za-z0-9]{36}(?![A-Za-z0-9])`, 'g'), check: (s) => randomish(s.slice(4)) },
  { kind: 'sendgrid', re: new RegExp(`${B}SG\\.[A-Za-z0-9_ -]{22}\\.[A-Za-z0-9_ -]{43}`, 'g') },
  { kind: 'twilio', re: new RegExp(`${B}SK[0-9a-fA-F]{32}(?![A-Za-z0-9])`, 'g') },
  { kind: 'azure', re: new RegExp(`(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])`, 'g') },
  { kind: 'shopify', re: new RegExp(`${B}shp(?:at|ca|pa|ss)[_ ][a-fA-F0-9]{32}`, 'g') },
  { kind: 'digitalocean', re: new RegExp(`${B}do[por][_ ]{0,2}v[1lI|][_ ]{0,2}[a-f0-9]{32,64}`, 'g') },
  { kind: 'docker', re: new RegExp(`${B}dckr[_ ]pat[_ ][A-Za-z0-9_-]{20,100}`, 'g') },
  { kind: 'pypi', re: new RegExp(`${B}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,400}`, 'g') },
  { kind: 'telegram', re: /(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])/g },
  { kind: 'age', re: new RegExp(`${B}AGE-SECRET-KEY-1[0-9A-Z]{58}`, 'g') },
  { kind: 'vault', re: new RegExp(`${B}hv[sb]\\.[A-Za-z0-9_-]{24,200}`, 'g') },
  { kind: 'mailgun', re: new RegExp(`${B}key-[0-9a-f]{32}(?![A-Za-z0-9])`, 'g') },
  { kind: 'databricks', re: new RegExp(`${B}dapi[a-f0-9]{32}(?![A-Za-z0-9])`, 'g') },
  // Authorization values: the scheme word is kept, the credentials go. "Bearer tokens." is prose.
  { kind: 'bearer', re: /\bBearer\s{1,4}(?=[A-Za-z0-9._~+\/-]{0,4096}(?:[0-9]|[._~+\/-][A-Za-z0-9]))([A-Za-z0-9._~+\/-]{7,4096}[A-Za-z0-9_~+\/-]=*)/g, group: 1, check: randomish },
  { kind: 'basic', re: /\bBasic\s{1,4}(?=[A-Za-z0-9+\/]{0,4096}[0-9+\/])([A-Za-z0-9+\/]{8,4096}=*)/g, group: 1 },
  { kind: 'authorization', re: /Authorization["']?\s{0,4}[:=]\s{0,4}["']?(?!Bearer\b|Basic\b)[A-Za-z][A-Za-z0-9_-]{1,30}\s{1,4}([A-Za-z0-9._~+\/=-]{8,4096})/gi, group: 1, check: randomish },
  // Command-line credentials: `curl -u user:pass`, `--password value`, `mysql -pSECRET`.
  { kind: 'password', re: /(?:^|[\s'"])(?:-u|--user)(?:\s{1,4}|=)["']?[^\s:"'`@]{1,128}:([^\s"'`@]{1,256})/g, group: 1, check: (s) => !isPlaceholder(s) },
  { kind: 'password', re: /(?:^|\s)--(?:password|passwd|token|api-key|secret|auth-token|access-token)\s{1,4}["']?([^\s"'-][^\s"']{3,255})/g, group: 1, check: (s) => !isPlaceholder(s) && !/^\$/.test(s) },
  { kind: 'password', re: /\bmysql(?:dump|admin)?\b[^\n]{0,200}?\s-p([^\s'"`]{3,128})/g, group: 1, check: (s) => !isPlaceholder(s) },
  { kind: 'password', re: /\bdocker\s+login\b[^\n]{0,200}?\s-p\s{1,4}([^\s'"]{4,255})/g, group: 1, check: (s) => !isPlaceholder(s) && !/^\$/.test(s) },
];

function shapes(ctx: Ctx): void {
  const { text } = ctx;
  for (const shape of SHAPES) {
    shape.re.lastIndex = 0;
    for (let m = shape.re.exec(text); m; m = shape.re.exec(text)) {
      const g = shape.group ?? 0;
      const secret = m[g];
      if (secret === undefined || (shape.check && !shape.check(secret))) continue;
      const start = g === 0 ? m.index : m.index + m[0].lastIndexOf(secret);
      ctx.spans.push({ kind: shape.kind, start, end: start + secret.length, rank: g === 0 ? Rank.Shape : Rank.Header });
    }
  }
}

/** The password of `scheme://user:pass@host` (the user may be empty: `redis://:pass@host`). */
function urlPasswords(ctx: Ctx): void {
  const { text } = ctx;
  for (let at = text.indexOf('://'); at >= 0; at = text.indexOf('://', at + 3)) {
    let s = at;
    while (s > 0 && at - s < 32 && /[a-z0-9+.-]/i.test(text[s - 1]!)) s--;
    if (s === at || !/[a-z]/i.test(text[s]!)) continue;
    let i = at + 3;
    const userEnd = scanUntil(text, i, 128, ':', '\t @/?#"\'<>');
    if (userEnd < 0) continue;
    i = userEnd + 1;
    let passEnd = scanUntil(text, i, 256, '@', ' \t/?#"\'<>');
    if (passEnd <= i) continue;
    // The userinfo ends at the last `@` of the authority (OCR reads `0` as `@` too: `m@ng@Pa55`).
    for (let more = scanUntil(text, passEnd + 1, 256, '@', ' \t/?#"\'<>'); more > passEnd; more = scanUntil(text, more + 1, 256, '@', ' \t/?#"\'<>')) passEnd = more;
    const pass = text.slice(i, passEnd);
    if (pass.startsWith('[REDACTED') || isPlaceholder(pass) || /^\$\{?\w+\}?$/.test(pass)) continue;
    ctx.spans.push({ kind: 'password', start: i, end: passEnd, rank: Rank.Header });
  }
}

/**
 * Index of `stop` within `max` characters from `from`, or -1 at a `bad` character first. One
 * line break between two non-space characters is crossed (a URL cut by a wrap).
 */
function scanUntil(text: string, from: number, max: number, stop: string, bad: string): number {
  let breaks = 0;
  for (let i = from; i < text.length && i - from <= max; i++) {
    const ch = text[i]!;
    if (ch === stop) return i;
    if (ch === '\r' || ch === '\n') {
      const next = text[i + 1] === '\n' && ch === '\r' ? i + 2 : i + 1;
      if (breaks++ > 0 || i === from || !isRunChar(text.charCodeAt(i - 1)) || !isRunChar(text.charCodeAt(next))) return -1;
      i = next - 1;
      continue;
    }
    if (bad.includes(ch)) return -1;
  }
  return -1;
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
function assignments(ctx: Ctx): void {
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
      if (!/^[A-Za-z0-9_ .$-]{1,60}$/.test(name)) continue; // not a name: code between two strings
      if (/[@\/]/.test(name)) continue; // a package (`"@azure/core-auth": "^1.10.0"`), not a name
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
    if (wrap && ctx.starts?.has(wrap[0])) wrap = null; // the next line starts a secret of its own
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
    else if ((op === ':' || op === '=') && firstOnLine && lastOnLine && !DECLARATION.test(name)) style = 'line';
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
function wrappedRun(text: string, at: number): [number, number] | null {
  let b = at;
  if (text[b] === '\r') b++;
  if (text[b] !== '\n' || at === 0 || isSpace(text.charCodeAt(at - 1)) || text[at - 1] === '\n') return null;
  b++;
  let e = b;
  while (e < text.length && e - b < MAX_VALUE && !isValueStop(text.charCodeAt(e))) e++;
  if (e === b || hasOperator(text.slice(b, e))) return null;
  return [b, e];
}

/** `=` or `:` other than base64 padding at the end. */
const hasOperator = (run: string) => /[=:]/.test(run.replace(/=+["'`]*$/, ''));

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
      const noise = ch === ']' || ch === ')' || ch === '}' || ch === '"' || ch === "'" || ch === '`';
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

// Contexts where a base64 or hex run is a digest or public data (certificates and public keys
// too), never a secret.
const ALLOW_ZONES: readonly RegExp[] = [
  /data:[^,\s"')]{0,100};base64,[A-Za-z0-9+\/=_-]{1,1000000}/g,
  // Digests, also as OCR reads them (`sha5l2-`, `h1l:`, a `]` inside).
  /(?<![A-Za-z0-9])sha[0-9lI|]{1,3}[-:][^\s"',;]{16,200}/gi,
  /(?<![A-Za-z0-9])(?:h[1lI|]{1,2}|md5|blake2b|xxh64):[^\s"',;]{16,200}/g,
  /\bintegrity["']?\s{0,3}[:=]?\s{0,3}["']?[^\s"',;]{16,200}/g,
  /-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|PGP PUBLIC KEY BLOCK|CERTIFICATE REQUEST|X509 CRL)-----[^-]{0,16000}-----END [A-Z0-9 ]{3,30}-----/g,
  /(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d{3}|sk-ssh-ed25519@openssh\.com)\s{0,3}AAAA[A-Za-z0-9+\/=]{16,16000}/g,
];
/** Words near a hex run that say it is a digest or an id. */
const HASH_WORDS = canonSet(['sha', 'sha1', 'sha256', 'sha512', 'md5', 'hash', 'checksum', 'digest', 'integrity', 'commit', 'rev', 'revision', 'ref', 'reference', 'etag', 'id', 'uuid', 'guid', 'oid', 'object', 'tree', 'parent', 'blob', 'index', 'resolved', 'fingerprint', 'build', 'head', 'merge', 'tag', 'shasum', 'crc']);

/** High-entropy runs (base62/base64, or hex as a quoted or assigned value). */
function highEntropy(ctx: Ctx): void {
  const { text } = ctx;
  const RUN = /(?<![A-Za-z0-9+\/_-])[A-Za-z0-9+\/_-]{20,}={0,3}/g;
  for (let m = RUN.exec(text); m; m = RUN.exec(text)) {
    const run = m[0];
    const at = m.index;
    // A path (`/home/dev/src`, `com/user/repo`): each segment on its own.
    const segs = run.split('/');
    const wordy = segs.length > 1 ? segs.filter((s) => /^[A-Za-z][a-z]{2,}$|^[a-z]{2,}[A-Za-z0-9-]*$/.test(s) && /[aeiouy]/i.test(s)).length : 0;
    const pathLike = segs.length > 1 && (run.startsWith('/') || (wordy >= 2 && wordy * 2 >= segs.length) || /[~.]/.test(text[at - 1] ?? ''));
    if (pathLike) {
      let off = at;
      for (const seg of segs) {
        if (seg.length >= 20) checkRun(ctx, seg, off);
        off += seg.length + 1;
      }
    } else {
      checkRun(ctx, run, at);
    }
  }
}

function checkRun(ctx: Ctx, run: string, at: number): void {
  const core = run.replace(/^[_-]+/, '');
  const start = at + (run.length - core.length);
  const alnum = core.replace(/[^A-Za-z0-9]/g, '');
  if (alnum.length < 20 || core.startsWith('xn--')) return;
  if (/^[0-9a-f]+$/.test(alnum) || /^[0-9A-F]+$/.test(alnum)) {
    if (isHexSecret(ctx, core, start, alnum)) ctx.spans.push({ kind: 'high_entropy', start, end: start + core.length, rank: Rank.Entropy });
    return;
  }
  // snake_case or kebab-case words (`audio-24khz-48kbitrate-mono-mp3`) are names: random base64url
  // has a `-` or `_` every 30 characters or so, not every 5.
  const segments = core.split(/[_-]+/).filter(Boolean);
  if (segments.length > 1 && alnum.length / segments.length < 8) return;
  if (isRandomToken(alnum)) ctx.spans.push({ kind: 'high_entropy', start, end: start + core.length, rank: Rank.Entropy });
}

function isHexSecret(ctx: Ctx, core: string, start: number, alnum: string): boolean {
  if (alnum.length < 32 || !/[0-9]/.test(alnum) || !/[a-f]/i.test(alnum) || entropy(alnum) < 3) return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(core)) return false;
  // Only a value: quoted, or right after `=` / `:` (also across a line break).
  const before = ctx.text.slice(Math.max(0, start - 48), start);
  if (!/(?:["'`]|[=:]\s{0,4}["'`]?)$/.test(before)) return false;
  for (const w of nameWords(before.replace(/[^A-Za-z0-9]+/g, ' '))) if (HASH_WORDS.has(canon(w))) return false;
  return true;
}

/**
 * Characters OCR puts inside a token it misreads (`0` as `@`, `J` as `]`, `l` as `|`), and the
 * dot between a JWT's parts: a token goes on across one of them.
 */
const JOINERS = '.@[]()|!\'\u2018\u2019%\u00a2{};^~`';

/** A piece of a token: random-looking, and not words joined by `-` or `_` (`us-east-1`). */
function tokenPiece(piece: string): boolean {
  if (!randomish(piece)) return false;
  const segments = piece.split(/[_-]+/).filter(Boolean);
  return segments.length < 2 || piece.length / segments.length >= 6;
}

/**
 * A token OCR split (its `_` read as a space, a `0` read as `@`, a `.` between JWT parts): the
 * random-looking pieces after it are absorbed, across one space and/or one joiner each; short
 * pieces between two joiners (`]9.eyJ)`) bridge to the next random piece. High-entropy spans
 * also absorb random pieces one space before them.
 */
function absorbPieces(ctx: Ctx, span: Span): void {
  const { text } = ctx;
  for (let guard = 0; guard < 16; guard++) {
    let e = span.end;
    let to = -1;
    for (let step = 0; step < 3 && to < 0; step++) {
      let p = e;
      if (text[p] === ' ') p++;
      const joined = JOINERS.includes(text[p] ?? '\n');
      if (joined) p++;
      if (p === e) break;
      let q = p;
      while (q < text.length && q - p < 256 && isB64(text.charCodeAt(q))) q++;
      while (text[q] === '=') q++;
      const piece = text.slice(p, q);
      if (piece.length >= 2 && tokenPiece(piece) && text[q] !== ':' && !(text[q] === '=' && !piece.endsWith('='))) to = q;
      // A bridge: a short piece between two joiners.
      else if (joined && piece.length >= 1 && piece.length <= 4 && JOINERS.includes(text[q] ?? '\n')) e = q;
      else break;
    }
    if (to < 0) break;
    span.end = to;
  }
  if (span.kind !== 'high_entropy') return;
  for (let n = 0; n < 8 && text[span.start - 1] === ' '; n++) {
    let s = span.start - 1;
    while (s > 0 && span.start - s <= 256 && isB64(text.charCodeAt(s - 1))) s--;
    const piece = text.slice(s, span.start - 1);
    if (piece.length < 2 || !tokenPiece(piece) || (piece.length < 4 && !/[0-9]/.test(piece))) break;
    span.start = s;
  }
}

function rangesOf(text: string, res: readonly RegExp[], out: Array<[number, number]> = []): Array<[number, number]> {
  for (const re of res) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

/** Whether [s, e) overlaps one of the ranges (sorted by start, none longer than `maxLen`... any). */
function overlapsAny(ranges: ReadonlyArray<[number, number]>, s: number, e: number): boolean {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]![0] < e) lo = mid + 1;
    else hi = mid;
  }
  // Ranges starting before e: one of the last few may reach past s (ranges may nest).
  for (let i = lo - 1; i >= 0 && i >= lo - 8; i--) if (ranges[i]![1] > s) return true;
  return false;
}

/** Every detector over one text: its spans and its allow zones. */
function scan(text: string): { spans: Span[]; allowed: Array<[number, number]> } {
  const ctx: Ctx = { text, spans: [], lineStarts: null };
  keyBlocks(ctx);
  shapes(ctx);
  urlPasswords(ctx);
  highEntropy(ctx);
  assignments(ctx);
  const starts = new Set(ctx.spans.map((s) => s.start));
  for (const s of ctx.spans) {
    if (s.rank === Rank.Named || s.rank === Rank.Block) continue;
    absorbPieces(ctx, s);
    // A token cut by a hard wrap goes on at the start of the next line.
    const wrap = wrappedRun(text, s.end);
    if (wrap && !starts.has(wrap[0]) && randomish(text.slice(wrap[0], wrap[1]))) {
      s.end = wrap[1];
      absorbPieces(ctx, s);
    }
  }
  return { spans: ctx.spans, allowed: rangesOf(text, ALLOW_ZONES) };
}

const isRunChar = (c: number) => !Number.isNaN(c) && c > 32 && c !== 127;
const WINDOW = 400;

/**
 * Lines broken in two (a terminal's hard wrap, OCR splitting a line): where a run of 16+
 * non-space characters crosses a line break, the two lines are read again joined, and what that
 * finds in the run (a name, a key shape, an allowlisted digest) counts too. Two statements
 * (`A=1` / `B=2`, both with an operator) are not a wrap.
 */
function wrapJoints(text: string, spans: Span[], allowed: Array<[number, number]>): void {
  const touched = new Set<number>();
  for (const sp of spans) {
    touched.add(sp.start);
    touched.add(sp.end);
  }
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) {
    const a = nl > 0 && text[nl - 1] === '\r' ? nl - 1 : nl;
    const b = nl + 1;
    if (a === 0 || !isRunChar(text.charCodeAt(a - 1)) || !isRunChar(text.charCodeAt(b))) continue;
    let s = a;
    while (s > 0 && a - s < WINDOW && isRunChar(text.charCodeAt(s - 1))) s--;
    let e = b;
    while (e < text.length && e - b < WINDOW && isRunChar(text.charCodeAt(e))) e++;
    if (a - s + (e - b) < 16) continue;
    if (hasOperator(text.slice(s, a)) && hasOperator(text.slice(b, e))) continue;
    let ws = a;
    while (ws > 0 && a - ws < WINDOW && text[ws - 1] !== '\n') ws--;
    let we = b;
    while (we < text.length && we - b < WINDOW && text[we] !== '\n' && text[we] !== '\r') we++;
    const cut = a - ws;
    const map = (x: number) => (x <= cut ? ws + x : b + (x - cut));
    const joined = text.slice(ws, a) + text.slice(b, we);
    for (const [zs, ze] of rangesOf(joined, ALLOW_ZONES)) allowed.push([map(zs), map(ze)]);
    // Already found on its own at the break (`A=secret` / `B=2`): nothing to join.
    if (touched.has(a) || touched.has(b)) continue;
    const runFrom = s - ws;
    const runTo = cut + (e - b);
    for (const sp of scan(joined).spans) {
      if (sp.end <= runFrom || sp.start >= runTo) continue;
      // A word then a hash (`commit` / `5707b4d9...`) is two words, not one cut token.
      if (sp.rank === Rank.Entropy && sp.start < cut && sp.end > cut && !(randomish(joined.slice(sp.start, cut)) && randomish(joined.slice(cut, sp.end)))) continue;
      spans.push({ ...sp, start: map(sp.start), end: map(sp.end) });
    }
  }
}

/** Every secret in `text`, as sorted, non-overlapping spans with their kind. */
export function findSecrets(text: string): SecretFinding[] {
  const { spans, allowed } = scan(text);
  wrapJoints(text, spans, allowed);
  const markers = rangesOf(text, [MARKER]);
  allowed.sort((x, y) => x[0] - y[0]);
  const kept = spans.filter((s) => s.end > s.start && !overlapsAny(markers, s.start, s.end) && (s.rank === Rank.Block || !overlapsAny(allowed, s.start, s.end)));
  kept.sort((x, y) => x.start - y.start || x.rank - y.rank);
  const out: Span[] = [];
  for (const s of kept) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) {
      last.end = Math.max(last.end, s.end);
      if (s.rank < last.rank) {
        last.rank = s.rank;
        last.kind = s.kind;
      }
    } else {
      out.push({ ...s });
    }
  }
  return out.map(({ kind, start, end }) => ({ kind, start, end }));
}

/** Whether `text` holds a secret. */
export function hasSecret(text: string): boolean {
  return findSecrets(text).length > 0;
}

/**
 * Replaces every secret in `text` with `[REDACTED:kind]`; `count` is how many were replaced. A
 * secret that a line break cut in two keeps the break (after its marker), so lines stay lines.
 */
export function redactSecrets(text: string): Redaction {
  const found = findSecrets(text);
  if (found.length === 0) return { text, count: 0 };
  let out = '';
  let from = 0;
  for (const f of found) {
    const inner = f.kind === 'private_key' ? '' : text.slice(f.start, f.end).replace(/[^\n]+/g, '');
    out += text.slice(from, f.start) + R(f.kind) + inner;
    from = f.end;
  }
  return { text: out + text.slice(from), count: found.length };
}
