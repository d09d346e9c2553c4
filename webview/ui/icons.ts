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
} as const;
