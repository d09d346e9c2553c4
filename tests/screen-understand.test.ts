// Screen understanding from OCR text and window title: app and file categories, tasks, typed
// error detection with context, false positives, dedupe and cap, and the "just browsing" rule.
import { describe, expect, it } from 'vitest';
import {
  appCategory,
  detectErrors,
  fileCategory,
  inferTask,
  MAX_SCREEN_ERRORS,
  understandScreen,
  type AppCategory,
  type FileCategory,
  type ScreenTask,
} from '../companion/screen/understand';

describe('appCategory', () => {
  it.each<[string | null, AppCategory]>([
    ['● app.ts - alisa - Visual Studio Code', 'code'],
    ['main.py - proj - code-server', 'code'],
    ['main.rs - VSCodium', 'code'],
    ['proj – views.py [proj] - PyCharm', 'code'],
    ['Main.java - IntelliJ IDEA', 'code'],
    ['notes.txt (~/proj) - VIM', 'code'],
    ['untitled - Sublime Text', 'code'],
    ['vim main.py - Konsole', 'code'],
    ['MDN Web Docs — Mozilla Firefox', 'browser'],
    ['Google - Chromium', 'browser'],
    ['New Tab - Google Chrome', 'browser'],
    ['Visual Studio Code - Code Editing. Redefined - Google Chrome', 'browser'],
    ['Search - Brave', 'browser'],
    ['Bing - Microsoft Edge', 'browser'],
    ['report.odt - LibreOffice Writer', 'document'],
    ['Document1 - Word', 'document'],
    ['manual.pdf - Okular', 'pdf'],
    ['paper.pdf — Mozilla Firefox', 'pdf'],
    ['Document Viewer', 'pdf'],
    ['alice@laptop: ~/proj', 'terminal'],
    ['Terminal', 'terminal'],
    ['zsh', 'terminal'],
    ['Windows PowerShell', 'terminal'],
    ['~ — kitty', 'terminal'],
    ['Lofi beats - YouTube — Mozilla Firefox', 'media'],
    ['movie.mkv - VLC media player', 'media'],
    ['Spotify Premium', 'media'],
    ['general (Channel) - Acme - Slack', 'communication'],
    ['Inbox - Mozilla Thunderbird', 'communication'],
    ['Zoom Meeting', 'communication'],
    ['Calculator', 'other'],
    [null, 'other'],
  ])('%s -> %s', (title, expected) => {
    expect(appCategory(title)).toBe(expected);
  });
});

describe('fileCategory', () => {
  it.each<[string | null, FileCategory | null]>([
    ['● app.ts - alisa - Visual Studio Code', 'code'],
    ['index.html - site - Visual Studio Code', 'web'],
    ['sales.csv - LibreOffice Calc', 'data'],
    ['README.md - proj - Visual Studio Code', 'doc'],
    ['docker-compose.yml - proj', 'config'],
    ['package.json - proj - Visual Studio Code', 'config'],
    ['.env - proj - Visual Studio Code', 'config'],
    ['src/utils/parse.py - PyCharm', 'code'],
    ['Node.js — Mozilla Firefox', null],
    ['Python 3.12 release notes', null],
    [null, null],
  ])('%s -> %s', (title, expected) => {
    expect(fileCategory(title)).toBe(expected);
  });
});

describe('detectErrors: typed shapes, with context', () => {
  const PY = [
    '$ python3 app.py',
    'Traceback (most recent call last):',
    '  File "/home/a/app.py", line 10, in <module>',
    '    main()',
    '  File "/home/a/app.py", line 6, in main',
    '    print(1 / 0)',
    'ZeroDivisionError: division by zero',
    '$ ',
  ].join('\n');

  it('a Python traceback is one error, from the header to the exception line', () => {
    const errors = detectErrors(PY);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.kind).toBe('python_traceback');
    expect(errors[0]!.line).toBe('ZeroDivisionError: division by zero');
    expect(errors[0]!.context.startsWith('Traceback (most recent call last):')).toBe(true);
    expect(errors[0]!.context.endsWith('ZeroDivisionError: division by zero')).toBe(true);
    expect(errors[0]!.index).toBe(PY.indexOf('ZeroDivisionError'));
  });

  it('tolerates OCR noise in a traceback (| for l, lost indents)', () => {
    const text = 'Traceback (most recent ca|| last):\nFile "x.py", line 2, in <module>\nimport numpy\nModu|eNotFoundError: No modu|e named numpy';
    const errors = detectErrors(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.kind).toBe('python_traceback');
    expect(errors[0]!.line).toContain('No modu|e named numpy');
  });

  const cases: Array<{ name: string; text: string; kind: string; line: string; around: string[] }> = [
    {
      name: 'JS TypeError with its stack frames',
      text: "l1\nl2\nTypeError: Cannot read properties of undefined (reading 'x')\n    at foo (/app/src/a.js:3:9)\n    at bar (/app/src/b.js:7:1)\nafter",
      kind: 'js_error',
      line: "TypeError: Cannot read properties of undefined (reading 'x')",
      around: ['l1', 'l2', 'at bar (/app/src/b.js:7:1)', 'after'],
    },
    {
      name: 'Uncaught ReferenceError in a console',
      text: '> go()\nUncaught ReferenceError: go is not defined\n    at <anonymous>:1:1',
      kind: 'js_error',
      line: 'Uncaught ReferenceError: go is not defined',
      around: ['> go()', '<anonymous>:1:1'],
    },
    {
      name: 'tsc error, paren form',
      text: "$ npx tsc\nsrc/a.ts(3,5): error TS2322: Type 'number' is not assignable to type 'string'.\nFound 1 error.",
      kind: 'compile_error',
      line: "src/a.ts(3,5): error TS2322: Type 'number' is not assignable to type 'string'.",
      around: ['$ npx tsc', 'Found 1 error.'],
    },
    {
      name: 'tsc error, pretty form',
      text: "src/a.ts:3:5 - error TS2304: Cannot find name 'foo'.\n\n3 foo();",
      kind: 'compile_error',
      line: "src/a.ts:3:5 - error TS2304: Cannot find name 'foo'.",
      around: ['3 foo();'],
    },
    {
      name: 'gcc error',
      text: "main.c:4:3: error: expected ';' before '}' token",
      kind: 'compile_error',
      line: "main.c:4:3: error: expected ';' before '}' token",
      around: [],
    },
    {
      name: 'npm error run is one error, the telling line chosen',
      text: '$ npm install left-padd\nnpm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry.npmjs.org/left-padd\nnpm ERR! A complete log of this run can be found in: x\n$',
      kind: 'npm_error',
      line: 'npm ERR! 404 Not Found - GET https://registry.npmjs.org/left-padd',
      around: ['npm ERR! code E404', '$ npm install left-padd'],
    },
    {
      name: 'pip error',
      text: '$ pip install torchh\nERROR: Could not find a version that satisfies the requirement torchh\nERROR: No matching distribution found for torchh',
      kind: 'pip_error',
      line: 'ERROR: Could not find a version that satisfies the requirement torchh',
      around: ['$ pip install torchh'],
    },
    {
      name: 'vitest FAIL line',
      text: ' FAIL  tests/a.test.ts > adds\nAssertionError: expected 3 to be 4',
      kind: 'test_failure',
      line: 'FAIL  tests/a.test.ts > adds',
      around: ['AssertionError: expected 3 to be 4'],
    },
    {
      name: 'pytest summary',
      text: 'tests/test_a.py ..F\n==== 1 failed, 2 passed in 0.12s ====',
      kind: 'test_failure',
      line: '==== 1 failed, 2 passed in 0.12s ====',
      around: ['tests/test_a.py ..F'],
    },
    {
      name: 'jest cross',
      text: 'math\n  ✕ divides by zero (3 ms)\n  ✓ adds',
      kind: 'test_failure',
      line: '✕ divides by zero (3 ms)',
      around: ['math', '✓ adds'],
    },
    { name: 'HTTP 404 page', text: 'nginx\n404 Not Found\nThe requested URL was not found', kind: 'http_error', line: '404 Not Found', around: ['nginx'] },
    { name: 'HTTP 500', text: '500 Internal Server Error', kind: 'http_error', line: '500 Internal Server Error', around: [] },
    { name: 'bare Python exception line', text: '>>> d["k"]\nKeyError: \'k\'', kind: 'python_error', line: "KeyError: 'k'", around: ['>>> d["k"]'] },
    {
      name: 'Java exception',
      text: 'Exception in thread "main" java.lang.NullPointerException\n\tat Main.main(Main.java:5)',
      kind: 'exception',
      line: 'Exception in thread "main" java.lang.NullPointerException',
      around: ['Main.java:5'],
    },
    {
      name: 'generic: git fatal',
      text: '$ git status\nfatal: not a git repository (or any of the parent directories): .git',
      kind: 'generic',
      line: 'fatal: not a git repository (or any of the parent directories): .git',
      around: ['$ git status'],
    },
    {
      name: 'generic: command not found',
      text: '$ pyhton app.py\nbash: pyhton: command not found',
      kind: 'generic',
      line: 'bash: pyhton: command not found',
      around: ['$ pyhton app.py'],
    },
    { name: 'generic: OCR | for l', text: 'Build fai|ed: unab|e to |ink', kind: 'generic', line: 'Build fai|ed: unab|e to |ink', around: [] },
  ];
  it.each(cases)('$name', ({ text, kind, line, around }) => {
    const errors = detectErrors(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.kind).toBe(kind);
    expect(errors[0]!.line).toBe(line);
    for (const a of around) expect(errors[0]!.context).toContain(a);
    expect(text.slice(errors[0]!.index, errors[0]!.index + line.length)).toBe(line);
  });
});

describe('detectErrors: not errors', () => {
  it.each([
    ['prose about error handling', 'This chapter covers error handling in Node.js and how to write an error handler.'],
    ['a docs heading', '8. Errors and Exceptions'],
    ['zero failures', 'Tests  0 failed | 12 passed (12)'],
    ['no errors', 'Compiled successfully with no errors.'],
    ['without error', 'The job finished without error.'],
    ['failed: 0', 'passed: 12, failed: 0, skipped: 1'],
    ['tsc clean', 'Found 0 errors. Watching for file changes.'],
    ['ordinary code mentioning undefined', 'if (value === undefined) return null;'],
    ['empty', ''],
    ['python code catching an exception', 'try:\n    load()\nexcept ValueError:\n    pass'],
    ['ts fields named error', 'interface Result {\n  error: string | null;\n  failed: boolean;\n}\nreturn { error: e.message };'],
    ['a log level constant', "const LEVEL = 'ERROR';"],
    ['code that throws', "throw new TypeError('bad input: ' + x);\n} catch (error) {"],
  ])('%s', (_name, text) => {
    expect(detectErrors(text)).toEqual([]);
  });
});

describe('detectErrors: dedupe and cap', () => {
  it('a typed error and generic words on nearby lines are one error', () => {
    const text = "Error: Cannot find module 'express'\nRequire stack:\n- /app/index.js\nerror: command failed";
    const errors = detectErrors(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.kind).toBe('js_error');
  });

  it('the same error line repeated is one error', () => {
    const text = ['TypeError: x is not a function', 'ok', 'ok', 'ok', 'ok', 'TypeError: x is not a function'].join('\n');
    expect(detectErrors(text)).toHaveLength(1);
  });

  it(`at most ${MAX_SCREEN_ERRORS} errors, in reading order, typed ones kept first`, () => {
    const lines: string[] = [];
    for (let i = 0; i < 4; i++) lines.push(`fatal: problem number ${i}`, 'a', 'b', 'c');
    for (let i = 0; i < 4; i++) lines.push(`src/f${i}.ts(1,1): error TS2304: Cannot find name 'x${i}'.`, 'a', 'b', 'c');
    const errors = detectErrors(lines.join('\n'));
    expect(errors).toHaveLength(MAX_SCREEN_ERRORS);
    expect(errors.filter((e) => e.kind === 'compile_error')).toHaveLength(4);
    const indexes = errors.map((e) => e.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
  });

  it('caps the context at about 600 characters and keeps the error line', () => {
    const long = 'x'.repeat(400);
    const errors = detectErrors([long, long, 'TypeError: boom', long, long].join('\n'));
    expect(errors[0]!.context.length).toBeLessThanOrEqual(600);
    expect(errors[0]!.context).toContain('TypeError: boom');
  });
});

describe('inferTask', () => {
  const t = (app: AppCategory, title: string | null, text = '', file: FileCategory | null = fileCategory(title)) =>
    inferTask({ app, title, text, fileCategory: file });
  it.each<[string, () => ScreenTask, ScreenTask]>([
    ['python file in an editor', () => t('code', 'main.py - proj - Visual Studio Code'), 'coding_python'],
    ['ts file in an editor', () => t('code', 'app.tsx - proj - Visual Studio Code'), 'coding_javascript'],
    ['rust file in an editor', () => t('code', 'main.rs - proj - Visual Studio Code'), 'coding'],
    ['python by keywords, no file name', () => t('code', 'Untitled-1 - Visual Studio Code', 'def main():\n    print(self.x)'), 'coding_python'],
    ['csv in an editor', () => t('code', 'data.csv - proj - Visual Studio Code'), 'editing_data'],
    ['yaml in an editor', () => t('code', 'ci.yml - proj - Visual Studio Code'), 'configuration'],
    ['github repo page', () => t('browser', 'alisa/alisa: Local AI companion - GitHub — Mozilla Firefox'), 'browsing_code'],
    ['github issue about a crash', () => t('browser', 'Crash on startup · Issue #12 · alisa/alisa - GitHub — Mozilla Firefox'), 'researching_problem'],
    ['stack overflow', () => t('browser', 'python - ModuleNotFoundError - Stack Overflow — Mozilla Firefox'), 'researching_problem'],
    ['search for how to', () => t('browser', 'how to fix TypeError undefined - Google Search - Google Chrome'), 'researching_problem'],
    ['news site', () => t('browser', 'The Guardian — Mozilla Firefox', 'Markets fell after the error in the report'), 'browsing'],
    ['terminal running python', () => t('terminal', 'alice@laptop: ~/proj', '$ ls\n$ python3 train.py\nepoch 1'), 'running_python'],
    ['terminal running npm', () => t('terminal', 'alice@laptop: ~/proj', '$ npm test\n> vitest run'), 'running_node'],
    ['terminal, last command wins', () => t('terminal', 'alice@laptop: ~/proj', '$ npm test\nok\n$ git status\nOn branch main'), 'using_git'],
    ['title names the command', () => t('terminal', 'node server.js - Terminal', '$ git log'), 'running_node'],
    ['terminal with plain commands', () => t('terminal', 'Terminal', '$ ls -la\n$ cd ..'), 'terminal_work'],
    ['pdf', () => t('pdf', 'paper.pdf - Okular'), 'reading_document'],
    ['document', () => t('document', 'report.odt - LibreOffice Writer'), 'reading_document'],
    ['media', () => t('media', 'Lofi - YouTube'), 'watching_video'],
    ['other', () => t('other', 'Calculator'), 'general_work'],
  ])('%s', (_name, run, expected) => {
    expect(run()).toBe(expected);
  });
});

describe('understandScreen: the "just browsing" rule', () => {
  const trace =
    "TypeError: Cannot read properties of null (reading 'map')\n    at List (http://localhost:5173/src/List.jsx:12:20)\n    at renderWithHooks (react-dom.js:1:2)";
  it.each<[string, string | null, string, boolean, boolean]>([
    // name, title, text, browsing, offerWorthy
    ['editor with a compile error', 'app.ts - proj - Visual Studio Code', "src/app.ts(3,5): error TS2322: Type 'number' is not assignable.", false, true],
    [
      'terminal with a traceback',
      'alice@laptop: ~/proj',
      'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nNameError: name \'x\' is not defined',
      false,
      true,
    ],
    [
      'docs page that talks about errors',
      'Errors | Node.js v20 Documentation — Mozilla Firefox',
      "Error: Cannot find module 'x'\nErrors and Exceptions\nerror handling",
      true,
      false,
    ],
    [
      "stack overflow showing someone else's traceback",
      'python - Stack Overflow — Mozilla Firefox',
      'Traceback (most recent call last):\n  File "a.py", line 1\nKeyError: 1',
      true,
      false,
    ],
    ['own app at localhost', 'Vite App - localhost:5173 — Mozilla Firefox', trace, false, true],
    ['devtools console', 'DevTools - example.com/app - Google Chrome', 'Uncaught TypeError: a.b is not a function', false, true],
    [
      'notebook in the browser with a traceback',
      'train.ipynb - Colab - Google Chrome',
      'Traceback (most recent call last):\n  File "<ipython-input-1>", line 1\nValueError: bad',
      false,
      true,
    ],
    ['browser with generic error words only', 'Blog — Mozilla Firefox', 'fatal: this is how git says no', true, false],
    ['youtube video about errors', 'Fixing TypeError - YouTube — Mozilla Firefox', 'TypeError: x is not a function', true, false],
    ['pdf with an error in it', 'errors.pdf - Okular', 'Error: something happened', true, false],
    ['slack message with an error', 'dev - Acme - Slack', 'npm ERR! code E404', true, false],
    ['editor without errors', 'app.ts - proj - Visual Studio Code', 'const x = 1;', false, false],
  ])('%s', (_name, title, text, browsing, offerWorthy) => {
    const u = understandScreen({ title, text });
    expect(u.browsing).toBe(browsing);
    expect(u.offerWorthy).toBe(offerWorthy);
  });

  it('returns the whole understanding, with secrets redacted from errors', () => {
    const u = understandScreen({ title: 'main.py - proj - Visual Studio Code', text: "API_KEY=sk-proj-abcdefghijklmnopqrstuvwx\nKeyError: 'user'" });
    expect(u).toMatchObject({
      app: 'code',
      window: 'main.py - proj - Visual Studio Code',
      fileCategory: 'code',
      task: 'coding_python',
      browsing: false,
      offerWorthy: true,
    });
    expect(u.errors).toHaveLength(1);
    expect(u.errors[0]!.context).not.toContain('sk-proj-abc');
    expect(u.errors[0]!.context).toContain('[REDACTED');
  });
});
