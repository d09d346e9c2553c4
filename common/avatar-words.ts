// How a stored avatar reads in a list (the panel's picker, "Alisa: Choose Avatar…"): its kind,
// its size and who made it. Pure, shared by the webview and the extension.
import type { AvatarInfo } from '../protocol/avatar';
import type { Emotion } from '../protocol/common';

export function describeAvatar(a: Pick<AvatarInfo, 'kind' | 'vrmVersion' | 'sizeBytes' | 'builtin' | 'author'>): string {
  if (a.builtin) return 'Built in · light';
  const kind = a.kind === 'vrm' ? `VRM ${a.vrmVersion ?? ''}`.trim() : a.kind === 'gltf' ? '3D, no expressions' : 'Sprite set';
  const size = a.sizeBytes >= 1_000_000 ? `${(a.sizeBytes / 1_000_000).toFixed(1)} MB` : `${Math.max(1, Math.round(a.sizeBytes / 1000))} KB`;
  return [kind, size, a.author ? `by ${a.author}` : null].filter(Boolean).join(' · ');
}

/** An emotion as a list shows it: "Happy". */
export function emotionLabel(e: Emotion): string {
  return e.charAt(0).toUpperCase() + e.slice(1);
}
