// "Revert Alisa's last change" (pure): her edit is undone only while the file is exactly as she
// left it; any later change, even one far from her lines, refuses with a message that points to
// Undo and the Timeline; successive reverts walk back newest first.
import { describe, expect, it } from 'vitest';
import { applyLineEdit, lineEdit } from '../extension/help/line-diff';
import { type AppliedChange, changedSinceMessage, fingerprintOf, planRevert, RevertLedger } from '../extension/help/revert-ledger';

const BEFORE = 'const a = 1;\nconst label: number = "sum";\nexport { a };\n';

function applied(text: string, line: number, newLine: string): { after: string; change: AppliedChange } {
  const edit = lineEdit(text, line, 1, [newLine], '\n');
  const after = applyLineEdit(text, edit);
  return {
    after,
    change: {
      uri: 'file:///ws/a.ts',
      name: 'a.ts',
      offset: edit.offset,
      oldText: edit.oldText,
      newText: edit.newText,
      versionAfter: 2,
      fingerprint: fingerprintOf(after),
    },
  };
}

const revert = (text: string, change: AppliedChange) => {
  const plan = planRevert(text, change);
  if (!plan.ok) throw new Error(plan.reason);
  return text.slice(0, plan.offset) + plan.text + text.slice(plan.offset + plan.length);
};

describe('planRevert', () => {
  it('restores the replaced text while the file is as she left it', () => {
    const { after, change } = applied(BEFORE, 1, 'const label = 0;');
    expect(after).toBe('const a = 1;\nconst label = 0;\nexport { a };\n');
    expect(revert(after, change)).toBe(BEFORE);
  });

  it('refuses after any later change, even away from her lines', () => {
    const { after, change } = applied(BEFORE, 1, 'const label = 0;');
    expect(planRevert(after + '// mine\n', change)).toEqual({ ok: false, reason: 'changed' });
    expect(planRevert(after.replace('const label = 0;', 'const label = 2;'), change)).toEqual({ ok: false, reason: 'changed' });
    expect(changedSinceMessage('a.ts')).toBe('Alisa cannot revert her change: a.ts changed after her edit. Use Undo (Ctrl+Z) or the Timeline view instead.');
  });

  it('reverts again once the user undid their own change (the text is hers again)', () => {
    const { after, change } = applied(BEFORE, 1, 'const label = 0;');
    const typedThenUndone = (after + 'x').slice(0, -1);
    expect(revert(typedThenUndone, change)).toBe(BEFORE);
  });
});

describe('RevertLedger', () => {
  it('walks back her edits newest first, and keeps a bounded number', () => {
    const ledger = new RevertLedger(2);
    expect(ledger.last()).toBeUndefined();
    const first = applied(BEFORE, 1, 'const label = 0;');
    const second = applied(first.after, 0, 'const a = 2;');
    ledger.record(first.change);
    ledger.record(second.change);
    expect(revert(second.after, ledger.pop()!)).toBe(first.after);
    expect(revert(first.after, ledger.pop()!)).toBe(BEFORE);
    expect(ledger.size).toBe(0);
    for (let k = 0; k < 3; k++) ledger.record({ ...first.change, offset: k });
    expect(ledger.size).toBe(2);
    expect(ledger.last()!.offset).toBe(2);
  });

  it('lists her edits newest first for the Revert list, and forgets the one reverted from the middle', () => {
    const ledger = new RevertLedger();
    const a = applied(BEFORE, 1, 'const label = 0;');
    const b = { ...a.change, name: 'b.ts', uri: 'file:///b.ts' };
    const c = { ...a.change, name: 'c.ts', uri: 'file:///c.ts' };
    for (const change of [a.change, b, c]) ledger.record(change);
    expect(ledger.all().map((x) => x.name)).toEqual(['c.ts', 'b.ts', a.change.name]);
    ledger.remove(b);
    expect(ledger.all().map((x) => x.name)).toEqual(['c.ts', a.change.name]);
    ledger.remove(b);
    expect(ledger.size).toBe(2);
  });
});
