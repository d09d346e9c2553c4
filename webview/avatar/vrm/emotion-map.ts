// Alisa's seven emotions as VRM expressions. VRM has five emotion presets (happy, angry, sad,
// relaxed, surprised); hers are mixed from them, with weights below 1 where a full preset would
// overstate her (serious is not furious). A per-model override (AvatarSource.expressionMap, set by
// the user) names one expression per emotion: a preset or any custom expression of the model.
// VRM 0.x names (joy, sorrow, fun, a, i, u, e, o, blink_l…) are accepted and read as the 1.0 names
// three-vrm gives those presets when it loads a 0.x model.
import type { Emotion } from '../../../protocol';

export const VISEMES = ['aa', 'ih', 'ou', 'ee', 'oh'] as const;
export type Viseme = (typeof VISEMES)[number];

/** The default mixes: expression name -> weight. Neutral is no expression at all. */
export const EMOTION_EXPRESSIONS: Record<Emotion, Record<string, number>> = {
  happy: { happy: 1 },
  calm: { relaxed: 0.8 },
  // A wink with half a smile.
  teasing: { happy: 0.5, blinkLeft: 1 },
  shy: { relaxed: 0.5, sad: 0.35 },
  serious: { angry: 0.45 },
  sad: { sad: 1 },
  neutral: {},
};

const VRM0_NAMES: Record<string, string> = {
  joy: 'happy',
  sorrow: 'sad',
  fun: 'relaxed',
  a: 'aa',
  i: 'ih',
  u: 'ou',
  e: 'ee',
  o: 'oh',
  blink_l: 'blinkLeft',
  blink_r: 'blinkRight',
  lookup: 'lookUp',
  lookdown: 'lookDown',
  lookleft: 'lookLeft',
  lookright: 'lookRight',
};

/** A user's expression name as the loaded model knows it (VRM 0.x preset names read as 1.0 names). */
export function normalizeExpressionName(name: string): string {
  const trimmed = name.trim();
  return VRM0_NAMES[trimmed.toLowerCase()] ?? trimmed;
}

/**
 * The expression weights for `emotion`: the user's override when the model has that expression,
 * otherwise the default mix limited to the expressions the model has.
 */
export function expressionWeights(emotion: Emotion, override: string | undefined, has: (name: string) => boolean): Map<string, number> {
  if (override !== undefined) {
    const name = normalizeExpressionName(override);
    if (name === '' || name === 'neutral') return new Map();
    if (has(name)) return new Map([[name, 1]]);
    if (has(override.trim())) return new Map([[override.trim(), 1]]);
  }
  return new Map(Object.entries(EMOTION_EXPRESSIONS[emotion]).filter(([name]) => has(name)));
}
