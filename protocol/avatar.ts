// Her body (issue 18): which avatar the panel shows. The built-in SVG is the light default and the
// fallback; a sprite set (one PNG per emotion) or a 3D model (VRM 0.x/1.0, plain glTF/GLB) can be
// imported and chosen, per character.
import * as z from 'zod';
import { EMOTIONS } from './common';

export const AvatarKind = z.enum(['svg', 'sprites', 'vrm', 'gltf']);
export type AvatarKind = z.infer<typeof AvatarKind>;

export const AvatarSource = z.object({
  /** 'builtin:alisa' for the SVG. */
  id: z.string(),
  kind: AvatarKind,
  name: z.string(),
  /** Where the panel fetches the model (vrm/gltf) or the sprite manifest; null for the SVG. */
  url: z.string().nullable(),
  thumbnailUrl: z.string().nullable(),
  /** emotion -> expression name, overriding the default mapping (vrm). */
  expressionMap: z.record(z.string(), z.string()).optional(),
});
export type AvatarSource = z.infer<typeof AvatarSource>;

export const BUILTIN_AVATAR_ID = 'builtin:alisa';

// ---------------------------------------------------------------- the avatar store (your own avatars)
// Imported avatars live in the companion's data folder (DATA/avatars/<id>/). Their `url` and
// `thumbnailUrl` are paths on the companion (`/avatars/<id>/<file>`): each host turns them into
// something its page may load (the browser: that path with its token; VS Code: a webview URI of
// the same file), see `AvatarUrlBase` and webview/ui/avatar-picker-urls.ts.

/** An avatar id: the built-in one, or a stored one (lower-case letters, digits and dashes). */
export const AVATAR_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const AvatarId = z.union([z.literal(BUILTIN_AVATAR_ID), z.string().regex(AVATAR_ID_PATTERN, 'not a valid avatar id')]);

/** The path prefix the companion serves stored avatar files under. */
export const AVATAR_ROUTE = '/avatars/';

export const AvatarInfo = AvatarSource.extend({
  builtin: z.boolean(),
  /** Bytes on disk (0 for the built-in one). */
  sizeBytes: z.number().int().nonnegative(),
  importedAt: z.number().nullable(),
  /** VRM specification of a vrm model. */
  vrmVersion: z.enum(['1.0', '0.x']).nullable(),
  /** What the model's own meta says (VRM), shown so the user can respect its licence. */
  author: z.string().nullable(),
  licence: z.string().nullable(),
  /** Textures (models) or frames (sprites). */
  images: z.number().int().nonnegative(),
  /**
   * The expressions a 3D model has, as its file names them (VRM 1.0 presets and custom ones, VRM
   * 0.x blend shape groups, a plain glTF's morph target names): what an emotion may be mapped to.
   * Absent for the SVG and sprite sets, and for a model whose file could not be read.
   */
  expressions: z.array(z.string()).optional(),
});
export type AvatarInfo = z.infer<typeof AvatarInfo>;

/** The built-in SVG as the avatar list shows it (always first; it cannot be deleted). */
export const BUILTIN_AVATAR: AvatarInfo = {
  id: BUILTIN_AVATAR_ID,
  kind: 'svg',
  name: 'Alisa (built-in)',
  url: null,
  thumbnailUrl: null,
  builtin: true,
  sizeBytes: 0,
  importedAt: null,
  vrmVersion: null,
  author: null,
  licence: null,
  images: 0,
};

/** Where an import reads from: a file (.vrm, .glb, .gltf) or a sprite-set folder on the companion's machine. */
export const AvatarImportParams = z
  .object({
    path: z.string().min(1).max(4096),
    /** Display name; default: the model's own title, else the file or folder name. */
    name: z.string().trim().min(1).max(80).optional(),
    /**
     * What the user means to import. `vrm` (the default for a file) refuses a model without a VRM
     * extension; `gltf` accepts a plain glTF/GLB (no expressions: she cannot show emotions with
     * it); `sprites` reads a folder. Omitted: a folder is sprites, a file vrm.
     */
    kind: z.enum(['vrm', 'gltf', 'sprites']).optional(),
    /** Replace this stored avatar (the UI asked the user first); omitted: a new one, never an overwrite. */
    replaceId: z.string().regex(AVATAR_ID_PATTERN).optional(),
  })
  .strict();
export type AvatarImportParams = z.infer<typeof AvatarImportParams>;

export const AvatarListResult = z.object({
  /** The built-in SVG first, then the stored ones, newest first. */
  avatars: z.array(AvatarInfo),
  /** The global choice (alisa's default when nothing else is chosen). */
  selectedId: z.string(),
  /** What the panel shows now: the active character's avatar, else the global choice, else the SVG. */
  active: AvatarSource,
});
export type AvatarListResult = z.infer<typeof AvatarListResult>;

/**
 * An expression name an emotion maps to: a VRM preset (1.0 or 0.x spelling), a custom expression
 * or a morph target. Letters of any script, digits, spaces and a few joiners; no markup, no paths.
 */
export const EXPRESSION_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}\p{M} _.:()+-]*$/u;
export const AvatarExpressionName = z
  .string()
  .trim()
  .min(1, 'an expression name may not be empty')
  .max(64, 'an expression name is at most 64 characters')
  .regex(EXPRESSION_NAME_PATTERN, 'an expression name has letters, digits, spaces and _ . : ( ) + - only');

/** The user's per-model mapping: some of the seven emotions -> an expression of the model (the others keep the default mix). */
export const AvatarExpressionMap = z
  .object(
    Object.fromEntries(EMOTIONS.map((e) => [e, AvatarExpressionName.optional()])) as Record<
      (typeof EMOTIONS)[number],
      z.ZodOptional<typeof AvatarExpressionName>
    >,
  )
  .strict();
export type AvatarExpressionMap = z.infer<typeof AvatarExpressionMap>;

export const AvatarUpdateParams = z
  .object({
    id: z.string().max(100),
    /** The whole mapping (it replaces the stored one); null or {}: back to the default mixes. Only for 3D models. */
    expressionMap: AvatarExpressionMap.nullable().optional(),
    /** A new display name (unique among the stored avatars, like an import's). */
    name: z.string().trim().min(1).max(80).optional(),
  })
  .strict();
export type AvatarUpdateParams = z.infer<typeof AvatarUpdateParams>;

export const AvatarMethods = {
  list: { params: z.object({}).strict(), result: AvatarListResult },
  import: {
    params: AvatarImportParams,
    result: z.object({
      avatar: AvatarInfo,
      /** Files of a sprite folder that were not used, each with why. */
      skipped: z.array(z.string()),
    }),
  },
  /** Deletes a stored avatar (the UI confirmed it first); the built-in one cannot be deleted. */
  delete: {
    params: z
      .object({ id: z.string().max(100), confirm: z.literal(true, { error: 'deleting an avatar needs confirm: true, sent only after the user confirmed it' }) })
      .strict(),
    result: z.object({ ok: z.literal(true) }),
  },
  /** The global choice; a character's own avatar (its avatarId) wins over it while that character is active. */
  select: { params: z.object({ id: z.string().max(100) }).strict(), result: z.object({ selectedId: z.string(), active: AvatarSource }) },
  /** Renames a stored avatar or sets its emotion -> expression mapping (3D models); followed by `avatar.changed`. */
  update: { params: AvatarUpdateParams, result: z.object({ avatar: AvatarInfo }) },
} as const;

/** The stored avatars or the active one changed: clients update their list and the stage. */
export const AvatarChangedEvent = z.object({
  type: z.literal('avatar.changed'),
  active: AvatarSource,
  selectedId: z.string(),
  /** Set when the list changed (an import or delete): the whole list. */
  avatars: z.array(AvatarInfo).optional(),
});
export type AvatarChangedEvent = z.infer<typeof AvatarChangedEvent>;

/**
 * How a host makes a companion avatar path loadable by its page: `base` replaces the
 * `/avatars/` prefix and `query` is appended (the browser: the same path and `?token=…`;
 * VS Code: the webview URI of DATA/avatars/ and nothing).
 */
export const AvatarUrlBase = z.object({ base: z.string().max(2000), query: z.string().max(500) });
export type AvatarUrlBase = z.infer<typeof AvatarUrlBase>;

// ---------------------------------------------------------------- reactions and sprite sets

/** A short reaction of the avatar: an error appeared for the user, or it was fixed. Every renderer has `react(kind)`. */
export const AvatarReaction = z.enum(['error', 'fixed']);
export type AvatarReaction = z.infer<typeof AvatarReaction>;

/**
 * A frame of a sprite set: a PNG file beside the manifest (a bare file name: no folder, no URL),
 * so the panel resolves it against the manifest's URL and nothing outside the set can be named.
 */
export const SpriteFile = z
  .string()
  .min(5)
  .max(120)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._ -]*\.png$/i, 'a frame must be a PNG file name beside the manifest (no folder, no URL)')
  .refine((s) => !s.includes('..'), 'a frame name may not contain ".."');

/** Mouth frames from the least to the most open. */
const SpriteMouth = z.array(SpriteFile).min(1).max(64);

/** One emotion's frames: the base picture, and optionally its own blink and mouth frames laid over it. */
export const SpriteEmotionFrames = z.object({ base: SpriteFile, blink: SpriteFile.optional(), mouth: SpriteMouth.optional() }).strict();

/**
 * The manifest of a stored sprite set (`sprites.json`, written by the import: companion/avatars/
 * sprites.ts): one picture per emotion, as the original Alisa's layered PNGs, with optional blink
 * and mouth frames of the same size laid over the base. Emotions without a frame show neutral's;
 * blink and mouth frames of an emotion without its own come from the set-wide ones.
 */
export const SpriteManifest = z
  .object({
    format: z.literal('alisa-sprites'),
    version: z.literal(1),
    width: z.number().int().min(1).max(4096),
    height: z.number().int().min(1).max(4096),
    emotions: z
      .object({
        neutral: SpriteEmotionFrames,
        happy: SpriteEmotionFrames.optional(),
        calm: SpriteEmotionFrames.optional(),
        teasing: SpriteEmotionFrames.optional(),
        shy: SpriteEmotionFrames.optional(),
        serious: SpriteEmotionFrames.optional(),
        sad: SpriteEmotionFrames.optional(),
      })
      .strict(),
    blink: SpriteFile.optional(),
    mouth: SpriteMouth.optional(),
  })
  .strict();
export type SpriteManifest = z.infer<typeof SpriteManifest>;
export type SpriteEmotionFrames = z.infer<typeof SpriteEmotionFrames>;
