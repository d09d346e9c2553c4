// A big TypeScript workspace's problems, as the extension's diagnostics watcher receives them
// (RawDiagnostic: what vscode-diagnostics.ts makes of vscode.Diagnostic), deterministic from a
// seed: real tsc messages (short ones and the long multi-line "is not assignable" elaborations),
// related locations on some, errors and warnings, source text for the files open in the editor.
import type { RawDiagnostic } from '../../extension/awareness/excerpt';
import { seededRandom } from './seeded-random';

export interface WorkspaceFile {
  path: string;
  language: string;
  /** The document's text when it is open in the editor (VS Code gives no text otherwise). */
  text: string | null;
  diagnostics: RawDiagnostic[];
}

const TYPES = [
  'User',
  'Session',
  'OrderLineItem',
  'Record<string, unknown>',
  'Promise<Response>',
  'ReadonlyArray<Invoice>',
  'CustomerAddress',
  'HttpClientOptions',
];
const PROPS = ['email', 'createdAt', 'items', 'status', 'customerId', 'retryCount', 'headers', 'onChange'];
const NAMES = ['result', 'user', 'payload', 'config', 'handler', 'row', 'response', 'entry'];

type Template = (p: () => number) => { code: number; message: string; severity: 'error' | 'warning'; related?: string };
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const TEMPLATES: Template[] = [
  (r) => ({ code: 2322, severity: 'error', message: `Type '${pick(r, TYPES)}' is not assignable to type '${pick(r, TYPES)}'.` }),
  (r) => ({ code: 2339, severity: 'error', message: `Property '${pick(r, PROPS)}' does not exist on type '${pick(r, TYPES)}'.` }),
  (r) => {
    const t = pick(r, TYPES);
    const prop = pick(r, PROPS);
    return {
      code: 2345,
      severity: 'error',
      message: `Argument of type '{ id: string; name: string; ${pick(r, PROPS)}: number; }' is not assignable to parameter of type '${t}'.\n  Property '${prop}' is missing in type '{ id: string; name: string; }' but required in type '${t}'.`,
      related: `'${prop}' is declared here.`,
    };
  },
  (r) => ({
    code: 2322,
    severity: 'error',
    message: `Type '{ ${pick(r, PROPS)}: string; ${pick(r, PROPS)}: number | undefined; items: { sku: string; quantity: string; }[]; }' is not assignable to type '${pick(r, TYPES)}'.\n  Types of property 'items' are incompatible.\n    Type '{ sku: string; quantity: string; }[]' is not assignable to type 'readonly OrderLineItem[]'.\n      Type '{ sku: string; quantity: string; }' is not assignable to type 'OrderLineItem'.\n        Types of property 'quantity' are incompatible.\n          Type 'string' is not assignable to type 'number'.`,
  }),
  (r) => ({ code: 2304, severity: 'error', message: `Cannot find name '${pick(r, NAMES)}'.` }),
  () => ({ code: 2532, severity: 'error', message: `Object is possibly 'undefined'.` }),
  (r) => ({ code: 7006, severity: 'error', message: `Parameter '${pick(r, NAMES)}' implicitly has an 'any' type.` }),
  (r) => ({
    code: 2554,
    severity: 'error',
    message: `Expected ${1 + Math.floor(r() * 3)} arguments, but got ${Math.floor(r() * 2)}.`,
    related: `An argument for '${pick(r, NAMES)}' was not provided.`,
  }),
  (r) => ({ code: 6133, severity: 'warning', message: `'${pick(r, NAMES)}' is declared but its value is never read.` }),
  (r) => ({
    code: 2769,
    severity: 'error',
    message: `No overload matches this call.\n  Overload 1 of 2, '(value: ${pick(r, TYPES)}): void', gave the following error.\n    Argument of type 'string' is not assignable to parameter of type '${pick(r, TYPES)}'.\n  Overload 2 of 2, '(value: ${pick(r, TYPES)}, options?: HttpClientOptions): void', gave the following error.\n    Argument of type 'string' is not assignable to parameter of type '${pick(r, TYPES)}'.`,
  }),
];

const AREAS = ['components', 'services', 'api', 'store', 'utils', 'features/billing', 'features/accounts', 'server/routes'];

function sourceText(r: () => number, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = pick(r, NAMES);
    const t = pick(r, TYPES);
    switch (i % 6) {
      case 0:
        out.push(`export function ${n}${i}(input: ${t}): ${t} {`);
        break;
      case 1:
        out.push(`  const ${n} = input.${pick(r, PROPS)} ?? defaults.${pick(r, PROPS)};`);
        break;
      case 2:
        out.push(`  if (!${n}) throw new Error('missing ${pick(r, PROPS)} for ${t}');`);
        break;
      case 3:
        out.push(`  return { ...input, ${pick(r, PROPS)}: ${n}, updatedAt: Date.now() };`);
        break;
      case 4:
        out.push('}');
        break;
      default:
        out.push('');
    }
  }
  return out.join('\n');
}

/**
 * `files` files sharing `diagnostics` problems (as evenly as possible), `openFiles` of them open
 * in the editor (with their text). Paths are workspace-relative, like the watcher's.
 */
export function diagnosticsWorkspace(opts: { files: number; diagnostics: number; openFiles?: number; seed?: number }): WorkspaceFile[] {
  const r = seededRandom(opts.seed ?? 1);
  const open = opts.openFiles ?? Math.min(10, opts.files);
  const out: WorkspaceFile[] = [];
  for (let f = 0; f < opts.files; f++) {
    const count = Math.floor(opts.diagnostics / opts.files) + (f < opts.diagnostics % opts.files ? 1 : 0);
    const lineCount = 200 + Math.floor(r() * 400);
    const path = `src/${AREAS[f % AREAS.length]}/module-${f}/${pick(r, NAMES)}-${pick(r, PROPS)}.ts`;
    const diagnostics: RawDiagnostic[] = [];
    for (let i = 0; i < count; i++) {
      const t = pick(r, TEMPLATES)(r);
      const line = Math.floor(r() * lineCount);
      const character = Math.floor(r() * 30);
      const range = { start: { line, character }, end: { line, character: character + 4 + Math.floor(r() * 20) } };
      diagnostics.push({
        severity: t.severity,
        message: t.message,
        code: t.code,
        source: 'ts',
        range,
        related: t.related
          ? [{ path: `src/types/${pick(r, NAMES)}.ts`, range: { start: { line: 3, character: 2 }, end: { line: 3, character: 12 } }, message: t.related }]
          : [],
      });
    }
    out.push({ path, language: 'typescript', text: f < open ? sourceText(r, lineCount) : null, diagnostics });
  }
  return out;
}
