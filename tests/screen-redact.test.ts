// Secret redaction (every door: screen text, terminal output, files, chat) and the excluded-window
// check: each secret shape is hidden with the text around it kept, also in text as OCR makes it;
// ordinary code, ids and hashes are left alone; counts are right. (The full corpus, clean and
// OCR-distorted, is in redaction-corpus.test.ts; real OCR in redaction-ocr.test.ts.)
import { describe, expect, it } from 'vitest';
import { isSecretName, redactSecrets } from '../common/privacy/redact';
import { isExcludedWindow } from '../companion/screen/windows';
import { DEFAULT_EXCLUDED_WINDOWS } from '../protocol/screen';

const PEM_BODY = [
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  'aB3xQ9Lw0p2Yq7cT1uVnR8sKj4mF6hD5gE0zW9yX3vU2tS1rQ0pO',
  'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8=',
];

describe('redactSecrets: secrets are redacted, surroundings kept', () => {
  const cases: Array<{ name: string; input: string; gone: string[]; kept: string[]; count: number }> = [
    {
      name: 'private key block',
      input: ['before', '-----BEGIN RSA PRIVATE KEY-----', ...PEM_BODY, '-----END RSA PRIVATE KEY-----', 'after'].join('\n'),
      gone: [PEM_BODY[0]!, PEM_BODY[2]!, 'BEGIN RSA'],
      kept: ['before', 'after', '[REDACTED:private_key]'],
      count: 1,
    },
    {
      name: 'private key block with the END line cut off by OCR',
      input: ['$ cat id_ed25519', '-----BEGIN OPENSSH PRIVATE KEY-----', ...PEM_BODY, 'user@host:~$ ls'].join('\n'),
      gone: PEM_BODY,
      kept: ['$ cat id_ed25519', 'user@host:~$ ls'],
      count: 1,
    },
    { name: 'AWS access key id', input: 'key AKIAIOSFODNN7EXAMPLE here', gone: ['AKIAIOSFODNN7EXAMPLE'], kept: ['key ', ' here'], count: 1 },
    {
      name: 'AWS secret access key',
      input: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      gone: ['wJalrXUtnFEMI'],
      kept: ['aws_secret_access_key = [REDACTED'],
      count: 1,
    },
    { name: 'GitHub classic token', input: 'token ghp_1234567890abcdefghijABCDEFGHIJ123456 end', gone: ['ghp_1234'], kept: ['end'], count: 1 },
    { name: 'GitHub fine-grained token', input: 'GH=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv', gone: ['github_pat_'], kept: ['GH='], count: 1 },
    {
      name: 'OpenAI key',
      input: 'OPENAI sk-proj-abcDEF1234567890ghijKLMN done',
      gone: ['sk-proj-abc'],
      kept: ['OPENAI', 'done', '[REDACTED:openai]'],
      count: 1,
    },
    { name: 'Anthropic key', input: 'use sk-ant-api03-abcdefghijklmnop_QRSTUVWX now', gone: ['sk-ant-api03'], kept: ['[REDACTED:anthropic]', 'now'], count: 1 },
    { name: 'Slack token', input: 'slack xoxb-123456789012-abcdefABCDEF ok', gone: ['xoxb-'], kept: ['slack', 'ok'], count: 1 },
    { name: 'Google API key', input: 'maps AIzaSyA-1234567890abcdefghijklmnopqrstu ok', gone: ['AIzaSy'], kept: ['maps', 'ok'], count: 1 },
    { name: 'Stripe live key', input: 'stripe: sk_live_51H8abcdEFGHijklMNOP', gone: ['sk_live_51H8'], kept: ['stripe:'], count: 1 },
    {
      name: 'JWT',
      input: 'cookie eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U x',
      gone: ['eyJhbGci', 'dozjg'],
      kept: ['cookie', '[REDACTED:jwt] x'],
      count: 1,
    },
    {
      name: 'Authorization: Bearer',
      input: 'Authorization: Bearer abc123.DEF456-ghi789',
      gone: ['abc123'],
      kept: ['Authorization: Bearer [REDACTED:bearer]'],
      count: 1,
    },
    {
      name: 'Authorization: Basic',
      input: 'Authorization: Basic dXNlcjpwYXNzd29yZA==',
      gone: ['dXNlcjpw'],
      kept: ['Authorization: Basic [REDACTED'],
      count: 1,
    },
    {
      name: 'URL credentials keep the user',
      input: 'DATABASE_URL=postgres://alice:s3cr3t!@db.local:5432/app',
      gone: ['s3cr3t'],
      kept: ['postgres://alice:[REDACTED:password]@db.local:5432/app'],
      count: 1,
    },
    {
      name: 'env-style password',
      input: 'DB_PASSWORD=supersecret\nDB_HOST=localhost',
      gone: ['supersecret'],
      kept: ['DB_PASSWORD=[REDACTED', 'DB_HOST=localhost'],
      count: 1,
    },
    {
      name: 'JSON password',
      input: '{ "user": "bob", "password": "hunter2" }',
      gone: ['hunter2'],
      kept: ['"user": "bob"', '"password": "[REDACTED:secret]"'],
      count: 1,
    },
    {
      name: 'YAML client_secret unquoted',
      input: 'client_secret: a8f5f167f44f4964e6c998dee827110c',
      gone: ['a8f5f167'],
      kept: ['client_secret: [REDACTED'],
      count: 1,
    },
    { name: 'spaces around =, single quotes', input: "api_key  =  'abcDEF'", gone: ['abcDEF'], kept: ["api_key  =  '[REDACTED:secret]'"], count: 1 },
    { name: 'camelCase name, PHP arrow', input: "'clientSecret' => 'zz-top-9'", gone: ['zz-top-9'], kept: ["'clientSecret' => '"], count: 1 },
    { name: 'pwd with digits', input: 'pwd: Passw0rd!', gone: ['Passw0rd'], kept: ['pwd: [REDACTED'], count: 1 },
    {
      name: 'several on one screen are each counted',
      input: 'password="a1b2c3"\ntoken: ghp_1234567890abcdefghijABCDEFGHIJ123456\nAKIAIOSFODNN7EXAMPLE',
      gone: ['a1b2c3', 'ghp_', 'AKIA'],
      kept: ['password="', 'token: '],
      count: 3,
    },
  ];
  it.each(cases)('$name', ({ input, gone, kept, count }) => {
    const r = redactSecrets(input);
    for (const g of gone) expect(r.text).not.toContain(g);
    for (const k of kept) expect(r.text).toContain(k);
    expect(r.count).toBe(count);
  });

  // Text as OCR makes it: `_` read as a space, l/1 and O/0 swapped, spaces around `=`, a token
  // cut by a line break or misread inside. (The corpus tests cover every shape; these pin the
  // cases the label-only redactor missed.)
  const ocrCases: Array<{ name: string; input: string; gone: string[]; kept: string[] }> = [
    {
      name: 'the issue: export SOME SECRET KEY',
      input: 'export SOME SECRET KEY=Zx9vQm3LpR7tWk2NfH8sYc4D',
      gone: ['Zx9vQm3L'],
      kept: ['export SOME SECRET KEY='],
    },
    {
      name: 'AWS SECRET ACCESS KEY with spaces',
      input: 'AWS SECRET ACCESS KEY = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz99KEY',
      gone: ['wJalrXUtnFEMI'],
      kept: ['AWS SECRET ACCESS KEY = [REDACTED'],
    },
    { name: 'DB PASSWORD: with a colon', input: 'DB PASSWORD: hunter2isnotsafe', gone: ['hunter2'], kept: ['DB PASSWORD: [REDACTED'] },
    { name: 'PASSW0RD with a zero', input: 'P0STGRES PASSW0RD=supersecretvalue', gone: ['supersecret'], kept: ['P0STGRES PASSW0RD='] },
    { name: 'a value whose underscores became spaces', input: 'REDIS PASSWORD = my s3cret pass', gone: ['s3cret', 'pass'], kept: ['REDIS PASSWORD = '] },
    { name: 'ghp_ token read as "ghp "', input: 'token ghp 1234567890abcdefghijABCDEFGHIJ123456 end', gone: ['1234567890ab'], kept: ['end'] },
    {
      name: 'unlabelled random token in a log',
      input: 'INFO using key 7Hq2Lp9XzR4vW8nK3mT6yB1cF5dG0sJ for upload',
      gone: ['7Hq2Lp9X'],
      kept: ['INFO using key ', ' for upload'],
    },
    { name: 'value broken onto the next line', input: 'DB_PASSWORD=correct-h\norse-battery-42', gone: ['correct', 'battery'], kept: ['DB_PASSWORD=', '\n'] },
    { name: 'name broken onto the next line', input: 'POSTGRES_PASSWO\nRD=supersecretvalue', gone: ['supersecret'], kept: ['POSTGRES_PASSWO\nRD='] },
    {
      name: 'URL password with a 0 read as @',
      input: 'mongodb+srv://admin:m@ng@Pa55word@cluster0.mongodb.net/prod',
      gone: ['Pa55word', 'm@ng'],
      kept: ['mongodb+srv://admin:', '@cluster0.mongodb.net/prod'],
    },
    {
      name: 'a J read as ] at the start of a value',
      input: 'jdbc:postgresql://db/app?user=app&password=]dbc5ecret99&ssl=true',
      gone: ['dbc5ecret99'],
      kept: ['&ssl=true'],
    },
    {
      name: 'a key line with OCR noise in a cut-off block',
      input: '-----BEGIN PRIVATE KEY-----\nMIIEpAIBAAKCAQEA600p5vQtt025581iCKil3+UI4Lg5hLOKIX5U]tWDnmzIQRmM2V\n$ ls',
      gone: ['MIIEpAIB', 'tWDnmz'],
      kept: ['$ ls'],
    },
    {
      name: 'k8s env list: the secret name is on the line above',
      input: '- name: DB_PASSWORD\n  value: "s3cr3t-Kube-pa55"',
      gone: ['s3cr3t'],
      kept: ['value: "[REDACTED:secret]"'],
    },
    {
      name: 'connection string Password=',
      input: 'Server=sql01;Database=Shop;User Id=sa;Password=Sq1Serv3r!Pass;',
      gone: ['Sq1Serv3r'],
      kept: ['User Id=sa;Password=[REDACTED:secret];'],
    },
    {
      name: 'curl -u user:pass',
      input: 'curl -u admin:Adm1nP4ss! https://jenkins.local/api/json',
      gone: ['Adm1nP4ss'],
      kept: ['curl -u admin:', 'https://jenkins.local/api/json'],
    },
    {
      name: 'a command on the next line is not part of the value',
      input: 'export GITHUB_TOKEN=ghp_1234567890abcdefghijABCDEFGHIJ123456\necho deploying',
      gone: ['ghp_1234'],
      kept: ['export GITHUB_TOKEN=[REDACTED:github]\necho deploying'],
    },
  ];
  it.each(ocrCases)('OCR text: $name', ({ input, gone, kept }) => {
    const r = redactSecrets(input);
    for (const g of gone) expect(r.text).not.toContain(g);
    for (const k of kept) expect(r.text).toContain(k);
    expect(r.count).toBeGreaterThan(0);
  });

  it('is idempotent: redacted text passes again unchanged', () => {
    const once = redactSecrets('password="hunter22" Bearer abcdef123456 postgres://a:b1234@h');
    const twice = redactSecrets(once.text);
    expect(twice).toEqual({ text: once.text, count: 0 });
  });
});

describe('redactSecrets: ordinary code, errors and ids are kept', () => {
  const kept: Array<[string, string]> = [
    ['TS type', 'interface Login { password: string; token: string | null }'],
    ['negated check', 'if (!token) throw new Error("no token")'],
    ['call', 'const token = getToken()'],
    ['await call', 'const password = await readPassword(user)'],
    ['member chain', 'const secret = process.env.CLIENT_SECRET'],
    ['comparison', 'if (token == other) return'],
    ['placeholder', 'API_KEY=<your-api-key>'],
    ['env reference', 'password: ${DB_PASSWORD}'],
    ['descriptive name', '"token_type": "Bearer", "passwordLength": 12345678'],
    ['words that only contain a secret word', 'author: Jane1234; bypass = flag-42'],
    ['git SHA in a stack trace', 'at Object.<anonymous> (/app/node_modules/x/index.js:10:5)\ncommit 9fceb02d0ae598e95dc970b74767f19372d61af8'],
    ['UUID in an error', 'Error: request 550e8400-e29b-41d4-a716-446655440000 failed'],
    ['Bearer in prose', 'Bearer tokens are sent in the Authorization header.'],
    ['URL without credentials', 'http://localhost:3000/api/users@me'],
    ['short unquoted value', 'pass: abc1'],
    ['npm integrity hash', '"integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==",'],
    ['integrity hash as OCR misread it', 'integrity sha5l2-7Q2Bo810Ae6CB]9TryaNbg/t62sSHPCI1IWIMO38gxBasynolEqiltUzmoxSoNVqG=='],
    [
      'base64 image in CSS',
      'background: url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==);',
    ],
    ['git commit line', 'commit 5707b4d9d160f2aa7136ab6fb821580eff55f8b4'],
    ['hash as a quoted etag', 'ETag: "33a64df551425fcc55e4d42a148795d9f25f89d4"'],
    ['fetch credentials option', "fetch(url, { credentials: 'include' })"],
    ['type of a parameter', 'function isNamedKeyCredential(credential: unknown): boolean'],
    ['member chain with an OCR space', 'const apiKey = process.env.API KEY;'],
    ['identifiers with digits', 'import { Conv3DBackpropFilterV2 } from "@tensorflow/tfjs-core"; const x = "audio-24khz-48kbitrate-mono-mp3";'],
    ['ssh public key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ5b3VyLWtleS1oZXJlLW5vdC1yZWFsLWtleQ dev@laptop'],
    ['package versions', '"@azure/core-auth": "^1.10.0", "jsonwebtoken": "^9.0.0",'],
    ['placeholders', 'OPENAI_API_KEY=your-openai-key-here\nAPI_KEY=<your-api-key>\ntoken: ${{ secrets.GITHUB_TOKEN }}'],
    ['constants that name a secret', 'const PASSWORD_TOO_WEAK = "password_too_weak"; ID_TOKEN: "IdToken", ACQUIRE_TOKEN_START: "msal:acquireTokenStart"'],
  ];
  it.each(kept)('%s', (_name, input) => {
    expect(redactSecrets(input)).toEqual({ text: input, count: 0 });
  });
});

describe('isSecretName', () => {
  it.each([
    ['DB_PASSWORD', true],
    ['clientSecret', true],
    ['x-api-key', true],
    ['accessKey', true],
    ['AUTH_TOKEN', true],
    ['apikey', true],
    ['token_type', false],
    ['author', false],
    ['passport', false],
    ['password_label', false],
    ['username', false],
    // As OCR reads names: `_` as a space, O/0 and I/l/1 swapped, the `_` lost altogether.
    ['AWS SECRET ACCESS KEY', true],
    ['DB PASSW0RD', true],
    ['AP1 KEY', true],
    ['c1ient secret', true],
    ['SLACK B0T T0KEN', true],
    ['DBPASSWORD', true],
    ['tokenizer', false],
    ['max_tokens', false],
    ['PASSWORD MIN LENGTH', false],
    ['token expiry', false],
    ['bypass', false],
  ] as const)('%s -> %s', (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });
});

describe('isExcludedWindow', () => {
  it.each([
    ['Passwords.kdbx - KeePassXC', DEFAULT_EXCLUDED_WINDOWS, true],
    ['1Password', DEFAULT_EXCLUDED_WINDOWS, true],
    ['Vault - bitwarden', DEFAULT_EXCLUDED_WINDOWS, true],
    ['Passwords and Keys', DEFAULT_EXCLUDED_WINDOWS, true],
    ['Keychain Access', DEFAULT_EXCLUDED_WINDOWS, true],
    ['Keeper Password Manager', DEFAULT_EXCLUDED_WINDOWS, true],
    ['Bookkeeper.xlsx - Excel', DEFAULT_EXCLUDED_WINDOWS, false],
    ['app.ts - proj - Visual Studio Code', DEFAULT_EXCLUDED_WINDOWS, false],
    [null, DEFAULT_EXCLUDED_WINDOWS, false],
    ['Online Banking — Mozilla Firefox', ['*bank*'], true],
    ['Online Banking — Mozilla Firefox', ['bank*'], false],
    ['Banking', ['BANK*'], true],
    ['anything', ['', '  '], false],
  ] as const)('%s', (title, patterns, expected) => {
    expect(isExcludedWindow(title, patterns)).toBe(expected);
  });
});
