export { RhythmService } from './rhythm-service';
export { derivePatterns, busyHoursOf, quietHoursOf } from './patterns';
export { AwareContextStore } from './aware-context';
