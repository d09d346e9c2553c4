// The companion as VS Code sees it: settings and the API key in, a supervised process out, with
// its log in the "Alisa" output channel and its failures told to the user with a way out.
//
// Lifecycle: created in activate() without side effects; `applySettings()` starts it (called
// right after activation, not awaited); a change to a restart-relevant setting or to the API key
// restarts it (debounced: the settings editor fires a change per keystroke); `dispose()` stops
// it (SIGTERM, SIGKILL after 3 s) and deactivate() waits for that. The process also gets
// `--parent-pid` so it exits by itself if the extension host dies without deactivating.
//
// The supervisor (with `ws`, zod and the protocol schemas, most of the bundle) is loaded with a
// dynamic import on first use, which is after activation: activation only pays for this file.
import * as vscode from 'vscode';
import type { Status } from '../protocol/common';
import type { CompanionEvent, CompanionMessage, MethodName, Params, Result } from '../protocol/messages';
import { isVoiceKeySecret, readVoiceKeys } from './voice/voice-keys';
import { applySettingsChanged } from './settings-sync';
import { companionArgs, companionEnv, isModelConfigured, type CompanionSettings } from './companion-args';
import type { LaunchSpec } from './companion-process';
import { readOpenAiAccess, type OpenAiAccess } from './openai-key';
import type { CompanionSupervisor, SupervisorState } from './companion-supervisor';
import { NODE_PATH_SETTING } from './node-runtime';
import { API_KEY_SECRET, LIVE_KEYS, needsRestart, readSettings, SECTION, STT_KEY_SECRET } from './settings';
import { workspaceIdentity } from './workspace-identity';
import { joinSentences } from '../common/sentences';
import { errorFromInfo, showWithDetails } from './error-details';
import { Debounced } from '../common/debounce';

/** How long a request waits for a companion that is (re)starting. */
const READY_WAIT_MS = 30_000;
const SETTINGS_DEBOUNCE_MS = 500;

export class CompanionManager implements vscode.Disposable {
  private supervisor: CompanionSupervisor | null = null;
  private loadingSupervisor: Promise<CompanionSupervisor> | null = null;
  private readonly stateEmitter = new vscode.EventEmitter<SupervisorState>();
  private readonly eventEmitter = new vscode.EventEmitter<CompanionEvent>();
  /** Connection state changes (starting, connecting, ready, restarting, failed, stopped). */
  readonly onDidChangeState = this.stateEmitter.event;
  /** Companion events (reply.*, status, mode.changed, sessions.changed). */
  readonly onDidReceiveEvent = this.eventEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private settings: CompanionSettings;
  /** What the running companion was started with; an unchanged spec needs no restart. */
  private specKey: string | null = null;
  private readonly debounce = new Debounced(SETTINGS_DEBOUNCE_MS, () => void this.applySettings());
  private disposed = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.settings = this.read();
    this.disposables.push(
      this.stateEmitter,
      this.eventEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => this.onSettingsChanged(e)),
      context.secrets.onDidChange((e) => {
        if (e.key === API_KEY_SECRET || e.key === STT_KEY_SECRET || isVoiceKeySecret(e.key)) this.debounce.schedule();
      }),
    );
  }

  get state(): SupervisorState {
    // Between activation and the first start the view must not show "not running".
    if (this.supervisor && this.specKey !== null) return this.supervisor.state;
    return this.disposed
      ? { state: 'stopped', message: 'Alisa is stopped.', error: null, failure: null }
      : { state: 'starting', message: 'Starting Alisa…', error: null, failure: null };
  }

  /** The companion's latest status (model state, mode, ...), null before the first connection. */
  get status(): Status | null {
    return this.supervisor?.status ?? null;
  }

  /** False until the user has chosen a model (or an endpoint to talk to). */
  get modelConfigured(): boolean {
    return isModelConfigured(this.settings);
  }

  /** The companion's data folder (alisa.dataFolder or the default): the panel loads stored avatars from it. */
  get dataFolder(): string {
    return this.settings.dataFolder;
  }

  /**
   * Starts the companion with the current settings, or restarts it if they changed since the
   * last start (`force`: restart anyway). Resolves when that start has settled.
   */
  async applySettings(force = false): Promise<void> {
    if (this.disposed) return;
    this.debounce.cancel();
    const settings = this.read();
    this.settings = settings;
    const [supervisor, spec] = await Promise.all([this.loadSupervisor(), this.launchSpec(settings)]);
    if (this.disposed) return;
    const key = JSON.stringify(spec);
    const settled = supervisor.state.state === 'failed' || supervisor.state.state === 'stopped';
    if (!force && key === this.specKey && !settled) return;
    this.specKey = key;
    await supervisor.start(spec);
  }

  /** The "Restart" button and command: a fresh start that forgets earlier crashes. */
  restart(): Promise<void> {
    return this.applySettings(true);
  }

  /** Waits (a while) for the companion, then calls `method`. Throws an Error written for the user. */
  async request<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const client = await (await this.loadSupervisor()).whenReady(READY_WAIT_MS);
    try {
      return await client.request(method, params);
    } catch (err) {
      // An RpcError carries what happened and what to do; the user gets both.
      const info = (err as { info?: { code: string; message: string; action?: string; details?: string } }).info;
      // The code stays on the error for callers that act on it (e.g. frame_too_large: awareness
      // sends less); the raw output (`details`) for a notification's "Details" button.
      if (info) throw errorFromInfo(info);
      throw err;
    }
  }

  /** Relays a webview's request envelope; always resolves with the reply frame for the webview. */
  async forward(id: string | number, method: string, params: unknown): Promise<CompanionMessage> {
    try {
      const client = await (await this.loadSupervisor()).whenReady(READY_WAIT_MS);
      return await client.forward(id, method, params);
    } catch (err) {
      return {
        type: 'error',
        id,
        error: {
          code: 'internal',
          message: (err as Error).message,
          action: 'Wait for Alisa to start, or run "Alisa: Restart Companion" (details: "Alisa: Show Logs").',
        },
      };
    }
  }

  /** The base URL and key of the OpenAI-compatible API (/v1 only) for other tools; waits (a while) for the companion. */
  async openAiAccess(): Promise<OpenAiAccess> {
    const supervisor = await this.loadSupervisor();
    await supervisor.whenReady(READY_WAIT_MS);
    const ready = supervisor.ready;
    if (!ready) throw new Error('Alisa is not running, so she has no API address yet. Run "Alisa: Restart Companion".');
    return readOpenAiAccess(ready);
  }

  /** True while connected to the companion. */
  get connected(): boolean {
    return this.supervisor?.client != null;
  }

  /** Stops the companion; deactivate() awaits the returned promise. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.debounce.cancel();
    for (const d of this.disposables.splice(0)) d.dispose();
    const supervisor = this.supervisor ?? (await this.loadingSupervisor?.catch(() => null));
    await supervisor?.stop();
  }

  // ------------------------------------------------------------------ internals

  /** Loads and creates the supervisor once (see the note at the top). */
  private loadSupervisor(): Promise<CompanionSupervisor> {
    this.loadingSupervisor ??= import('./companion-supervisor').then(({ CompanionSupervisor }) => {
      const log = this.log;
      const supervisor = new CompanionSupervisor({
        clientName: `alisa-vscode/${String(this.context.extension.packageJSON.version ?? '0')}`,
        // This window's chats are filed under its workspace (the companion may serve other windows too).
        workspace: workspaceIdentity((vscode.workspace.workspaceFile ?? vscode.workspace.workspaceFolders?.[0]?.uri)?.toString(), vscode.workspace.name),
        log: {
          info: (m) => log.info(m),
          warn: (m) => log.warn(m),
          error: (m) => log.error(m),
          companion: (line) => log.info(`[companion] ${line}`),
        },
      });
      supervisor.onState((s) => {
        this.stateEmitter.fire(s);
        if (s.state === 'failed') void this.tellFailure(s);
      });
      supervisor.onEvent((e) => {
        // A change made through the waifu-rt3d API becomes the user's own setting (issue 19).
        if (e.type === 'settings.changed') void applySettingsChanged(e, log);
        this.eventEmitter.fire(e);
      });
      this.supervisor = supervisor;
      return supervisor;
    });
    return this.loadingSupervisor;
  }

  private read(): CompanionSettings & { nodePath: string } {
    return readSettings(this.context.globalStorageUri.fsPath);
  }

  private async launchSpec(s: CompanionSettings & { nodePath: string }): Promise<LaunchSpec> {
    const apiKey = await this.context.secrets.get(API_KEY_SECRET);
    return {
      nodePath: s.nodePath,
      script: this.context.asAbsolutePath('dist/companion.mjs'),
      args: companionArgs(s, process.pid),
      // The key travels only in the environment (never in argv, which other users' `ps` shows).
      env: companionEnv(s, apiKey, await this.context.secrets.get(STT_KEY_SECRET), await readVoiceKeys(this.context.secrets)),
      cwd: this.context.extensionPath,
    };
  }

  private onSettingsChanged(e: vscode.ConfigurationChangeEvent): void {
    if (!e.affectsConfiguration(SECTION)) return;
    this.settings = this.read();
    if (needsRestart(e)) this.debounce.schedule();
    if (e.affectsConfiguration(LIVE_KEYS.mode) && this.settings.mode) void this.applyMode(this.settings.mode);
    if (e.affectsConfiguration(LIVE_KEYS.character) && this.settings.character) void this.applyCharacter(this.settings.character);
  }

  private async applyMode(mode: NonNullable<CompanionSettings['mode']>): Promise<void> {
    if (!this.connected) return; // the next start passes --mode
    try {
      await this.request('mode.set', { mode });
    } catch (err) {
      this.log.warn(`could not switch the mode to ${mode}: ${(err as Error).message}`);
    }
  }

  private async applyCharacter(key: string): Promise<void> {
    if (!this.connected) return; // the next start passes --character
    try {
      const { characters } = await this.request('character.list', {});
      const character = characters.find((c) => c.key === key);
      if (!character) {
        void vscode.window.showWarningMessage(`Alisa has no character "${key}" (alisa.character). Known: ${characters.map((c) => c.key).join(', ')}.`);
        return;
      }
      await this.request('character.select', { characterId: character.id });
    } catch (err) {
      this.log.warn(`could not switch the character to ${key}: ${(err as Error).message}`);
    }
  }

  /** Tells the user once per failure what happened, with the button that helps. */
  private async tellFailure(s: SupervisorState): Promise<void> {
    const text = s.error?.action ? joinSentences(s.message, s.error.action) : (s.message ?? 'Alisa stopped.');
    if (s.failure === 'runtime') {
      const choice = await vscode.window.showErrorMessage(text, 'Open Setting', 'Download Node.js');
      if (choice === 'Open Setting') await vscode.commands.executeCommand('workbench.action.openSettings', NODE_PATH_SETTING);
      if (choice === 'Download Node.js') await vscode.env.openExternal(vscode.Uri.parse('https://nodejs.org/'));
      return;
    }
    const buttons = s.failure === 'settings' ? ['Open Settings', 'Restart'] : ['Restart', 'Show Logs'];
    const choice = await showWithDetails('error', text, s.error?.details, this.log, ...buttons);
    if (choice === 'Restart') await this.restart();
    if (choice === 'Show Logs') this.log.show();
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${this.context.extension.id}`);
  }
}
