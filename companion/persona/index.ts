export { EmotionStream, stripEmotionTags, toEmotion } from './emotion-stream';
export { DEFAULT_CHARACTER } from './characters';
export { DEFAULT_MODE, MODE_INSTRUCTIONS } from './modes';
export { buildPrompt, trimHistory, systemPrompt, userTurn, EMOTION_INSTRUCTION } from './prompt-builder';
