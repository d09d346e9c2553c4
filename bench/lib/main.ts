/** Runs a bench's `main` and exits: 0 once it resolves, 1 (the error printed) if it rejects. */
export function runMain(main: () => Promise<void>): void {
  void main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
