// Privacy rules of the awareness watchers (pure): exclude globs, the workspace check, caps.
import { describe, expect, it } from 'vitest';
import { capHead, capTail, DEFAULT_EXCLUDE_GLOBS, globToRegExp, isExcludedPath, relativeToRoots, sendablePath } from '../extension/awareness/privacy';
import { LIMITS } from '../extension/awareness/limits';
import { CONTEXT_LIMITS } from '../protocol/context';
import pkg from '../package.json';

describe('exclude globs', () => {
  it.each([
    '.env',
    '.env.local',
    'app/.env.production',
    'certs/server.pem',
    'deep/a/b/tls.key',
    'client.p12',
    'store/x.pfx',
    'ca.crt',
    '.ssh/id_rsa',
    'home/.ssh/id_rsa.pub',
    'id_ed25519',
    'config/secrets.json',
    'secrets.yaml',
    'android/release.keystore',
    'CERTS/SERVER.PEM',
  ])('excludes %s by default', (p) => expect(isExcludedPath(p)).toBe(true));

  it.each(['src/app.ts', 'env.ts', 'src/environment.ts', 'docs/keys.md', 'src/secretsManager.ts', 'keystore.md', 'src/pem.ts', 'README.md'])('keeps %s', (p) =>
    expect(isExcludedPath(p)).toBe(false),
  );

  it('supports user globs: folders, braces, classes, bare names, backslashes', () => {
    expect(isExcludedPath('private/notes.txt', ['private/**'])).toBe(true);
    expect(isExcludedPath('src/private/notes.txt', ['private/**'])).toBe(false);
    expect(isExcludedPath('a/b/creds.yml', ['**/creds.{yml,yaml}'])).toBe(true);
    expect(isExcludedPath('a/b/creds.json', ['**/creds.{yml,yaml}'])).toBe(false);
    expect(isExcludedPath('log1.txt', ['log[0-9].txt'])).toBe(true);
    expect(isExcludedPath('nested/dir/token.txt', ['token.txt'])).toBe(true);
    expect(isExcludedPath('nested\\dir\\.env', DEFAULT_EXCLUDE_GLOBS)).toBe(true);
    expect(isExcludedPath('src/a.ts', ['', '  '])).toBe(false);
    expect(globToRegExp('src/*.ts').test('src/a/b.ts')).toBe(false);
    expect(globToRegExp('src/**').test('src/a/b.ts')).toBe(true);
    // The same answers as minimatch/picomatch on the edge cases a hand-written matcher got wrong.
    expect(globToRegExp('**/a**b').test('x/aZZb')).toBe(true);
    expect(globToRegExp('[]]').test(']')).toBe(true);
    expect(globToRegExp('**/*.pem').test('.git/keys/server.PEM')).toBe(true);
    expect(globToRegExp('**/secrets.{json,yml}').test('config/secrets.yml')).toBe(true);
    expect(globToRegExp('**/secrets.{json,yml}').test('config/secrets.txt')).toBe(false);
    expect(globToRegExp('**/[!a]*.key').test('b.key')).toBe(true);
    expect(globToRegExp('**/[!a]*.key').test('a.key')).toBe(false);
  });

  it('matches the setting default in package.json', () => {
    const setting = (pkg.contributes.configuration.properties as Record<string, { default: unknown }>)['alisa.privacy.excludeGlobs'];
    expect(setting?.default).toEqual([...DEFAULT_EXCLUDE_GLOBS]);
  });
});

describe('workspace check', () => {
  const roots = ['/home/dev/project', '/home/dev/lib/'];
  it('gives workspace-relative paths, null outside', () => {
    expect(relativeToRoots('/home/dev/project/src/a.ts', roots)).toBe('src/a.ts');
    expect(relativeToRoots('/home/dev/lib/x/y.py', roots)).toBe('x/y.py');
    expect(relativeToRoots('/home/dev/project', roots)).toBeNull();
    expect(relativeToRoots('/home/dev/project-other/a.ts', roots)).toBeNull();
    expect(relativeToRoots('/etc/passwd', roots)).toBeNull();
    expect(relativeToRoots('/etc/passwd', [])).toBeNull();
  });
  it('compares Windows paths without case', () => {
    expect(relativeToRoots('C:\\Users\\Dev\\Proj\\src\\a.ts', ['c:\\users\\dev\\proj'])).toBe('src/a.ts');
  });
  it('sendablePath applies both rules', () => {
    expect(sendablePath('/home/dev/project/src/a.ts', roots, DEFAULT_EXCLUDE_GLOBS)).toBe('src/a.ts');
    expect(sendablePath('/home/dev/project/.env', roots, DEFAULT_EXCLUDE_GLOBS)).toBeNull();
    expect(sendablePath('/tmp/a.ts', roots, DEFAULT_EXCLUDE_GLOBS)).toBeNull();
  });
});

describe('caps', () => {
  it('cuts heads and tails to the limit', () => {
    expect(capHead('abcdef', 4)).toBe('abc…');
    expect(capHead('abc', 4)).toBe('abc');
    expect(capTail('abcdef', 4)).toBe('…def');
    expect(capTail('x'.repeat(10_000), LIMITS.terminalOutput)).toHaveLength(LIMITS.terminalOutput);
  });
  it('uses the protocol limits', () => expect(LIMITS).toEqual(CONTEXT_LIMITS));
});
