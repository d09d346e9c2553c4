// BASELINE for bench/redaction-bench.ts: the label-based secret redactor as it was before OCR-robust
// redaction (git show 06a83b6:companion/privacy/redact.ts), kept unchanged so the bench can measure
// the new module against it in the same run. Not used by the product.
//
// Secret redaction for screen text (OCR of a screenshot) and window exclusion, before anything
// she saw is kept, shown to the model or written anywhere. Pure functions, no dependencies.
//
// Rules:
// - Known token shapes are redacted wherever they appear: private key blocks (also when OCR cut
//   the END line off: the block runs to the last base64-looking line), AWS key ids and secret
//   keys, GitHub, OpenAI/Anthropic, Slack, Google, Stripe keys, JWTs, `Bearer`/`Basic` values and
//   the password of `scheme://user:pass@host` (the user is kept).
// - `name <op> value` where the name says secret (password, pwd, pass, secret, token, api key,
//   access key, auth, ...; as whole words of the name, so `DB_PASSWORD` and `clientSecret` count
//   but `author` and `bypass` do not) keeps the name and redacts the value, but only a value that
//   looks literal: a quoted string, or an unquoted value of 6+ characters holding a digit or a
//   symbol, or any value of an env-style line (`UPPER_NAME=value`). Identifiers, member chains,
//   calls, types and placeholders (`string`, `getToken()`, `process.env.X`, `${X}`, `<token>`)
//   are code, not secrets. Names that describe a secret rather than hold one (`token_type`,
//   `passwordLength`, `password_label`) are left alone.
// - Redactions are idempotent: `[REDACTED...]` is never matched again, so text can pass twice.
// - Hashes and ids (git SHAs, UUIDs) are not secrets unless a secret name is assigned them.

export interface Redaction {
  text: string;
  /** How many secrets were replaced. */
  count: number;
}

const R = (kind: string) => `[REDACTED:${kind}]`;

interface TokenRule {
  kind: string;
  re: RegExp;
  /** Replacement for one match; default: the whole match becomes the marker. */
  replace?: (m: readonly string[]) => string;
}

// Order matters: whole-shape tokens first (a JWT inside `Bearer ...` is counted once, as a JWT),
// then URL passwords, then name-based assignments last.
const TOKEN_RULES: readonly TokenRule[] = [
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g },
  { kind: 'aws_key_id', re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  {
    kind: 'aws_secret',
    re: /(aws_secret_access_key["']?\s*(?:=|:)\s*["']?)([A-Za-z0-9/+=]{30,50})/gi,
    replace: (m) => `${m[1]}${R('aws_secret')}`,
  },
  { kind: 'github', re: /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g },
  { kind: 'github', re: /\bgithub_pat_[A-Za-z0-9_]{22,}/g },
  { kind: 'anthropic', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: 'openai', re: /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'slack', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { kind: 'google', re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: 'stripe', re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  {
    kind: 'basic',
    re: /(Authorization["']?\s*:\s*["']?Basic\s+)([A-Za-z0-9+/]{8,}=*)/gi,
    replace: (m) => `${m[1]}${R('basic')}`,
  },
  {
    kind: 'bearer',
    // A value of 8+ characters with a digit or an inner token symbol: "Bearer tokens." is prose.
    re: /\b(Bearer|Basic)(\s+)(?=[A-Za-z0-9._~+/-]*(?:[0-9]|[._~+/-][A-Za-z0-9]))([A-Za-z0-9._~+/-]{7,}[A-Za-z0-9_~+/-]=*)/g,
    replace: (m) => `${m[1]}${m[2]}${R(m[1] === 'Basic' ? 'basic' : 'bearer')}`,
  },
  {
    kind: 'url_password',
    re: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]+):([^\s@/]+)@/gi,
    replace: (m) => (m[3]!.startsWith('[REDACTED') ? m[0] : `${m[1]}${m[2]}:${R('password')}@`),
  },
];

/** Whole words of a name that mean it holds a secret. */
const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'secrets', 'token', 'auth', 'apikey', 'credential', 'credentials']);
/** Pairs of consecutive words that mean the same (`api_key`, `accessKey`, `private-key`). */
const SECRET_PAIRS = new Set(['api key', 'access key', 'private key', 'secret key', 'session key']);
/** A name ending in one of these describes a secret instead of holding one. */
const DESCRIPTIVE_SUFFIXES = new Set([
  'type', 'types', 'label', 'field', 'input', 'placeholder', 'hint', 'length', 'len', 'min', 'max', 'count', 'url', 'uri',
  'endpoint', 'path', 'file', 'name', 'id', 'expiry', 'expires', 'ttl', 'timeout', 'prompt', 'message', 'error', 'regex',
  'pattern', 'policy', 'required', 'visible', 'enabled', 'mode', 'strength', 'header', 'provider', 'kind',
]);

function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_.-]+/)
    .filter(Boolean);
}

export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  if (words.length === 0) return false;
  if (DESCRIPTIVE_SUFFIXES.has(words[words.length - 1]!)) return false;
  for (let i = 0; i < words.length; i++) {
    if (SECRET_WORDS.has(words[i]!)) return true;
    if (i + 1 < words.length && SECRET_PAIRS.has(`${words[i]} ${words[i + 1]}`)) return true;
  }
  return false;
}

const PLACEHOLDER = /^(?:\$\{?[\w.]+\}?|%\w+%|<[^>]*>|\*+|x{3,}|\.{3}|…|\[REDACTED[^\]]*\]|null|none|nil|undefined|true|false)$/i;
const MEMBER_CHAIN = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

/** Whether the value of a secret-named assignment is a literal secret, not code. */
function looksLiteral(value: string, quoted: boolean, envStyle: boolean): boolean {
  const v = value.trim();
  if (v === '' || PLACEHOLDER.test(v)) return false;
  if (quoted) return !/^\$\{[^}]*\}$/.test(v);
  if (/[([{]/.test(v) || MEMBER_CHAIN.test(v)) return false;
  if (envStyle) return true;
  return v.length >= 6 && /[0-9]|[^A-Za-z0-9_]/.test(v);
}

// name (optionally quoted), operator, value (quoted or a bare run). The operator refuses `==`,
// `=>` in arrow functions is allowed (PHP/Ruby hashes) because a call/identifier value is skipped.
const ASSIGNMENT =
  /(?<![\w$])(["'`]?)([A-Za-z_][\w.-]*)\1(\s*)(=>|:=|=(?!=)|:(?![:/\\]))(\s*)(?:"([^"\n]*)"|'([^'\n]*)'|`([^`\n]*)`|([^\s,;)}\]"'`]+))/g;

function redactAssignments(text: string): Redaction {
  let count = 0;
  const out = text.replace(ASSIGNMENT, (whole, q: string, name: string, sp1: string, op: string, sp2: string, dq?: string, sq?: string, bq?: string, bare?: string) => {
    if (!isSecretName(name)) return whole;
    const quoted = bare === undefined;
    const value = dq ?? sq ?? bq ?? bare ?? '';
    const envStyle = !quoted && op === '=' && sp1 === '' && sp2 === '' && /^[A-Z][A-Z0-9_]*$/.test(name);
    if (!looksLiteral(value, quoted, envStyle)) return whole;
    count++;
    const quote = dq !== undefined ? '"' : sq !== undefined ? "'" : bq !== undefined ? '`' : '';
    return `${q}${name}${q}${sp1}${op}${sp2}${quote}${R('secret')}${quote}`;
  });
  return { text: out, count };
}

const BASE64ISH_LINE = /^[ \t]*[A-Za-z0-9+/=|]{16,}[ \t]*$/;
const KEY_HEADER_LINE = /^[ \t]*(?:Proc-Type|DEK-Info|Comment)\s*:/i;

/** Private key blocks, with or without their END line. */
function redactKeyBlocks(text: string): Redaction {
  const begin = /-{3,}\s*BEGIN ([A-Z0-9 ]*)PRIVATE KEY\s*-{3,}/g;
  let count = 0;
  let out = '';
  let from = 0;
  for (let m = begin.exec(text); m; m = begin.exec(text)) {
    const end = /-{3,}\s*END [A-Z0-9 ]*PRIVATE KEY\s*-{3,}/g;
    end.lastIndex = m.index + m[0].length;
    const e = end.exec(text);
    // A following BEGIN before the END means this block's END was cut off.
    const nextBegin = text.indexOf('BEGIN', m.index + m[0].length);
    let stop: number;
    if (e && (nextBegin < 0 || e.index < nextBegin)) {
      stop = e.index + e[0].length;
    } else {
      // Cut off: consume the base64-looking lines (and PEM headers) right after the BEGIN line.
      stop = m.index + m[0].length;
      const rest = text.slice(stop);
      const lines = rest.split('\n');
      let consumed = 0;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!.replace(/\r$/, '');
        if (i === 0 && line.trim() === '') { consumed += lines[i]!.length + 1; continue; }
        if (!(BASE64ISH_LINE.test(line) || KEY_HEADER_LINE.test(line) || (line.trim() === '' && i + 1 < lines.length && BASE64ISH_LINE.test(lines[i + 1]!)))) break;
        consumed += lines[i]!.length + (i + 1 < lines.length ? 1 : 0);
      }
      stop += consumed;
      if (stop > m.index + m[0].length && text[stop - 1] === '\n') stop--;
    }
    out += text.slice(from, m.index) + R('private_key');
    count++;
    from = stop;
    begin.lastIndex = stop;
  }
  return { text: out + text.slice(from), count };
}

/** Replaces every secret in `text` with `[REDACTED:kind]`; `count` is how many were replaced. */
export function redactSecrets(text: string): Redaction {
  const keys = redactKeyBlocks(text);
  let out = keys.text;
  let count = keys.count;
  for (const rule of TOKEN_RULES) {
    out = out.replace(rule.re, (...args: unknown[]) => {
      // (match, ...groups, offset, input): the groups end where the numeric offset starts.
      const m = args.slice(0, args.findIndex((a) => typeof a === 'number')) as string[];
      const replaced = rule.replace ? rule.replace(m) : R(rule.kind);
      if (replaced !== m[0]) count++;
      return replaced;
    });
  }
  const assigned = redactAssignments(out);
  return { text: assigned.text, count: count + assigned.count };
}
