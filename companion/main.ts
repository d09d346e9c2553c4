// `npm run companion -- --model FILE --data DIR [--port N]`
// The first stdout line is the machine-readable ready line:
//   {"type":"ready","port":N,"token":"...","pid":N,"version":"...","protocolVersion":N,"legacyPort":N|null,"waifuPort":N|null,"apiKeyFile":"..."|null}
// (`token` is the per-launch control token; the /v1 API key for other tools is never printed here:
// `--print-api-key` prints it and exits.)
// Everything else (logs) goes to stderr. Exits on SIGTERM/SIGINT and when its parent dies.
import { openSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CompanionApp, VERSION } from './app';
import { HELP, parseConfig } from './config';
import { toAlisaError } from './errors';
import { redactSecrets } from '../common/privacy/redact';
import { watchParent } from './lifecycle';
import { networkGate } from './privacy/network-gate';
import { installSocketGuard } from './privacy/socket-guard';
import { loadApiKey } from './server/api-key';
import { ensureDataDir } from './data-dir';
import { EXIT_ALREADY_RUNNING, InstanceLock, alreadyRunningMessage } from './instance-lock';
import { DEFAULT_ORPHAN_GRACE_MS, WindowKeeper } from './window-keeper';
import { PROTOCOL_VERSION, type ReadyLine } from '../protocol';

// Every log line passes the one redaction module: a secret in an error message, a transcript or a
// file name never reaches a terminal or a log file.
// The logger never throws: when stderr's reader is gone (`npm start 2>&1 | head`, a closed
// terminal, a parent killed with SIGKILL) it stops writing, and the lost pipe ends the process
// cleanly (see onLostPipe below) instead of an uncaught EPIPE that logs again, in a loop.
let logClosed = false;
/** Once the parent is gone the log goes on in DATA/companion.log (see logToFile). */
let logFd: number | null = null;
const log = (line: string): void => {
  const text = `[alisa ${new Date().toISOString()}] ${redactSecrets(line).text}\n`;
  if (logFd !== null) {
    try {
      writeSync(logFd, text);
    } catch {
      // a full disk: the line is lost, the companion goes on
    }
  }
  if (logClosed) return;
  try {
    process.stderr.write(text);
  } catch {
    logClosed = true;
  }
};

/** The parent (and whoever read stderr) is gone: later lines go to DATA/companion.log (0600, one 2 MB generation kept). */
function logToFile(dataDir: string): void {
  if (logFd !== null) return;
  const file = path.join(dataDir, 'companion.log');
  try {
    if (statSync(file).size > 2 * 1024 * 1024) renameSync(file, `${file}.1`);
  } catch {
    // none yet
  }
  try {
    logFd = openSync(file, 'a', 0o600);
  } catch {
    logFd = null;
  }
}
/** Set by main() once the companion runs: what a lost stdout/stderr pipe does. */
let onLostPipe: (why: string) => void = () => process.exit(0);
// Any error on stdout/stderr (EPIPE: the reader went away) means nobody is listening any more.
for (const [name, stream] of [
  ['stderr', process.stderr],
  ['stdout', process.stdout],
] as const) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (name === 'stderr') logClosed = true;
    onLostPipe(`${name} closed${err.code ? ` (${err.code})` : ''}`);
  });
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${toAlisaError(err).message}\nRun with --help for the options.\n`);
    process.exit(2);
  }
  if (config === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (config.printApiKey) {
    // The user asked for it: the key alone on stdout (for `$(...)`), where it lives on stderr.
    try {
      const { key, file } = loadApiKey(config.dataDir, config.openAiApiKey ?? undefined, log);
      process.stdout.write(`${key}\n`);
      process.stderr.write(
        `The key of Alisa's OpenAI-compatible API (${file ? `kept in ${file}` : 'from ALISA_API_KEY'}). Base URL: http://127.0.0.1:<port>/v1 (the port is in the companion's ready line and log). It opens /v1 only.\n`,
      );
    } catch (err) {
      process.stderr.write(`${toAlisaError(err).message}\n`);
      process.exit(1);
    }
    return;
  }
  // One companion per data folder, taken before anything opens or marks the database: a second
  // companion on the same folder exits (EXIT_ALREADY_RUNNING) naming the running one, and touches
  // nothing. A folder that cannot be created or written is reported by the database, as before.
  let lock: InstanceLock | null = null;
  try {
    ensureDataDir(config.dataDir);
    const taken = InstanceLock.acquire(config.dataDir);
    if (taken.ok === false) {
      process.stderr.write(`${alreadyRunningMessage(config.dataDir, taken.holder)}\n`);
      process.exit(EXIT_ALREADY_RUNNING);
    }
    if (taken.ok === true) lock = taken.lock;
    else log(`could not take the data folder's lock (${taken.reason}); continuing without it`);
  } catch {
    // ensureDataDir failed: the app reports the folder (with its action) through the database state.
  }
  if (lock) {
    const held = lock;
    process.on('exit', () => held.release());
  }
  const app = new CompanionApp(config, log);
  // Under every library: a connection to another machine that the gate did not approve never opens.
  installSocketGuard(networkGate);
  let stopping = false;
  const stop = async (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    lock?.unpublish();
    log(`stopping (${why})`);
    const force = setTimeout(() => process.exit(code), 5000);
    force.unref();
    try {
      await app.stop();
    } catch (err) {
      log(`error while stopping: ${toAlisaError(err).message}`);
    }
    lock?.release();
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  // The window that started this companion may go while other windows still use it: then it
  // keeps serving them, and stops when none is left (window-keeper.ts).
  const keeper = new WindowKeeper({
    windows: () => app.windowCount(),
    onClientsChanged: (l) => app.onClientsChanged(l),
    stop: (why) => void stop(why),
    log,
    graceMs: orphanGraceMs(),
  });
  const parentGone = (why: string) => {
    logToFile(config.dataDir);
    keeper.parentGone(why);
  };
  onLostPipe = (why) => {
    logClosed = true;
    parentGone(why);
  };
  // The starting window says it is closing (companion.detach): with other windows attached the
  // companion stays for them; else the window stops it.
  app.detach = () => {
    const others = app.windowCount() - 1;
    if (others > 0) parentGone('the window that started the companion closed');
    return others > 0;
  };
  // A bug must not take the user's companion down silently: log it and keep serving. Never in a
  // loop: an exception raised while handling one is not logged again, and a lost pipe stops.
  // Also a cap: past 20 in a second, the rest of that second is counted, not logged.
  let inUncaught = false;
  let windowStart = 0;
  let inWindow = 0;
  process.on('uncaughtException', (err) => {
    if (inUncaught) return;
    const now = Date.now();
    if (now - windowStart > 1000) {
      if (inWindow > 20) log(`(${inWindow - 20} more uncaught exceptions not logged)`);
      windowStart = now;
      inWindow = 0;
    }
    if (++inWindow > 20) return;
    inUncaught = true;
    try {
      log(`uncaught: ${err.stack ?? err.message}`);
    } finally {
      inUncaught = false;
    }
  });
  process.on('unhandledRejection', (err) => log(`unhandled rejection: ${toAlisaError(err).stack ?? String(err)}`));

  let started;
  try {
    started = await app.start();
  } catch (err) {
    log(`could not start: ${toAlisaError(err).message}`);
    process.exit(1);
  }
  const ready: ReadyLine = {
    type: 'ready',
    port: started.port,
    token: app.token,
    pid: process.pid,
    version: VERSION,
    protocolVersion: PROTOCOL_VERSION,
    legacyPort: started.legacyPort,
    waifuPort: started.waifuPort,
    apiKeyFile: app.apiKey.file,
  };
  lock?.setPort(started.port);
  // Other VS Code windows of this user attach through this file (0600) instead of starting a second companion.
  lock?.publish(ready);
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  log(`listening on http://127.0.0.1:${started.port} (health: /health, websocket: /ws)`);
  // Standalone only, and on stdout (where the ready line already carries the token), never in the
  // log: the address with the token is the user's key to the browser UI, and stderr is the log.
  if (config.parentPid === null) process.stdout.write(`open Alisa in a browser: http://127.0.0.1:${started.port}/#token=${app.token}\n`);
  log(
    `OpenAI-compatible API: http://127.0.0.1:${started.port}/v1 (its key: npm run companion -- --print-api-key${app.apiKey.file ? `, or the file ${app.apiKey.file}` : ''})`,
  );
  if (started.legacyPort !== null) log(`legacy protocol on ws://127.0.0.1:${started.legacyPort}/ws/chat`);
  if (started.waifuPort !== null) log(`waifu-rt3d API on http://127.0.0.1:${started.waifuPort}/api (no token: any local program can use it)`);
  watchParent(config.parentPid, () => parentGone('the window that started the companion is gone'));
}

/** ALISA_ORPHAN_GRACE_MS: how long a companion whose windows have all gone waits for one to come back. */
function orphanGraceMs(): number {
  const raw = process.env.ALISA_ORPHAN_GRACE_MS;
  const n = raw ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 3_600_000 ? n : DEFAULT_ORPHAN_GRACE_MS;
}

void main();
