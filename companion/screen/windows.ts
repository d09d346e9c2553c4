// Windows she must never look at (password managers by default): the screenshot is dropped unread.

/**
 * Windows she must not look at. Case-insensitive; a pattern with `*` is a glob over the whole
 * title (`*` = any run of characters), any other pattern is a plain substring.
 */
export function isExcludedWindow(title: string | null, patterns: readonly string[]): boolean {
  if (!title) return false;
  const t = title.toLowerCase();
  return patterns.some((p) => {
    const pat = p.trim().toLowerCase();
    if (!pat) return false;
    if (!pat.includes('*')) return t.includes(pat);
    const re = new RegExp(
      `^${pat
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      's',
    );
    return re.test(t);
  });
}
