// The language a proposal document is shown in (pure, no `vscode`). VS Code's TypeScript service
// (and the JSON, CSS and HTML servers) check every open document of their language whatever its
// URI scheme, and report what they find in Problems: a proposal shown as `typescript` on the
// `alisa-proposal` scheme was type-checked like a workspace file. So the proposal gets a language
// of its own (contributed in package.json), which no language server claims but whose grammar
// includes the original's, so it is still highlighted; the same contribution turns CodeLens on in
// the diff editor for these languages (`diffEditor.codeLens`), where the per-hunk actions live.
// Other languages keep their own id: their servers (Python, Go, Rust...) look at `file` documents.

/** Original language id -> the proposal's language id; the grammar files are media/proposal-grammars/<original>.tmLanguage.json. */
export const PROPOSAL_LANGUAGES: Readonly<Record<string, string>> = {
  typescript: 'alisa-proposal-typescript',
  typescriptreact: 'alisa-proposal-typescriptreact',
  javascript: 'alisa-proposal-javascript',
  javascriptreact: 'alisa-proposal-javascriptreact',
  json: 'alisa-proposal-json',
  jsonc: 'alisa-proposal-jsonc',
  css: 'alisa-proposal-css',
  scss: 'alisa-proposal-scss',
  less: 'alisa-proposal-less',
  html: 'alisa-proposal-html',
  python: 'alisa-proposal-python',
};

/** The grammar each proposal language includes. */
export const PROPOSAL_GRAMMAR_SCOPES: Readonly<Record<string, string>> = {
  typescript: 'source.ts',
  typescriptreact: 'source.tsx',
  javascript: 'source.js',
  javascriptreact: 'source.js.jsx',
  json: 'source.json',
  jsonc: 'source.json.comments',
  css: 'source.css',
  scss: 'source.css.scss',
  less: 'source.css.less',
  html: 'text.html.basic',
  python: 'source.python',
};

/** The language to show a proposal for a file of `languageId` in, or null to keep its own. */
export function proposalLanguageFor(languageId: string): string | null {
  return PROPOSAL_LANGUAGES[languageId] ?? null;
}
