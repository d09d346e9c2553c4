// Error signatures for the memory of fixes (common/fix-signature.ts): the same error in another
// place has the same signature; a different error, code or source has another one.
import { describe, expect, it } from 'vitest';
import { diagnosticSignature, errorLineOf, failureSignature, normalizeErrorText, shortErrorText } from '../common/fix-signature';

describe('normalizeErrorText', () => {
  it('replaces quoted names, paths, positions and numbers by placeholders', () => {
    expect(normalizeErrorText("Cannot find name 'db'.")).toBe("cannot find name '_'.");
    expect(normalizeErrorText('Expected 2 arguments, but got 3.')).toBe('expected <n> arguments, but got <n>.');
    expect(normalizeErrorText('at /home/me/app/src/db.ts:12:5')).toBe('at <path>:<pos>');
    expect(normalizeErrorText('C:\\work\\app\\db.py line 40')).toBe('<path> line <pos>');
    expect(normalizeErrorText('error in db.ts (3,14)')).toBe('error in <path> (<pos>)');
    expect(normalizeErrorText('Module "lodash"   not\tfound')).toBe("module '_' not found");
  });

  it('a secret does not reach the normalised text', () => {
    const token = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const out = normalizeErrorText(`bad credentials ${token}`);
    expect(out).not.toContain('ghp_');
    expect(out).toBe('bad credentials <secret>');
  });
});

describe('diagnosticSignature', () => {
  const base = { source: 'ts', code: 2304, message: "Cannot find name 'db'." };

  it('is deterministic and the same for the same error elsewhere', () => {
    expect(diagnosticSignature(base)).toBe(diagnosticSignature({ ...base }));
    expect(diagnosticSignature(base)).toBe(diagnosticSignature({ ...base, message: "Cannot find name 'userRepository'." }));
    // A number code and its string are one code (vscode gives numbers, the protocol strings).
    expect(diagnosticSignature(base)).toBe(diagnosticSignature({ ...base, code: '2304' }));
    expect(diagnosticSignature(base)).toMatch(/^d1:[0-9a-f]{32}$/);
  });

  it('differs by message, code and source', () => {
    const sig = diagnosticSignature(base);
    expect(diagnosticSignature({ ...base, message: "Property 'db' does not exist on type 'X'." })).not.toBe(sig);
    expect(diagnosticSignature({ ...base, code: 2552 })).not.toBe(sig);
    expect(diagnosticSignature({ ...base, source: 'eslint' })).not.toBe(sig);
    expect(diagnosticSignature({ ...base, source: null, code: null })).not.toBe(sig);
  });

  it('uses the first line of a long message only', () => {
    expect(diagnosticSignature({ ...base, message: "Cannot find name 'x'.\n  Did you mean 'y'?" })).toBe(diagnosticSignature(base));
  });
});

describe('failed commands', () => {
  it('finds the line that names the error', () => {
    const output = [
      '> app@1.0.0 test',
      '> node test.js',
      '',
      '/home/me/app/test.js:3',
      "TypeError: Cannot read properties of undefined (reading 'id')",
      '    at x',
    ].join('\n');
    expect(errorLineOf(output)).toBe("TypeError: Cannot read properties of undefined (reading 'id')");
    expect(errorLineOf('\x1b[31mnpm ERR! missing script: build\x1b[0m\n')).toBe('npm ERR! missing script: build');
    expect(errorLineOf('all good\nbye\n')).toBe('bye');
    expect(errorLineOf(null)).toBeNull();
    expect(errorLineOf('\n \n')).toBeNull();
  });

  it('the same error from another place or file has the same signature; another error has not', () => {
    const a = { commandLine: 'node a.js', exitCode: 1, output: "/ws/a.js:3\nTypeError: Cannot read properties of undefined (reading 'id')" };
    const b = { commandLine: 'node b.js', exitCode: 1, output: "/ws/lib/b.js:9\nTypeError: Cannot read properties of undefined (reading 'name')" };
    const c = { commandLine: 'node a.js', exitCode: 1, output: 'ReferenceError: x is not defined' };
    expect(failureSignature(a)).toBe(failureSignature(b));
    expect(failureSignature(a)).not.toBe(failureSignature(c));
    expect(failureSignature(a)).toMatch(/^t1:[0-9a-f]{32}$/);
  });

  it('a command with no output is known by its program and exit code', () => {
    const f = { commandLine: './node_modules/.bin/vitest run', exitCode: 1, output: null };
    expect(failureSignature(f)).toBe(failureSignature({ ...f, commandLine: 'vitest run other' }));
    expect(failureSignature(f)).not.toBe(failureSignature({ ...f, exitCode: 2 }));
  });
});

it('shortErrorText keeps the first line, bounded', () => {
  expect(shortErrorText('a  b\nc')).toBe('a b');
  expect(shortErrorText('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
});
