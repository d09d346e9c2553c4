// The user-turn text for "explain this error" and "fix this error", and reading the fix back out
// of the reply. Lines are shown 1-based, as editors number them.
import type { HelpTarget, Range } from '../../protocol/context';

export interface HelpPromptInput {
  target: HelpTarget;
  path?: string;
  language?: string;
  excerpt?: string;
  /** 0-based line of the excerpt's first line in the file. */
  excerptStartLine?: number;
  related?: Array<{ path: string; range: Range; message: string }>;
  /** What fixed the same error last time in this workspace (a memory of source 'fix'). */
  lastFix?: string;
}

const KIND_WORDS: Record<HelpTarget['kind'], string> = {
  diagnostic: 'This error is reported in my code',
  terminal: 'This command failed in my terminal',
  debug: 'My program stopped in the debugger with this exception',
  screen: 'I see this error on my screen',
};

function numbered(excerpt: string, startLine: number | undefined): string {
  const lines = excerpt.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  if (startLine === undefined) return lines.join('\n');
  const width = String(startLine + lines.length).length;
  return lines.map((l, i) => `${String(startLine + i + 1).padStart(width)} | ${l}`).join('\n');
}

export function buildHelpPrompt(kind: 'explain' | 'fix', p: HelpPromptInput): string {
  const t = p.target;
  const path = p.path ?? t.path ?? null;
  const line = t.range ? t.range.start.line + 1 : null;
  const lang = p.language ?? '';
  const parts: string[] = [];
  const where = path ? ` (${path}${line !== null ? `, line ${line}` : ''})` : line !== null ? ` (line ${line})` : '';
  parts.push(`${KIND_WORDS[t.kind]}${where}:`);
  parts.push(`${t.message}${t.code ? ` [${t.code}]` : ''}`);
  if (p.excerpt && p.excerpt.trim() !== '') {
    const label =
      t.kind === 'terminal'
        ? 'Output:'
        : t.kind === 'screen'
          ? 'Around it on the screen:'
          : `Code${path ? ` from ${path}` : ''}${p.excerptStartLine !== undefined ? ' (line numbers on the left)' : ''}:`;
    parts.push(
      '',
      label,
      '```' + (t.kind === 'terminal' || t.kind === 'screen' ? '' : lang),
      numbered(p.excerpt, t.kind === 'terminal' || t.kind === 'screen' ? undefined : p.excerptStartLine),
      '```',
    );
  }
  if (p.related?.length) {
    parts.push('', 'Related information:');
    for (const r of p.related) parts.push(`- ${r.path}:${r.range.start.line + 1}: ${r.message}`);
  }
  if (p.lastFix) parts.push('', `Last time this error came up here, this fixed it: ${p.lastFix}`);
  parts.push('');
  if (kind === 'explain') {
    parts.push('Explain briefly what this error means and why it happens here, and how I could fix it.');
  } else {
    const n = p.excerpt ? p.excerpt.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n').length : 0;
    const first = (p.excerptStartLine ?? 0) + 1;
    const range = p.excerpt && p.excerptStartLine !== undefined ? `lines ${first}-${first + n - 1}` : 'the code above';
    parts.push(
      `Fix it. Answer with exactly one fenced code block${lang ? ` (\`\`\`${lang})` : ''} that replaces ${range}: ` +
        'the complete corrected lines, without line numbers, nothing else inside the block.',
    );
  }
  return parts.join('\n');
}

/** The last complete fenced code block in a reply, or null when there is none (unclosed blocks do not count). */
export function extractCodeBlock(text: string): { language: string | null; code: string } | null {
  const re = /```([^\n`]*)\n([\s\S]*?)```/g;
  let last: { language: string | null; code: string } | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const language = (m[1] ?? '').trim();
    last = { language: language === '' ? null : language, code: (m[2] ?? '').replace(/\n$/, '') };
  }
  return last;
}
