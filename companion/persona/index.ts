export { EmotionStream, stripEmotionTags, toEmotion, type EmotionStreamEvents } from './emotion-stream';
export { DEFAULT_CHARACTER, DEFAULT_CHARACTER_KEY, COMPACT_PERSONA } from './characters';
export { DEFAULT_MODE, MODE_INSTRUCTIONS } from './modes';
export { buildPrompt, trimHistory, systemPrompt, userTurn, EMOTION_INSTRUCTION, type PromptInput, type BuiltPrompt } from './prompt-builder';
