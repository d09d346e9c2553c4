// When a feature's error (the screen cannot be captured, the camera cannot open) deserves a
// notification: the first time it shows while the feature is on, not again for the same error on
// later status events. Turning the feature on again (`arm()`) or the error clearing lets the next
// one through. One rule for every feature whose status has `enabled` and `error`.
import type { ErrorInfo } from '../protocol';

export class FeatureErrorNotifier {
  private shown: string | null = null;

  /** The error to tell the user about now, if any. */
  check<S extends { enabled: boolean; error?: ErrorInfo | null }>(status: S | null): ErrorInfo | null {
    if (!status?.enabled || !status.error) {
      if (status) this.shown = null;
      return null;
    }
    const key = `${status.error.code}\n${status.error.message}`;
    if (key === this.shown) return null;
    this.shown = key;
    return status.error;
  }

  /** The user turned it on (again): an error after that is news even if it is the same one. */
  arm(): void {
    this.shown = null;
  }
}
