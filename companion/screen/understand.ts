// What is on the user's screen, from the OCR text of a screenshot and the active window's title:
// which kind of app, which kind of file, what she thinks the user is doing, which errors are
// visible, and whether those errors are worth an offer of help. Pure functions, no I/O.
//
// Rules:
// - The app is read from the title's last segment first (" - ", " — ", " – ", " | " separate the
//   page or file from the app: "app.ts - proj - Visual Studio Code", "Docs — Mozilla Firefox"),
//   then from the whole title; within one of those, APP_RULES are tried in order (code editors,
//   browsers, communication, media, pdf, documents, terminals), first match wins. A browser
//   showing a media, chat, office or PDF page takes that page's category (YouTube in Firefox is
//   media). A terminal running vim/emacs/nano is code. A bare `user@host:` prompt is a terminal.
// - Errors (detected in screen-errors.ts) need an error-shaped line, not just a word: typed shapes first (tracebacks, compiler,
//   npm, pip, test runners, JS/Python exceptions, HTTP statuses), then generic words only in
//   message position (start of line, after `prefix: `, followed by `:`, or in fixed phrases like
//   "command not found"). Prose ("error handling", "Errors and Exceptions") and zero counts
//   ("0 failed", "no errors", "failed: 0") are not errors. One error per region, at most 5.
// - The "just browsing" rule: offerWorthy = errors were seen AND the task is not a browsing one
//   (browsing, browsing_code, researching_problem, reading_document, watching_video) AND the app
//   is not media/communication. In a browser, errors count as the user's own only with evidence:
//   a local page (localhost, 127.0.0.1, 0.0.0.0, file://), the devtools, or (off code hosts and
//   Q&A sites, where stacks are other people's) a Python traceback or a JS error with `at f (x.js:1:2)`
//   frames. Then the task is a coding task, so browsing is false and the offer is made.
// - The text and title are passed through redactSecrets first: no secret reaches the result.
import { redactSecrets } from '../../common/privacy/redact';
import { detectErrors, type ScreenError } from './screen-errors';

export { detectErrors, MAX_ERROR_CONTEXT, MAX_LINE, MAX_SCREEN_ERRORS, type PatternMeter, type ScreenError, type ScreenErrorKind } from './screen-errors';

export type AppCategory = 'code' | 'browser' | 'document' | 'pdf' | 'terminal' | 'media' | 'communication' | 'other';
export type FileCategory = 'code' | 'web' | 'data' | 'doc' | 'config';
export type ScreenTask =
  | 'coding_python'
  | 'coding_javascript'
  | 'coding'
  | 'editing_data'
  | 'configuration'
  | 'watching_video'
  | 'browsing_code'
  | 'researching_problem'
  | 'browsing'
  | 'reading_document'
  | 'running_python'
  | 'running_node'
  | 'using_git'
  | 'terminal_work'
  | 'general_work';

export interface ScreenUnderstanding {
  app: AppCategory;
  window: string | null;
  fileCategory: FileCategory | null;
  task: ScreenTask;
  errors: ScreenError[];
  browsing: boolean;
  offerWorthy: boolean;
}

// ---------------------------------------------------------------------------------------------
// App and file categories

/** Ordered: the first matching rule wins (see the header for why code editors come first). */
const APP_RULES: ReadonlyArray<readonly [AppCategory, RegExp]> = [
  [
    'code',
    /visual studio code|\bvs ?code\b|code-server|vscodium|pycharm|intellij|webstorm|phpstorm|goland|rider|clion|rubymine|android studio|sublime text|\bn?vim\b|\bemacs\b|\bzed\b|notepad\+\+|\bcursor\b|\bxcode\b|\beclipse\b|\bkate\b|\bgedit\b|jupyterlab|\bhelix\b/i,
  ],
  [
    'browser',
    /mozilla firefox|\bfirefox\b|chromium|google chrome|\bchrome\b|\bbrave\b|microsoft edge|\bsafari\b|\bopera\b|\bvivaldi\b|librewolf|\bepiphany\b|gnome web/i,
  ],
  [
    'communication',
    /\bslack\b|\bdiscord\b|microsoft teams|\bteams\b|\bzoom\b|thunderbird|telegram|\bsignal\b|whatsapp|\belement\b|\boutlook\b|\bgmail\b|mattermost|\bskype\b/i,
  ],
  ['media', /youtube|netflix|twitch|vimeo|prime video|disney\+|\bplex\b|\bvlc\b|\bmpv\b|spotify|\btotem\b|\bcelluloid\b|media player/i],
  ['pdf', /\.pdf\b|\bevince\b|\bokular\b|document viewer|acrobat|\bfoxit\b|\bzathura\b|\bsumatrapdf\b/i],
  [
    'document',
    /libreoffice|openoffice|onlyoffice|microsoft word|\bword\b|\bexcel\b|powerpoint|google docs|google sheets|google slides|\bpages\b|\bnotion\b|\bobsidian\b|\babiword\b|\btextedit\b/i,
  ],
  [
    'terminal',
    /\bxterm\b|\bterminal\b|\bkonsole\b|alacritty|\bkitty\b|\biterm2?\b|powershell|\bcmd\.exe\b|command prompt|\bbash\b|\bzsh\b|\bfish\b|\btmux\b|\bwezterm\b|\bterminator\b|\bguake\b|\btilix\b|\bfoot\b|\bghostty\b|\bwarp\b/i,
  ],
];

/** Pages that give a browser window another category, in this order. */
const BROWSER_PAGE_RULES: ReadonlyArray<readonly [AppCategory, RegExp]> = [
  ['media', /youtube|netflix|twitch|vimeo|prime video|disney\+|spotify/i],
  ['communication', /\bslack\b|\bdiscord\b|microsoft teams|\bgmail\b|\boutlook\b|\bwhatsapp\b|\btelegram\b|\bzoom\b/i],
  ['document', /google docs|google sheets|google slides|\bword\b|\bexcel\b|powerpoint|\bnotion\b/i],
  ['pdf', /\.pdf\b/i],
];

const PROMPT_TITLE = /^[\w.-]+@[\w.-]+:\s*[~/]/;
const EDITOR_IN_TERMINAL = /\b(?:n?vim?|emacs|nano|helix|hx|micro)\b/i;

function lastSegment(title: string): string {
  const parts = title.split(/(?<!\s)\s+[-—–|]\s+/);
  return parts[parts.length - 1]!.trim();
}

function firstRule(rules: ReadonlyArray<readonly [AppCategory, RegExp]>, s: string): AppCategory | null {
  for (const [cat, re] of rules) if (re.test(s)) return cat;
  return null;
}

/** The kind of app, from the active window's title. */
export function appCategory(title: string | null): AppCategory {
  if (!title?.trim()) return 'other';
  const app = firstRule(APP_RULES, lastSegment(title)) ?? firstRule(APP_RULES, title) ?? (PROMPT_TITLE.test(title.trim()) ? 'terminal' : 'other');
  if (app === 'browser') return firstRule(BROWSER_PAGE_RULES, title) ?? 'browser';
  if (app === 'terminal' && EDITOR_IN_TERMINAL.test(title)) return 'code';
  return app;
}

const EXTENSIONS: ReadonlyArray<readonly [FileCategory, readonly string[]]> = [
  [
    'code',
    [
      'py',
      'pyw',
      'ipynb',
      'js',
      'mjs',
      'cjs',
      'jsx',
      'ts',
      'tsx',
      'mts',
      'cts',
      'java',
      'c',
      'h',
      'cpp',
      'cc',
      'cxx',
      'hpp',
      'cs',
      'go',
      'rs',
      'rb',
      'php',
      'swift',
      'kt',
      'kts',
      'scala',
      'sh',
      'bash',
      'zsh',
      'ps1',
      'lua',
      'r',
      'dart',
      'sql',
      'vue',
      'svelte',
      'ex',
      'exs',
      'hs',
      'ml',
      'clj',
      'zig',
      'pl',
      'jl',
    ],
  ],
  ['web', ['html', 'htm', 'css', 'scss', 'sass', 'less', 'xhtml']],
  ['data', ['csv', 'tsv', 'json', 'jsonl', 'ndjson', 'xml', 'xlsx', 'xls', 'ods', 'parquet', 'sqlite', 'db', 'geojson']],
  ['doc', ['md', 'markdown', 'mdx', 'txt', 'rst', 'pdf', 'doc', 'docx', 'odt', 'rtf', 'tex', 'pptx', 'odp', 'adoc', 'org']],
  [
    'config',
    ['yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'env', 'properties', 'lock', 'plist', 'editorconfig', 'gitignore', 'dockerignore', 'npmrc', 'nvmrc'],
  ],
];
const EXT_CATEGORY = new Map<string, FileCategory>(EXTENSIONS.flatMap(([cat, exts]) => exts.map((e) => [e, cat] as const)));
/** Whole file names that are configuration whatever their extension. */
const CONFIG_FILES =
  /^(?:package\.json|tsconfig(?:\.[\w-]+)?\.json|jsconfig\.json|\.eslintrc(?:\.\w+)?|\.prettierrc(?:\.\w+)?|dockerfile|containerfile|makefile|docker-compose\.ya?ml|compose\.ya?ml|\.env(?:\.[\w-]+)?|pyproject\.toml|setup\.cfg|requirements(?:-\w+)?\.txt|vite\.config\.\w+|vitest\.config\.\w+|webpack\.config\.\w+|\.babelrc|cargo\.toml|go\.mod)$/i;
/** Product names that look like file names in page titles ("Node.js — Mozilla Firefox"). */
const NOT_FILES =
  /^(?:node|vue|next|nuxt|three|d3|express|react|chart|moment|p5|socket\.io|ember|backbone|angular|alpine|solid|svelte|deno|bun|nest|knockout)\.js$/i;

/** The kind of file named in a window title, or null. */
export function fileCategory(title: string | null): FileCategory | null {
  if (!title) return null;
  for (const raw of title.split(/[\s"'`()[\]{}<>,]+/)) {
    const token = raw.replace(/^[●•*✱]+/, '').replace(/[:;.!?]+$/, '');
    const base = token.split(/[\\/]/).pop() ?? '';
    if (!base || /:\/\//.test(token) || NOT_FILES.test(base)) continue;
    if (CONFIG_FILES.test(base)) return 'config';
    const dot = base.lastIndexOf('.');
    if (dot < 0 || dot === base.length - 1) continue;
    // A dotfile like ".gitignore" is its own extension; "v1.2" is not a file.
    const stem = base.slice(0, dot);
    const ext = base.slice(dot + 1).toLowerCase();
    if (stem !== '' && !/[A-Za-z0-9_]$/.test(stem)) continue;
    const cat = EXT_CATEGORY.get(ext);
    if (cat) return cat;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Task

const PY_EXT = /\.(?:py|pyw|ipynb)\b/i;
const JS_EXT = /\.(?:[cm]?[jt]sx?|vue|svelte)\b/i;
const CODE_HOST =
  /github|gitlab|bitbucket|codeberg|sourcehut|sourcegraph|stack ?overflow|stackexchange|superuser|serverfault|npmjs|pypi|crates\.io|pkg\.go\.dev|gist\b/i;
const QA_SITE = /stack ?overflow|stackexchange|superuser|serverfault|askubuntu/i;
const QUESTION =
  /\bhow (?:to|do|can|does)\b|\bwhy\b|\bwhat (?:is|does|causes)\b|\?|\berror\b|\bexception\b|\bfail(?:s|ed|ing)?\b|\bnot working\b|\bfix\b|\bissues?\b|\bbug\b|\bcrash/i;
const LOCAL_DEV = /\blocalhost\b|\b127\.0\.0\.1\b|\b0\.0\.0\.0\b|file:\/\/|\bdevtools\b|developer tools/i;
const JS_STACK_FRAME = /^\s*at\s+(?:[\w$.<>[\] ]+\s+)?\(?[^\s()]+:\d+:\d+\)?\s*$/m;

/** The language of code in the text, by keywords; null when it cannot tell. */
function languageOf(text: string): 'python' | 'javascript' | null {
  const py = (
    text.match(/^\s*def \w+\(|^\s*from [\w.]+ import\b|^\s*import \w+\s*$|\bself\.|^\s*elif\b|\bprint\(|Traceback \(most recent|__name__|\bNone\b/gm) ?? []
  ).length;
  const js = (
    text.match(
      /\bconst \w+\s*=|\blet \w+\s*=|\bfunction\b|=>|\brequire\(|console\.\w+\(|^\s*import .+ from ['"]|^\s*export (?:default|const|function|class)\b|\bundefined\b|\bat \S+ \(\S+:\d+:\d+\)/gm,
    ) ?? []
  ).length;
  if (py === js) return null;
  return py > js ? 'python' : 'javascript';
}

function codingTask(language: 'python' | 'javascript' | null): ScreenTask {
  return language === 'python' ? 'coding_python' : language === 'javascript' ? 'coding_javascript' : 'coding';
}

/** The most recent kind of command visible in a terminal: the last one on screen wins. */
function terminalTask(title: string, text: string): ScreenTask {
  const kinds: ReadonlyArray<readonly [ScreenTask, RegExp]> = [
    ['running_python', /\b(?:python[23]?(?:\.\d+)?|pip[23]?|pytest|poetry|uv run|conda|jupyter|ipython)\b|Traceback \(most recent|\b\w+\.py\b/gi],
    ['running_node', /\b(?:node|npm|npx|yarn|pnpm|deno|bun|tsx|ts-node|vitest|jest)\b|\b\w+\.[cm]?[jt]s\b/gi],
    [
      'using_git',
      /\bgit\s+(?:status|commit|push|pull|log|diff|add|checkout|switch|rebase|merge|clone|branch|fetch|stash|reset|restore|cherry-pick|tag|remote|init|show|blame)\b|\bOn branch\b|\bnot a git repository\b|\bChanges (?:not staged|to be committed)\b/gi,
    ],
  ];
  // The title shows the foreground command in most terminals: it decides when it names one.
  for (const [task, re] of kinds) if (new RegExp(re.source, 'i').test(title.replace(/^[\w.-]+@[\w.-]+:\s*\S*/, ''))) return task;
  let best: ScreenTask = 'terminal_work';
  let bestAt = -1;
  for (const [task, re] of kinds) {
    for (const m of text.matchAll(re))
      if (m.index! >= bestAt) {
        bestAt = m.index!;
        best = task;
      }
  }
  return best;
}

interface TaskInput {
  app: AppCategory;
  title: string | null;
  text: string;
  fileCategory: FileCategory | null;
  /** The errors already found in `text`, to save detecting them again. */
  errors?: readonly ScreenError[];
}

/** Whether a browser shows the user's own error (see the header for the rule). */
function ownErrorInBrowser(title: string, text: string, errors: readonly ScreenError[]): boolean {
  if (errors.length === 0) return false;
  if (LOCAL_DEV.test(title) || LOCAL_DEV.test(text)) return true;
  if (CODE_HOST.test(title)) return false;
  return errors.some((e) => e.kind === 'python_traceback' || ((e.kind === 'js_error' || e.kind === 'exception') && JS_STACK_FRAME.test(e.context)));
}

/** What the user is doing, as the seed's task names. */
export function inferTask(input: TaskInput): ScreenTask {
  const title = input.title ?? '';
  const { text } = input;
  switch (input.app) {
    case 'code': {
      if (input.fileCategory === 'data') return 'editing_data';
      if (input.fileCategory === 'config') return 'configuration';
      if (input.fileCategory === 'doc') return 'general_work';
      if (PY_EXT.test(title)) return 'coding_python';
      if (JS_EXT.test(title)) return 'coding_javascript';
      if (input.fileCategory === 'code' || input.fileCategory === 'web') return 'coding';
      return codingTask(languageOf(text));
    }
    case 'browser': {
      const errors = input.errors ?? detectErrors(text);
      if (ownErrorInBrowser(title, text, errors)) return codingTask(languageOf(text));
      if (QA_SITE.test(title)) return 'researching_problem';
      if (CODE_HOST.test(title)) return QUESTION.test(title) || errors.length > 0 ? 'researching_problem' : 'browsing_code';
      // A search for an error or a question ("how to fix TypeError - Google Search").
      if (/\bsearch\b/i.test(title) && QUESTION.test(title.replace(/\bsearch\b/gi, ''))) return 'researching_problem';
      return 'browsing';
    }
    case 'terminal':
      return terminalTask(title, text);
    case 'document':
    case 'pdf':
      return 'reading_document';
    case 'media':
      return 'watching_video';
    case 'communication':
    case 'other':
      return 'general_work';
  }
}

const BROWSING_TASKS: ReadonlySet<ScreenTask> = new Set<ScreenTask>(['browsing', 'browsing_code', 'researching_problem', 'reading_document', 'watching_video']);

/** Everything she understands from one screenshot's OCR text and the active window title. */
export function understandScreen(input: { title: string | null; text: string }): ScreenUnderstanding {
  const title = input.title === null ? null : redactSecrets(input.title).text;
  const text = redactSecrets(input.text).text;
  const app = appCategory(title);
  const file = fileCategory(title);
  const errors = detectErrors(text);
  const task = inferTask({ app, title, text, fileCategory: file, errors });
  const browsing = BROWSING_TASKS.has(task) || app === 'media' || app === 'communication';
  return { app, window: title, fileCategory: file, task, errors, browsing, offerWorthy: errors.length > 0 && !browsing };
}
