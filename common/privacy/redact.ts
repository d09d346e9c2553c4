// Secret redaction for everything Alisa reads, before it is kept, shown to the model or written
// anywhere: screen text (OCR), terminal output, file excerpts, debug data, legacy vision frames
// and chat. One module for every door, so every door hides the same secrets: `redactSecrets`
// (the text with `[REDACTED:kind]` markers, and how many), `findSecrets` (kinds and spans),
// `hasSecret`, `isSecretName`. Pure, dependency-free (the extension bundles it too), idempotent
// (a marker is never matched again, so text can pass twice) and linear in the text's length:
// every pattern is anchored or bounded (a 100k-character line without breaks costs milliseconds,
// a few tens at worst when it is made of nothing but assignments).
//
// Text often arrives as OCR made it: `_` read as a space (`AWS SECRET ACCESS KEY = ...`), `l`/`1`/`I`
// and `O`/`0` swapped, `0` read as `@` and `J` as `]`, extra spaces around `=` and `:`, lines
// broken in two. So a secret is found in independent ways, and one is enough:
// - Shape (secret-shapes.ts): private key blocks (also with the END line cut off: the block runs
//   to the last base64-looking line), JWTs, AWS, Google, Azure, GitHub, GitLab, Slack, Stripe,
//   OpenAI, Anthropic, Hugging Face, npm, SendGrid, Twilio and other key prefixes (with `_` or
//   the space OCR makes of it), `Bearer`/`Basic`/`Authorization:` values, the password of
//   `scheme://user:pass@host` (postgres, mysql, mongodb, redis, amqp, git remotes; the user is
//   kept), `curl -u user:pass`, `--password value`, `mysql -pSECRET`.
// - Name (secret-names.ts): `name <op> value` where the name says secret (password, pwd, secret,
//   token, api key, access key, auth, credentials, ...; as words of the name, so `DB_PASSWORD`,
//   `DB PASSWORD`, `clientSecret` and `PASSW0RD` count but `author`, `bypass` and `tokenizer` do
//   not) keeps the name and redacts the value, if the value looks literal: quoted, or a bare value
//   of 6+ characters with a digit or a symbol, or any value of an env line (`UPPER_NAME=value`)
//   or a config line (`password: value` alone on its line). Code and labels are not values
//   (`string`, `getToken()`, `process.env.X`, `Map<string`, `'include'`, `"passwordTooWeak"`),
//   nor are placeholders (`${X}`, `<token>`, `your-key-here`); names that describe a secret
//   (`token_type`, `passwordLength`, `PASSWORD_MIN_LENGTH`) hold none. `Password=...;` in ADO/JDBC
//   strings, `?password=` / `&sig=` in URLs and `- name: X_PASSWORD` / `value: ...` count too.
// - Entropy (secret-shapes.ts, as detect-secrets and gitleaks do): a base62/base64 run of 20+
//   characters with a digit, Shannon entropy above what random text of that length reaches 99 %
//   of the time, and few dictionary-like pieces (`Conv3DBackpropFilterV2` is wordy); a hex run of
//   32+ only as a quoted or assigned value without a hash word near it (`commit`, `sha`,
//   `checksum`, `etag`, `id`, ...). Never inside `data:...;base64,`, `sha512-`, `sha256:`, `h1:`,
//   `integrity`, a certificate or an ssh public key, and never a UUID, a path or snake_case words.
// - Pieces: a token OCR split (at its `_`, a misread `@` or `]`, a JWT's dot) is absorbed piece by
//   piece while the next piece still looks random; a value whose `_` became spaces runs on to the
//   end of its env/config line; a value or token cut at a line end goes on at the start of the
//   next line; and where a run of characters crosses a line break, the two lines are also read
//   joined (a name or key cut in two). A secret cut by a line break keeps the break.
import { assignments, hasOperator, wrappedRun } from './secret-names';
import { absorbPieces, ALLOW_ZONES, highEntropy, keyBlocks, shapes, urlPasswords } from './secret-shapes';
import { isRunChar, randomish, Rank, type Ctx, type Span } from './secret-text';

export { isSecretName } from './secret-names';

interface Redaction {
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

const R = (kind: string) => `[REDACTED:${kind}]`;
const MARKER = /\[REDACTED(?::[a-z0-9_]{1,40})?\]/g;

function rangesOf(text: string, res: readonly RegExp[], out: Array<[number, number]> = []): Array<[number, number]> {
  for (const re of res) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

/** Ranges sorted by start, with the furthest end so far: overlap queries in log time. */
interface RangeIndex {
  starts: number[];
  maxEnds: number[];
}

function indexRanges(ranges: Array<[number, number]>): RangeIndex {
  ranges.sort((x, y) => x[0] - y[0]);
  const maxEnds: number[] = [];
  for (const [, e] of ranges) maxEnds.push(Math.max(e, maxEnds[maxEnds.length - 1] ?? 0));
  return { starts: ranges.map((r) => r[0]), maxEnds };
}

/** Whether [s, e) overlaps one of the indexed ranges. */
function overlapsAny(index: RangeIndex, s: number, e: number): boolean {
  let lo = 0;
  let hi = index.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (index.starts[mid]! < e) lo = mid + 1;
    else hi = mid;
  }
  // Of the ranges starting before e, does the one reaching furthest reach past s?
  return lo > 0 && index.maxEnds[lo - 1]! > s;
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
    if (s.rank === Rank.Named || s.rank === Rank.Block || s.kind === 'password') continue;
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
      if (sp.rank === Rank.Entropy && sp.start < cut && sp.end > cut && !(randomish(joined.slice(sp.start, cut)) && randomish(joined.slice(cut, sp.end))))
        continue;
      spans.push({ ...sp, start: map(sp.start), end: map(sp.end) });
    }
  }
}

/** Every secret in `text`, as sorted, non-overlapping spans with their kind. */
export function findSecrets(text: string): SecretFinding[] {
  const { spans, allowed } = scan(text);
  wrapJoints(text, spans, allowed);
  const markers = indexRanges(rangesOf(text, [MARKER]));
  const allow = indexRanges(allowed);
  const kept = spans.filter((s) => s.end > s.start && !overlapsAny(markers, s.start, s.end) && (s.rank === Rank.Block || !overlapsAny(allow, s.start, s.end)));
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
