// One frame, understood: OCR, then redaction at once (the raw text never leaves this function),
// then the understanding. Shared by the screen service and `npm run screen`.
import type { Gray } from './image';
import type { OcrEngine } from './ocr';
import { redactSecrets } from '../../common/privacy/redact';
import { understandScreen, type ScreenUnderstanding } from './understand';

/** OCR text kept per frame (memory only). */
const MAX_SCREEN_TEXT = 4000;

export interface FrameAnalysis extends ScreenUnderstanding {
  /** The redacted OCR text, at most MAX_SCREEN_TEXT characters. */
  text: string;
  redactions: number;
  confidence: number;
  timings: { ocrMs: number; understandMs: number };
}

export async function analyzeFrame(image: Gray, title: string | null, ocr: OcrEngine, appClass: string | null = null): Promise<FrameAnalysis> {
  const result = await ocr.recognize(image);
  const started = performance.now();
  const redacted = redactSecrets(result.text);
  const safeTitle = title === null ? null : redactSecrets(title).text;
  // A bare shell title ("bash", "~/src") says little; the window class ("XTerm") says terminal.
  const understanding = understandScreen({ title: appClass && safeTitle ? `${safeTitle} - ${appClass}` : (safeTitle ?? appClass), text: redacted.text });
  // `(?<![ \t])`: a run of blanks is tried from its start only (linear on 100k blanks).
  const text = redacted.text
    .replace(/(?<![ \t])[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .slice(0, MAX_SCREEN_TEXT);
  return {
    ...understanding,
    window: safeTitle,
    text,
    redactions: redacted.count + (title !== null && safeTitle !== title ? 1 : 0),
    confidence: result.confidence,
    timings: { ocrMs: result.ms, understandMs: performance.now() - started },
  };
}
