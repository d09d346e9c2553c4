// Whether a process still runs (Node, no `vscode`): signal 0 checks without touching it. EPERM
// means it runs under another user. Used by the companion's lock and parent watch and by the
// extension's attach check.
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
