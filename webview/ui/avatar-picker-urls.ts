// Stored avatars' paths (`/avatars/<id>/<file>` on the companion) as URLs this page may load: the
// host says how (HostState.avatarUrl): the browser UI asks the same server with its token, the
// VS Code panel loads the same files as webview resources. Without a way (an older host), only the
// built-in SVG can be shown.
import { AVATAR_ROUTE, type AvatarSource, type AvatarUrlBase } from '../../protocol';

/** The loadable URL of companion path `url`; null when there is none or the host gives no way. */
export function resolveAvatarUrl(url: string | null, base: AvatarUrlBase | null | undefined): string | null {
  if (!url || !base || !url.startsWith(AVATAR_ROUTE)) return null;
  return `${base.base}${url.slice(AVATAR_ROUTE.length)}${base.query}`;
}

/** `source` with loadable URLs; the SVG (null) when its files cannot be reached from this page. */
export function resolveAvatarSource(source: AvatarSource, base: AvatarUrlBase | null | undefined): AvatarSource | null {
  if (source.kind === 'svg') return null;
  const url = resolveAvatarUrl(source.url, base);
  if (!url) return null;
  return { ...source, url, thumbnailUrl: resolveAvatarUrl(source.thumbnailUrl, base) };
}
