// The sidebar view `alisa.chat`: hosts the webview UI and relays between it and the companion.
//
// Relay: the webview's `request` envelopes go to the companion unchanged (RpcClient.forward) and
// the reply frame comes back with the webview's id; every companion event goes to the webview;
// `host.state` tells it about the connection. Everything the webview sends is validated with
// the `WebviewToHost` schema first: the page renders model output, so it is not trusted.
//
// Lifecycle: no retainContextWhenHidden. A hidden view's page is discarded and reloaded when
// shown; the page keeps its state with getState/setState and announces itself with `ui.ready`
// on every load. Until then nothing is posted to it (it would be lost), except commands, which
// wait in a short queue.
//
// Help offers: the open one is kept here (help/offer-presence.ts) so a hidden panel shows it as
// a badge (and a notification if wanted) and the page gets it again when it loads.
//
// The schemas (zod) are loaded on the first message rather than at activation; see
// companion-manager.ts.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import * as vscode from 'vscode';
import type { CompanionMessage } from '../protocol/messages';
import type { HelpOffer, HelpTarget } from '../protocol/context';
import type { HostCommand, HostFile, HostState, HostToWebview, UiAction } from '../protocol/webview';
import { renderWebviewHtml } from '../common/webview-html';
import type { CompanionManager } from './companion-manager';
import { OfferPresence, type OfferChoice } from './help/offer-presence';
import type { Mentions } from './mentions/mentions';
import { saveRecapConsent } from './recap-settings';

export const CHAT_VIEW_ID = 'alisa.chat';
const MAX_QUEUED_COMMANDS = 10;
/** The largest file the Memory view's Import reads (protocol/webview.ts FILE_MAX; not imported: the schemas load lazily). */
const FILE_MAX = 20_000_000;

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | null = null;
  /** True between the page's `ui.ready` and its unloading. */
  private pageReady = false;
  private queued: HostCommand[] = [];
  /** Every UI action VS Code can carry out (all of them), known once the protocol is loaded. */
  private actions: UiAction[] = [];
  private avatar: Promise<string> | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  /** "Fix" on a help offer (set by the help commands; the fix flow runs in the host). */
  onFix: ((offerId: string, target: HelpTarget) => void) | null = null;
  /** "Apply…" on a code block (set by the help commands: the diff flow runs in the host). */
  onApplyCode: ((code: string) => void) | null = null;
  /** @-mentions: completion, reading them into attachments, opening a reply's sources (set by extension.ts). */
  mentions: Mentions | null = null;
  private readonly offers = new OfferPresence({
    setBadge: (badge) => {
      if (this.view) this.view.badge = badge;
    },
    notifyEnabled: () => vscode.workspace.getConfiguration('alisa').get<boolean>('help.notifyOffers', false),
    notify: async (offer, choices) => {
      const labels: Record<OfferChoice, string> = { explain: 'Explain', fix: 'Fix', dismiss: 'Not now' };
      const picked = await vscode.window.showInformationMessage(`Alisa: ${offer.text}`, ...choices.map((c) => labels[c]));
      return choices.find((c) => labels[c] === picked);
    },
    answer: (offer, choice) => void this.answerOffer(offer, choice),
  });

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly manager: CompanionManager,
    private readonly runAction: (action: UiAction) => void,
  ) {
    this.disposables.push(
      manager.onDidChangeState(() => {
        if (manager.state.state !== 'ready') this.offers.clear();
        this.postHostState();
      }),
      // The 3D avatar's frame-rate cap applies at once: the page reads it from the host state.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('alisa.avatar.maxFps')) this.postHostState();
      }),
      manager.onDidReceiveEvent((event) => {
        if (event.type === 'help.offer') this.offers.offered(event);
        else if (event.type === 'help.retract') this.offers.answered(event.offerId);
        this.post(event);
      }),
    );
  }

  async resolveWebviewView(view: vscode.WebviewView): Promise<void> {
    this.view = view;
    this.pageReady = false;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    // Stored avatars (DATA/avatars/, issue 18) load as webview resources: no port or token in the page.
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, media, this.avatarsDir()] };
    const subscriptions = [
      view.webview.onDidReceiveMessage((raw) => void this.onMessage(raw)),
      // A hidden view's page is discarded; the reloaded page says `ui.ready` again.
      view.onDidChangeVisibility(() => {
        if (!view.visible) {
          this.pageReady = false;
          this.offers.setVisible(false);
        }
      }),
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = null;
          this.pageReady = false;
          this.offers.setVisible(false);
        }
        for (const s of subscriptions) s.dispose();
      }),
    ];
    view.webview.html = renderWebviewHtml({
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview-style.css')).toString(),
      cspSource: view.webview.cspSource,
      nonce: randomBytes(16).toString('hex'),
      avatarSvg: await this.avatarSvg(),
      // A chosen 3D avatar's model (a webview resource URI) and its embedded textures (blob:).
      avatarSrc: view.webview.cspSource,
      title: 'Alisa',
    });
  }

  /** Shows the view (creating it if needed) and passes `command` to the page once it listens. */
  async postCommand(command: HostCommand): Promise<void> {
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    if (this.view && this.pageReady) {
      void this.view.webview.postMessage(command);
      return;
    }
    this.queued.push(command);
    if (this.queued.length > MAX_QUEUED_COMMANDS) this.queued.shift();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  // ------------------------------------------------------------------ webview -> host

  private async onMessage(raw: unknown): Promise<void> {
    const { WebviewToHost, UI_ACTIONS } = await loadProtocol();
    const parsed = WebviewToHost.safeParse(raw);
    if (!parsed.success) {
      const type = typeof raw === 'object' && raw !== null && 'type' in raw ? String((raw as { type: unknown }).type).slice(0, 50) : typeof raw;
      this.manager.log.warn(`ignored an invalid message from the chat view (type ${type}): ${parsed.error.issues[0]?.message ?? 'schema mismatch'}`);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'request': {
        if (message.method === 'help.respond') this.offers.answered((message.params as { offerId: string }).offerId);
        // The panel's one-time recap question: the answer is the user's setting from now on.
        if (message.method === 'recap.consent') void saveRecapConsent(message.params);
        const reply: CompanionMessage = await this.manager.forward(message.id, message.method, message.params);
        // A reply for a page that has since reloaded is harmless: it ignores unknown ids.
        if (this.view) void this.view.webview.postMessage(reply);
        return;
      }
      case 'ui.ready':
        this.pageReady = true;
        this.actions = [...UI_ACTIONS];
        this.postHostState();
        if (this.manager.state.state === 'ready' && this.manager.status) this.post({ type: 'status', status: this.manager.status });
        for (const command of this.queued.splice(0)) this.post(command);
        // An offer made while the page was away (hidden, reloading) is still open: show it.
        if (this.offers.open) this.post(this.offers.open);
        this.offers.setVisible(true);
        return;
      case 'ui.action':
        this.runAction(message.action);
        return;
      case 'ui.insertCode':
        await insertCode(message.code);
        return;
      case 'ui.copy':
        await vscode.env.clipboard.writeText(message.text);
        vscode.window.setStatusBarMessage('$(check) Copied to the clipboard', 2000);
        return;
      case 'ui.applyCode':
        this.onApplyCode?.(message.code);
        return;
      case 'ui.fix':
        this.offers.answered(message.offerId);
        this.onFix?.(message.offerId, message.target);
        return;
      case 'ui.mentionQuery': {
        const candidates = await this.mentions?.candidates(message.query).catch((err: unknown) => {
          this.manager.log.warn(`@-mention completion failed: ${(err as Error).message}`);
          return [];
        });
        this.post({ type: 'host.mentions', id: message.id, candidates: (candidates ?? []).slice(0, 50) });
        return;
      }
      case 'ui.resolveMentions': {
        const results = this.mentions
          ? await this.mentions.resolve(message.mentions)
          : message.mentions.map(() => ({ error: 'This window cannot read mentions yet.' }));
        this.post({ type: 'host.attachments', id: message.id, results });
        return;
      }
      case 'ui.openSource': {
        const refused = this.mentions ? await this.mentions.openSource(message.path, message.line) : 'This window cannot open sources yet.';
        if (refused) void vscode.window.showWarningMessage(`Alisa: ${refused}`);
        return;
      }
      case 'ui.saveFile':
      case 'ui.openFile':
        // The Memory view's Export and Import: VS Code's dialogs, the answer back to the page.
        this.post(
          await fileDialog(message).catch(
            (err: unknown): HostFile => ({ type: 'host.file', id: message.id, outcome: 'failed', message: (err as Error).message }),
          ),
        );
        return;
    }
  }

  /** An answer from the offer's notification: what the panel's buttons would do. */
  private async answerOffer(offer: HelpOffer, choice: OfferChoice): Promise<void> {
    if (choice === 'fix') {
      this.onFix?.(offer.offerId, offer.target);
      return;
    }
    try {
      const { sessionId } = await this.manager.request('help.respond', { offerId: offer.offerId, response: choice });
      if (sessionId !== null) await this.postCommand({ type: 'host.command', command: 'showSession', sessionId });
    } catch (err) {
      void vscode.window.showWarningMessage(`Alisa could not take up the offer: ${(err as Error).message}`);
    }
  }

  // ------------------------------------------------------------------ host -> webview

  private postHostState(): void {
    const s = this.manager.state;
    const state: HostState = {
      type: 'host.state',
      host: 'vscode',
      connection: s.state,
      message: s.message,
      error: s.error,
      modelConfigured: this.manager.modelConfigured,
      actions: this.actions,
      avatarUrl: this.view ? { base: `${this.view.webview.asWebviewUri(this.avatarsDir()).toString()}/`, query: '' } : null,
      avatarMaxFps: avatarMaxFps(),
    };
    this.post(state);
  }

  private post(message: HostToWebview): void {
    if (this.view && this.pageReady) void this.view.webview.postMessage(message);
  }

  private avatarsDir(): vscode.Uri {
    return vscode.Uri.joinPath(vscode.Uri.file(this.manager.dataFolder), 'avatars');
  }

  private avatarSvg(): Promise<string> {
    this.avatar ??= Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.extensionUri, 'media', 'avatar.svg'))).then(
      (bytes) => new TextDecoder().decode(bytes),
      (err: unknown) => {
        this.manager.log.warn(`media/avatar.svg could not be read (${(err as Error).message}); the chat shows no avatar.`);
        return '';
      },
    );
    return this.avatar;
  }
}

let protocol: Promise<typeof import('../protocol/webview')> | null = null;
const loadProtocol = () => (protocol ??= import('../protocol/webview'));

/** Saves (`ui.saveFile`) or reads (`ui.openFile`) a JSON file through VS Code's dialogs. */
async function fileDialog(
  message: { type: 'ui.saveFile'; id: string; name: string; content: string } | { type: 'ui.openFile'; id: string },
): Promise<HostFile> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  const filters = { JSON: ['json'] };
  if (message.type === 'ui.saveFile') {
    const name = message.name.replace(/[\\/:*?"<>|]/g, '-');
    const target = await vscode.window.showSaveDialog({
      title: "Export Alisa's memories",
      defaultUri: vscode.Uri.joinPath(folder, name),
      filters,
      saveLabel: 'Export',
    });
    if (!target) return { type: 'host.file', id: message.id, outcome: 'cancelled' };
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(message.content));
    return { type: 'host.file', id: message.id, outcome: 'saved' };
  }
  const [picked] =
    (await vscode.window.showOpenDialog({ title: 'Import memories', defaultUri: folder, filters, canSelectMany: false, openLabel: 'Import' })) ?? [];
  if (!picked) return { type: 'host.file', id: message.id, outcome: 'cancelled' };
  const { size } = await vscode.workspace.fs.stat(picked);
  if (size > FILE_MAX) return { type: 'host.file', id: message.id, outcome: 'failed', message: 'That file is too large to be a memory export.' };
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(picked));
  return { type: 'host.file', id: message.id, outcome: 'opened', text };
}

/** Inserts code at the cursor (replacing a selection) of the editor the user last worked in. */
async function insertCode(code: string): Promise<void> {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!editor) {
    void vscode.window.showInformationMessage(
      'There is no open editor to insert the code into. Open a file, place the cursor where the code should go, then click Insert again.',
    );
    return;
  }
  const ok = await editor.edit((edit) => {
    for (const selection of editor.selections) edit.replace(selection, code);
  });
  if (!ok) {
    void vscode.window.showWarningMessage(
      `The code could not be inserted into ${vscode.workspace.asRelativePath(editor.document.uri)} (is it read-only?). Use Copy instead.`,
    );
    return;
  }
  await vscode.window.showTextDocument(editor.document, editor.viewColumn);
}

/** `alisa.avatar.maxFps`, within the range the page accepts (1-120); 30 when unset or not a number. */
function avatarMaxFps(): number {
  const v = vscode.workspace.getConfiguration('alisa').get<number>('avatar.maxFps', 30);
  return Number.isFinite(v) ? Math.min(120, Math.max(1, Math.round(v))) : 30;
}
