// Secrets found by shape: private key blocks, well-known key prefixes, authorization values,
// URL and command-line passwords, and high-entropy tokens (with the digests and public data that
// look like them allowlisted); tokens OCR split are absorbed piece by piece. Part of redact.ts.
import { canon, canonSet, isPlaceholder, nameWords } from './secret-names';
import { entropy, isB64, isRandomToken, isRunChar, lineEnd, randomish, Rank, type Ctx, type Span } from './secret-text';

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
export function keyBlocks(ctx: Ctx): void {
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
  {
    kind: 'google',
    re: new RegExp(`${B}A[Il1|]za[0-9A-Za-z_ -]{35}(?![0-9A-Za-z_-])`, 'g'),
    check: (s) => (s.match(/ /g)?.length ?? 0) <= 3 && randomish(s.slice(4)),
  },
  { kind: 'google', re: new RegExp(`${B}GOCSPX-[A-Za-z0-9_-]{10,64}`, 'g') },
  { kind: 'google', re: new RegExp(`${B}ya29\\.[0-9A-Za-z_-]{20,2000}`, 'g') },
  { kind: 'stripe', re: new RegExp(`${B}(?:sk|rk|pk)[_ ](?:live|test)[_ ][A-Za-z0-9]{16,250}`, 'g'), check: spacedRandom },
  { kind: 'stripe', re: new RegExp(`${B}whsec[_ ][A-Za-z0-9]{24,250}`, 'g') },
  {
    kind: 'huggingface',
    re: new RegExp(`${B}hf[_ ]?[A-Za-z0-9]{30,40}(?![A-Za-z0-9])`, 'g'),
    check: (s) => /[a-z][A-Z]/.test(s.slice(2)) && randomish(s.slice(2)),
  },
  { kind: 'npm', re: new RegExp(`${B}npm[_ ][A-Za-z0-9]{36}(?![A-Za-z0-9])`, 'g'), check: (s) => randomish(s.slice(4)) },
  { kind: 'sendgrid', re: new RegExp(`${B}SG\\.[A-Za-z0-9_ -]{22}\\.[A-Za-z0-9_ -]{43}`, 'g') },
  { kind: 'twilio', re: new RegExp(`${B}SK[0-9a-fA-F]{32}(?![A-Za-z0-9])`, 'g') },
  { kind: 'azure', re: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g },
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
  {
    kind: 'bearer',
    re: /\bBearer\s{1,4}(?=[A-Za-z0-9._~+\/-]{0,4096}(?:[0-9]|[._~+\/-][A-Za-z0-9]))([A-Za-z0-9._~+\/-]{7,4096}[A-Za-z0-9_~+\/-]=*)/g,
    group: 1,
    check: randomish,
  },
  { kind: 'basic', re: /\bBasic\s{1,4}(?=[A-Za-z0-9+\/]{0,4096}[0-9+\/])([A-Za-z0-9+\/]{8,4096}=*)/g, group: 1 },
  {
    kind: 'authorization',
    re: /Authorization["']?\s{0,4}[:=]\s{0,4}["']?(?!Bearer\b|Basic\b)[A-Za-z][A-Za-z0-9_-]{1,30}\s{1,4}([A-Za-z0-9._~+\/=-]{8,4096})/gi,
    group: 1,
    check: randomish,
  },
  // Command-line credentials: `curl -u user:pass`, `--password value`, `mysql -pSECRET`.
  { kind: 'password', re: /(?:^|[\s'"])(?:-u|--user)(?:\s{1,4}|=)["']?[^\s:"'`@]{1,128}:([^\s"'`@]{1,256})/g, group: 1, check: (s) => !isPlaceholder(s) },
  {
    kind: 'password',
    re: /(?:^|\s)--(?:password|passwd|token|api-key|secret|auth-token|access-token)\s{1,4}["']?([^\s"'-][^\s"']{3,255})/g,
    group: 1,
    check: (s) => !isPlaceholder(s) && !/^\$/.test(s),
  },
  { kind: 'password', re: /\bmysql(?:dump|admin)?\b[^\n]{0,200}?\s-p([^\s'"`]{3,128})/g, group: 1, check: (s) => !isPlaceholder(s) },
  { kind: 'password', re: /\bdocker\s+login\b[^\n]{0,200}?\s-p\s{1,4}([^\s'"]{4,255})/g, group: 1, check: (s) => !isPlaceholder(s) && !/^\$/.test(s) },
];

export function shapes(ctx: Ctx): void {
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
export function urlPasswords(ctx: Ctx): void {
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
    for (let more = scanUntil(text, passEnd + 1, 256, '@', ' \t/?#"\'<>'); more > passEnd; more = scanUntil(text, more + 1, 256, '@', ' \t/?#"\'<>'))
      passEnd = more;
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

// Contexts where a base64 or hex run is a digest or public data (certificates and public keys
// too), never a secret.
export const ALLOW_ZONES: readonly RegExp[] = [
  /data:[^,\s"')]{0,100};base64,[^\s"'),;]{1,1000000}/g,
  // Digests, also as OCR reads them (`sha5l2-`, `h1l:`, a `]` inside).
  /(?<![A-Za-z0-9])sha[0-9lI|]{1,3}[-:][^\s"',;]{16,200}/gi,
  /(?<![A-Za-z0-9])(?:h[1lI|]{1,2}|md5|blake2b|xxh64):[^\s"',;]{16,200}/g,
  /\bintegrity["']?\s{0,3}[:=]?\s{0,3}["']?[^\s"',;]{16,200}/g,
  /-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|PGP PUBLIC KEY BLOCK|CERTIFICATE REQUEST|X509 CRL)-----[^-]{0,16000}-----END [A-Z0-9 ]{3,30}-----/g,
  /(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d{3}|sk-ssh-ed25519@openssh\.com)\s{0,3}AAAA[A-Za-z0-9+\/=]{16,16000}/g,
];
/** Words near a hex run that say it is a digest or an id. */
const HASH_WORDS = canonSet([
  'sha',
  'sha1',
  'sha256',
  'sha512',
  'md5',
  'hash',
  'checksum',
  'digest',
  'integrity',
  'commit',
  'rev',
  'revision',
  'ref',
  'reference',
  'etag',
  'id',
  'uuid',
  'guid',
  'oid',
  'object',
  'tree',
  'parent',
  'blob',
  'index',
  'resolved',
  'fingerprint',
  'build',
  'head',
  'merge',
  'tag',
  'shasum',
  'crc',
]);

/** High-entropy runs (base62/base64, or hex as a quoted or assigned value). */
export function highEntropy(ctx: Ctx): void {
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
const JOINERS = ".@[]()|!'\u2018\u2019%\u00a2{};^~`";

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
export function absorbPieces(ctx: Ctx, span: Span): void {
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
      const host = text[p - 1] === '@' && text[q] === '.'; // `token@cluster0.example.com`: a host follows
      if (piece.length >= 2 && tokenPiece(piece) && !host && text[q] !== ':' && !(text[q] === '=' && !piece.endsWith('='))) to = q;
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
