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
    const re = new RegExp(`^${pat.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    return re.test(t);
  });
}

/** Password managers and keychains: never looked at, by default. */
export const DEFAULT_EXCLUDED_WINDOWS: readonly string[] = [
  'KeePass', // also KeePassXC, KeePass 2
  'KeePassXC',
  '1Password',
  'Bitwarden',
  'LastPass',
  'Dashlane',
  'Enpass',
  'Keeper*', // the Keeper app titles itself "Keeper ..."; a substring would hit "Bookkeeper"
  'Keeper Password Manager',
  'Proton Pass',
  'Passwords and Keys', // GNOME Seahorse
  'Seahorse',
  'Keychain Access',
  'KWalletManager',
  'KDE Wallet',
  'Credential Manager',
];
