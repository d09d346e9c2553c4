// code-server's command line, shared by the e2e harness (code-server.ts) and the extension-host
// launcher (tests/vscode-host/code-server-launcher.mjs): no auth, on 127.0.0.1, no telemetry,
// update check or workspace trust, with its own user data and extensions folders and, through
// XDG_CONFIG_HOME / XDG_DATA_HOME under `home`, its own configuration.
import path from 'node:path';

/** The arguments that serve `folder` on 127.0.0.1:`port`; `trust: true` keeps workspace trust on (the folder opens in Restricted Mode). */
export function codeServerArgs({ port, userDataDir, extensionsDir, folder, trust = false }) {
  return [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(trust ? [] : ['--disable-workspace-trust']),
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    folder,
  ];
}

/** This process's environment with code-server's configuration and data under `home`. */
export function codeServerEnv(home) {
  return { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_DATA_HOME: path.join(home, 'data') };
}
