export { RhythmService, SEQUENCE_WINDOW_MS, SESSION_GAP_MS, type RhythmServiceDeps } from './rhythm-service';
export { derivePatterns, busyHoursOf, quietHoursOf, typicalSessionMinutes, type RhythmCounts, type RhythmPatterns } from './patterns';
export { AwareContextStore } from './aware-context';
