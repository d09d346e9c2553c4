// The build's boundaries, checked (part of `npm test`): the three programs talk only through the
// wire, so each may import its own folder, `protocol/` (every message, schema-first) and
// `common/` (small pure code both sides truly share: redaction, the webview's HTML, plan texts);
// `common/` may import only `protocol/`, and `protocol/` nothing of ours. A new import across
// these lines fails the test command with the file, the line and the rule.
//
//   node scripts/check-boundaries.mjs        exits 1 on a violation
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ALLOWED = {
  extension: ['extension', 'protocol', 'common'],
  companion: ['companion', 'protocol', 'common'],
  webview: ['webview', 'protocol', 'common'],
  common: ['common', 'protocol'],
  protocol: ['protocol'],
};
// Static imports, `export ... from` and dynamic `import('...')` (the sources are ES modules; a
// `require` in them is inside generated code, such as the OCR worker's script).
const SPEC = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name)) yield full;
  }
}

const violations = [];
let checked = 0;
for (const [area, allowed] of Object.entries(ALLOWED)) {
  for (const file of files(path.join(root, area))) {
    checked++;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(SPEC)) {
      const target = path.relative(root, path.resolve(path.dirname(file), m[1]));
      const top = target.split(path.sep)[0];
      if (allowed.includes(top)) continue;
      const line = text.slice(0, m.index).split('\n').length;
      violations.push(`${path.relative(root, file)}:${line} imports ${m[1]} (${top}/): ${area}/ may import only ${allowed.map((a) => `${a}/`).join(', ')}`);
    }
  }
}
if (violations.length) {
  console.error(`${violations.length} import(s) across the boundaries (see scripts/check-boundaries.mjs):\n${violations.join('\n')}`);
  console.error('Move what both sides need into protocol/ (wire constants, schemas) or common/ (pure shared code).');
  process.exit(1);
}
console.log(`boundaries: ${checked} files, no import across extension/, companion/, webview/ (only through protocol/ and common/)`);
