// Path data of the UI's icons (16×16, drawn as strokes by the stylesheet). Drawn for Alisa.
export const ICONS = {
  send: ['M2.5 8h9', 'M8 4l4 4-4 4', 'M13.5 3v10'],
  stop: ['M4.5 4.5h7v7h-7z'],
  plus: ['M8 3v10', 'M3 8h10'],
  search: ['M7 2.5a4.5 4.5 0 1 0 0 9a4.5 4.5 0 1 0 0-9z', 'M10.3 10.3L14 14'],
  rename: ['M3 13l.6-2.6L10.5 3.5l2 2-6.9 6.9L3 13z', 'M9.3 4.7l2 2'],
  trash: ['M3 4.5h10', 'M6.5 4.5V3h3v1.5', 'M4.5 4.5l.7 8.5h5.6l.7-8.5'],
  close: ['M4 4l8 8', 'M12 4l-8 8'],
  face: ['M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11z', 'M6 7v.5', 'M10 7v.5', 'M6 10c1.2 1 2.8 1 4 0'],
  eye: ['M1.5 8C3 5 5.3 3.5 8 3.5S13 5 14.5 8C13 11 10.7 12.5 8 12.5S3 11 1.5 8z', 'M8 6a2 2 0 1 0 0 4a2 2 0 1 0 0-4z'],
  eyeClosed: ['M1.5 7c1.5 2.6 3.8 4 6.5 4s5-1.4 6.5-4', 'M3.5 9.6L2.3 11', 'M6.2 10.8l-.5 1.7', 'M9.8 10.8l.5 1.7', 'M12.5 9.6l1.2 1.4'],
  speaker: ['M2.5 6h2.5l3.5-3v10l-3.5-3H2.5z', 'M10.5 5.5c.9.7 1.4 1.5 1.4 2.5s-.5 1.8-1.4 2.5', 'M12 3.5c1.4 1.1 2.2 2.7 2.2 4.5s-.8 3.4-2.2 4.5'],
  speakerMuted: ['M2.5 6h2.5l3.5-3v10l-3.5-3H2.5z', 'M10.5 6l3.5 4', 'M14 6l-3.5 4'],
  mic: ['M8 2a2 2 0 0 0-2 2v4a2 2 0 1 0 4 0V4a2 2 0 0 0-2-2z', 'M4 7.5a4 4 0 0 0 8 0', 'M8 11.5V14', 'M6 14h4'],
  camera: ['M2 5h2.2l1.2-1.5h5.2L11.8 5H14v7.5H2z', 'M8 6.5a2.2 2.2 0 1 0 0 4.4a2.2 2.2 0 1 0 0-4.4z'],
  bell: ['M4 11V7.5a4 4 0 0 1 8 0V11l1 1.5H3z', 'M6.8 14h2.4'],
  bellSlash: ['M4 11V7.5a4 4 0 0 1 8 0V11l1 1.5H3z', 'M6.8 14h2.4', 'M2.5 2.5l11 11'],
  // An action card's status (action-cards-view.ts).
  check: ['M3 8.5l3 3 7-7'],
  clock: ['M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11z', 'M8 5v3.2l2.2 1.4'],
  play: ['M5 3.5v9l7-4.5z'],
  blocked: ['M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11z', 'M4.1 4.1l7.8 7.8'],
  warning: ['M8 2.5l6 10.5H2z', 'M8 6.5v3', 'M8 11v.5'],
  // The Memory view (memory-view.ts): its header button, and pinning a memory.
  memory: ['M4.5 2.5h7v11L8 11l-3.5 2.5z', 'M6.5 5.5h3'],
  pin: ['M6 2.5h4', 'M6.7 2.5v3.7L4.5 9h7L9.3 6.2V2.5', 'M8 9v4.5'],
} as const;
