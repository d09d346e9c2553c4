// The avatar.* methods (protocol/avatar.ts), for server/request-handlers.ts. A companion built
// without an avatar store (some tests) says so rather than failing obscurely.
import { AlisaError } from '../errors';
import type { Handlers } from '../server/request-handlers';
import type { AvatarService } from './avatar-service';

type AvatarHandlers = Pick<Handlers, 'avatar.list' | 'avatar.import' | 'avatar.delete' | 'avatar.select' | 'avatar.update'>;

export function avatarHandlers(avatars: AvatarService | undefined): AvatarHandlers {
  const service = () => {
    if (!avatars) throw new AlisaError('not_found', 'This companion keeps no avatars.', 'Update Alisa.');
    return avatars;
  };
  return {
    'avatar.list': () => service().list(),
    'avatar.import': (p) => service().import(p),
    'avatar.delete': (p) => {
      service().delete(p.id);
      return { ok: true };
    },
    'avatar.select': (p) => service().select(p.id),
    'avatar.update': (p) => service().update(p),
  };
}

/**
 * A character's avatar may have changed with `character.update`, `character.delete` or an import
 * of a card: the clients hear of it when the active avatar did (AvatarService.refresh).
 */
export function refreshAvatarAfter(handlers: Handlers, avatars: AvatarService | undefined): Handlers {
  if (!avatars) return handlers;
  const wrapped = { ...handlers } as Record<string, (p: unknown, ctx: unknown) => unknown>;
  for (const name of Object.keys(handlers).filter((m) => m.startsWith('character.') && m !== 'character.list')) {
    const inner = wrapped[name]!;
    wrapped[name] = (p, ctx) => {
      const result = inner(p, ctx);
      if (result instanceof Promise) return result.finally(() => avatars.refresh());
      avatars.refresh();
      return result;
    };
  }
  return wrapped as unknown as Handlers;
}
