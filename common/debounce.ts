// One pending run of a function: each `schedule()` puts it off until `ms` have passed without
// another (a settings editor, a file watcher or a search box fires once per keystroke or save).
// No DOM, no Node: the extension and the webview both use it.

export class Debounced {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ms: number,
    private readonly run: () => void,
  ) {}

  schedule(): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, this.ms);
  }

  /** Drops the pending run, if any. */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
