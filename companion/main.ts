// `npm run companion -- --model FILE --data DIR [--port N]`
// The first stdout line is the machine-readable ready line:
//   {"type":"ready","port":N,"token":"...","pid":N,"version":"...","protocolVersion":N,"legacyPort":N|null}
// Everything else (logs) goes to stderr. Exits on SIGTERM/SIGINT and when its parent dies.
import { CompanionApp, VERSION } from './app';
import { HELP, parseConfig } from './config';
import { toAlisaError } from './errors';
import { watchParent } from './lifecycle';
import { PROTOCOL_VERSION, type ReadyLine } from '../protocol';

const log = (line: string) => process.stderr.write(`[alisa ${new Date().toISOString()}] ${line}\n`);

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
  const app = new CompanionApp(config, log);
  let stopping = false;
  const stop = async (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    const force = setTimeout(() => process.exit(code), 5000);
    force.unref();
    try {
      await app.stop();
    } catch (err) {
      log(`error while stopping: ${toAlisaError(err).message}`);
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  // A bug must not take the user's companion down silently: log it and keep serving.
  process.on('uncaughtException', (err) => log(`uncaught: ${err.stack ?? err.message}`));
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
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  log(`listening on http://127.0.0.1:${started.port} (health: /health, websocket: /ws)`);
  // Standalone only: under the extension (--parent-pid) the token stays out of the logs.
  if (config.parentPid === null) log(`open Alisa in a browser: http://127.0.0.1:${started.port}/#token=${app.token}`);
  if (started.legacyPort !== null) log(`legacy protocol on ws://127.0.0.1:${started.legacyPort}/ws/chat`);
  watchParent(config.parentPid, () => void stop('parent process died'));
}

void main();
