// Webcam presence (issue 7): see presence-service.ts.
export { PresenceService, DEFAULT_PRESENCE_OPTIONS, type PresenceOptions, type PresenceServiceDeps } from './presence-service';
export { PresenceMachine, DEFAULT_THRESHOLDS, attentionOf, type Observation, type PresenceThresholds } from './state-machine';
export { FrameSource, ffmpegArgs, inputArgs, FRAME_WIDTH, FRAME_HEIGHT, FRAME_BYTES } from './frames';
export { loadFaceDetector, type FaceDetector, type FaceResult } from './face-detector';
