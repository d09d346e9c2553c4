// What a command Alisa runs may not be, before the user is even asked: the original's blocklist
// (rm -rf, del /f, format, shutdown, restart) and more of the same kind, and no shell tricks that
// would hide one: no chaining, pipes, redirections, substitutions or background jobs, and no shell
// or interpreter handed code inline (`bash -c`, `python -c`, `eval`). What passes still asks the
// user, with the exact command shown; this only refuses what no confirmation should let through.

import { splitWords } from '../../common/shell-words';

export { splitWords };

/** Shell metacharacters that chain, pipe, redirect, substitute or background: never in a command. */
const METACHARS: Array<[RegExp, string]> = [
  [/[;\n\r]/, 'a command separator (; or a new line)'],
  [/&/, 'a background job or chaining (& or &&)'],
  [/\|/, 'a pipe or chaining (| or ||)'],
  [/[<>]/, 'a redirection (< or >)'],
  [/`/, 'a command substitution (`...`)'],
  [/\$[({]/, `a substitution ($(...) or $${'{'}...})`],
];

/** Programs never run, whatever their arguments. */
const NEVER = new Set([
  'format',
  'format.com',
  'shutdown',
  'reboot',
  'restart',
  'poweroff',
  'halt',
  'init',
  'telinit',
  'mkfs',
  'fdisk',
  'parted',
  'diskpart',
  'dd',
  'sudo',
  'su',
  'doas',
  'pkexec',
  'eval',
  'exec',
  'source',
  'stop-computer',
  'restart-computer',
  'format-volume',
  'clear-disk',
]);

/** Shells and interpreters: refused when handed code inline (the code is what should be checked). */
const INLINE_CODE: Record<string, string[]> = {
  sh: ['-c'],
  bash: ['-c'],
  zsh: ['-c'],
  dash: ['-c'],
  fish: ['-c'],
  ksh: ['-c'],
  cmd: ['/c', '/k'],
  'cmd.exe': ['/c', '/k'],
  powershell: ['-command', '-c', '-encodedcommand', '-e'],
  pwsh: ['-command', '-c', '-encodedcommand', '-e'],
  python: ['-c'],
  python3: ['-c'],
  node: ['-e', '--eval', '-p', '--print'],
  perl: ['-e', '-E'],
  ruby: ['-e'],
};

const base = (word: string) => (word.split(/[\\/]/).pop() ?? word).toLowerCase();

function refusedProgram(words: string[]): string | null {
  // `env A=1 rm -rf x`, `nice rm ...`, `xargs rm`: the program is the first word that is not a wrapper or an assignment.
  let i = 0;
  while (
    i < words.length &&
    (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!) || ['env', 'nice', 'nohup', 'time', 'xargs', 'command', 'builtin', 'timeout'].includes(base(words[i]!)))
  ) {
    i++;
    // timeout's duration
    if (base(words[i - 1]!) === 'timeout' && i < words.length && /^\d/.test(words[i]!)) i++;
  }
  const program = words[i];
  if (program === undefined) return null;
  const name = base(program);
  const args = words.slice(i + 1);
  const lower = args.map((a) => a.toLowerCase());
  if (NEVER.has(name) || /^mkfs(\.|$)/.test(name)) return `\`${name}\` is on the list of commands Alisa never runs`;
  if (name === 'rm' && lower.some((a) => /^-[a-z]*[rf]/i.test(a) || a === '--recursive' || a === '--force' || a === '--no-preserve-root'))
    return '`rm` with -r or -f (recursive or forced deletion) is on the list of commands Alisa never runs';
  if ((name === 'del' || name === 'erase') && lower.some((a) => a === '/f' || a === '/s' || a === '/q'))
    return '`del /f` (forced deletion) is on the list of commands Alisa never runs';
  if ((name === 'rd' || name === 'rmdir') && lower.some((a) => a === '/s'))
    return '`rmdir /s` (recursive deletion) is on the list of commands Alisa never runs';
  if (name === 'remove-item' && lower.some((a) => a.startsWith('-r') || a === '-force'))
    return '`Remove-Item -Recurse` is on the list of commands Alisa never runs';
  if (name === 'systemctl' && lower.some((a) => ['poweroff', 'reboot', 'halt', 'suspend', 'hibernate', 'kexec'].includes(a)))
    return `\`systemctl ${lower.find((a) => ['poweroff', 'reboot', 'halt', 'suspend', 'hibernate', 'kexec'].includes(a))}\` is on the list of commands Alisa never runs`;
  if ((name === 'chmod' || name === 'chown') && lower.some((a) => /^-[a-z]*r/i.test(a)) && args.some((a) => a === '/' || a === '~'))
    return `recursive \`${name}\` on / or ~ is on the list of commands Alisa never runs`;
  if (name === 'git' && lower[0] === 'push' && lower.some((a) => a === '--force' || a === '-f' || a.startsWith('--force')))
    return '`git push --force` rewrites shared history: Alisa never runs it';
  if (name === 'find' && lower.includes('-delete')) return '`find -delete` is a recursive deletion: Alisa never runs it';
  const inline = INLINE_CODE[name.replace(/\.exe$/, '')] ?? INLINE_CODE[name];
  if (inline && lower.some((a) => inline.includes(a)))
    return `\`${name}\` with inline code hides what would run: ask for the program itself (for example \`npm test\`, not \`bash -c "npm test"\`)`;
  return null;
}

/** Null when Alisa may ask to run `command`; otherwise why she refuses it, in one sentence. */
export function refuseCommand(command: string): string | null {
  const text = command.trim();
  if (text === '') return 'The command is empty.';
  for (const [re, what] of METACHARS) {
    if (re.test(text)) return `The command contains ${what}; Alisa runs one plain command at a time, so nothing can hide in it.`;
  }
  const why = refusedProgram(splitWords(text));
  return why ? `${why[0]!.toUpperCase()}${why.slice(1)}.` : null;
}
