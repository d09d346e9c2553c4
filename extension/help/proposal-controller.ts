// Alisa's open proposals and what the user can do with them, where the diff is: Apply and Discard
// in the diff editor's title bar (contributes.menus "editor/title", shown while the modified side
// is on the `alisa-proposal` scheme), "Apply this change" / "Discard" CodeLenses on every hunk,
// the commands alisa.applyProposal / alisa.discardProposal (in the palette while a proposal is
// open: context key `alisa.proposalOpen`) and Ctrl+Enter / Ctrl+Shift+Backspace while a proposal
// diff is the active editor (`alisa.proposalActive`). They stay until the user decides; closing
// the diff tab discards. Nothing changes in a file without one of those clicks.
//
// Every change to a file is one WorkspaceEdit (one undo step), re-checked against the file's
// current text first (proposal-model.ts: an edit inside the region since the proposal refuses
// instead of overwriting), and recorded in the RevertLedger so "Alisa: Revert Alisa's Last Change"
// can undo it after the diff is gone. Files outside the workspace are never touched.
import * as vscode from 'vscode';
import type { Hunk, LineEdit } from './line-diff';
import type { SignedDiagnostic } from '../../common/fix-signature';
import type { AppliedFix } from './fix-recorder';
import { applyLineEdit, splitLines } from './line-diff';
import { proposalLanguageFor } from './proposal-languages';
import {
  afterApplyingHunk,
  afterDiscardingHunk,
  applyAllEdit,
  applyHunkEdit,
  hunksOf,
  locateRegion,
  proposedLines,
  type RegionProposal,
} from './proposal-model';
import { PROPOSAL_SCHEME, type ProposalProvider } from './proposal-provider';
import { type AppliedChange, changedSinceMessage, fingerprintOf, NOTHING_TO_REVERT, planRevert, type RevertLedger } from './revert-ledger';

export const PROPOSAL_COMMANDS = {
  apply: 'alisa.applyProposal',
  discard: 'alisa.discardProposal',
  applyHunk: 'alisa.applyProposalHunk',
  discardHunk: 'alisa.discardProposalHunk',
  revertLastChange: 'alisa.revertLastChange',
  revertChange: 'alisa.revertChange',
} as const;

const CONTEXT_OPEN = 'alisa.proposalOpen';
const CONTEXT_ACTIVE = 'alisa.proposalActive';

/** A checked proposal, ready to show: lines `region.start`.. of `uri` as the file holds them and as she proposes them. */
export interface ProposalDraft {
  uri: vscode.Uri;
  /** Workspace-relative path. */
  path: string;
  name: string;
  languageId: string;
  region: RegionProposal;
  /** The diagnostic this proposal fixes (FixFlow): once applied, the fix recorder waits for it to go away. */
  fixOf?: SignedDiagnostic;
}

/** What FixFlow needs: show a proposal and leave the decision to the user. */
export interface ProposalOpener {
  open(draft: ProposalDraft): Promise<void>;
}

interface OpenProposal {
  proposalUri: vscode.Uri;
  target: vscode.Uri;
  path: string;
  name: string;
  region: RegionProposal;
  fixOf?: SignedDiagnostic;
  /** Bumped on every change of the hunks, so a CodeLens click on a stale lens is recognised. */
  generation: number;
  /** The status bar hint shown while it is open. */
  hint?: vscode.Disposable;
}

const eolOf = (doc: vscode.TextDocument): '\n' | '\r\n' => (doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n');

export class ProposalController implements ProposalOpener, vscode.CodeLensProvider, vscode.Disposable {
  private readonly open_ = new Map<string, OpenProposal>();
  /** Proposals whose diff tab this controller is closing (their tab-close event is not a discard). */
  private readonly closing = new Set<string>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly appliedEmitter = new vscode.EventEmitter<AppliedFix>();
  /** Every change of hers that landed in a file (the memory of fixes listens: fix-recorder.ts). */
  readonly onDidApply = this.appliedEmitter.event;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly provider: ProposalProvider,
    private readonly ledger: RevertLedger,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.disposables = [
      this.lensesChanged,
      this.appliedEmitter,
      vscode.languages.registerCodeLensProvider({ scheme: PROPOSAL_SCHEME }, this),
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        // The user closed a proposal's diff: that is a discard (nothing was changed).
        for (const tab of e.closed) {
          const key = tab.input instanceof vscode.TabInputTextDiff ? tab.input.modified.toString() : null;
          if (key && this.open_.has(key) && !this.closing.has(key) && !this.hasTab(key)) this.forget(key);
        }
        this.updateContext();
      }),
      vscode.window.tabGroups.onDidChangeTabGroups(() => this.updateContext()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        for (const p of this.open_.values()) if (p.target.toString() === e.document.uri.toString()) this.refresh(p, e.document);
      }),
    ];
    this.updateContext();
  }

  async open(draft: ProposalDraft): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(draft.uri);
    const lines = splitLines(doc.getText());
    const at = locateRegion(lines, draft.region) ?? draft.region.start;
    const proposalUri = this.provider.add(draft.path, proposedLines(lines, at, draft.region).join(eolOf(doc)));
    const p: OpenProposal = {
      proposalUri,
      target: draft.uri,
      path: draft.path,
      name: draft.name,
      region: draft.region,
      generation: 0,
      ...(draft.fixOf ? { fixOf: draft.fixOf } : {}),
    };
    this.open_.set(proposalUri.toString(), p);
    // Its own language before any editor shows it: no language server checks it (see proposal-languages.ts).
    const language = proposalLanguageFor(draft.languageId);
    if (language) {
      const proposalDoc = await vscode.workspace.openTextDocument(proposalUri);
      await vscode.languages
        .setTextDocumentLanguage(proposalDoc, language)
        .then(undefined, (err: unknown) => this.log(`proposal language ${language}: ${String(err)}`));
    }
    await vscode.commands.executeCommand('vscode.diff', draft.uri, proposalUri, `Alisa's fix: ${draft.name} ↔ proposed`, { preview: false });
    this.updateContext();
    p.hint = vscode.window.setStatusBarMessage(`Alisa's fix for ${draft.name} is open: Apply or Discard it in the diff's title bar.`, 10_000);
  }

  /** "Apply": every remaining hunk, as one edit, then the diff closes. `arg`: the proposal's URI (from the title bar) or nothing (the active one). */
  async applyAll(arg?: unknown): Promise<void> {
    const p = this.find(arg);
    if (!p) return void vscode.window.showInformationMessage('There is no open proposal from Alisa to apply. Ask her to fix an error first.');
    const at = await this.locate(p);
    if (!at) return;
    const ok = await this.commit(p, at.doc, applyAllEdit(at.doc.getText(), at.at, p.region, eolOf(at.doc)));
    if (!ok) return;
    await this.settle(p);
    await vscode.window.showTextDocument(at.doc, { preview: false });
    vscode.window.setStatusBarMessage(`$(check) Applied Alisa's fix to ${p.name}. "Alisa: Revert Alisa's Last Change" undoes it.`, 5000);
  }

  /** "Discard": closes the diff; the file stays as it is. */
  async discardAll(arg?: unknown): Promise<void> {
    const p = this.find(arg);
    if (!p) return void vscode.window.showInformationMessage('There is no open proposal from Alisa to discard, so nothing changed.');
    await this.settle(p);
    vscode.window.setStatusBarMessage(`Discarded Alisa's fix for ${p.name}.`, 3000);
  }

  /** "Apply this change" on one hunk; the rest of the proposal stays open. */
  async applyHunk(key: unknown, generation: unknown, index: unknown): Promise<void> {
    const found = this.hunkAt(key, generation, index);
    if (!found) return;
    const { p, hunk } = found;
    const at = await this.locate(p);
    if (!at) return;
    const ok = await this.commit(p, at.doc, applyHunkEdit(at.doc.getText(), at.at, hunk, eolOf(at.doc)));
    if (!ok) return;
    p.region = afterApplyingHunk(p.region, hunk, at.at);
    await this.afterHunk(p);
  }

  /** "Discard" on one hunk: her proposal loses that change; the file is not touched. */
  async discardHunk(key: unknown, generation: unknown, index: unknown): Promise<void> {
    const found = this.hunkAt(key, generation, index);
    if (!found) return;
    found.p.region = afterDiscardingHunk(found.p.region, found.hunk);
    await this.afterHunk(found.p);
  }

  /** "Alisa: Revert Alisa's Last Change": undoes her most recent edit while the file is exactly as she left it. */
  async revertLast(): Promise<void> {
    const change = this.ledger.last();
    if (!change) return void vscode.window.showInformationMessage(NOTHING_TO_REVERT);
    await this.revert(change);
  }

  /** "Alisa: Revert One of Alisa's Changes…": her edits in this window, newest first; the chosen one is undone if its file is still as she left it. */
  async revertChosen(): Promise<void> {
    const changes = this.ledger.all();
    if (changes.length === 0) return void vscode.window.showInformationMessage(NOTHING_TO_REVERT);
    const pick = await vscode.window.showQuickPick(
      changes.map((change, i) => ({ label: change.name, description: i === 0 ? 'her latest change' : `${i} change(s) before the latest`, change })),
      { title: "Revert One of Alisa's Changes", placeHolder: 'Which change should be undone? (only while the file is as she left it)' },
    );
    if (pick) await this.revert(pick.change);
  }

  private async revert(change: AppliedChange): Promise<void> {
    const uri = vscode.Uri.parse(change.uri);
    if (!vscode.workspace.getWorkspaceFolder(uri)) {
      this.ledger.remove(change);
      return void vscode.window.showWarningMessage(
        `Alisa cannot revert her change to ${change.name}: it is no longer in the workspace. Open its folder, or use the Timeline view.`,
      );
    }
    let doc: vscode.TextDocument;
    try {
      doc = await vscode.workspace.openTextDocument(uri);
    } catch {
      this.ledger.remove(change);
      return void vscode.window.showWarningMessage(
        `Alisa cannot revert her change: ${change.name} is gone. Restore it from version control or the Timeline view.`,
      );
    }
    const plan = planRevert(doc.getText(), change);
    if (!plan.ok) return void vscode.window.showWarningMessage(changedSinceMessage(change.name));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(doc.positionAt(plan.offset), doc.positionAt(plan.offset + plan.length)), plan.text);
    if (!(await vscode.workspace.applyEdit(edit))) {
      return void vscode.window.showErrorMessage(
        `Alisa could not revert her change to ${change.name}: VS Code refused the edit. Check that the file is not read-only, then try again.`,
      );
    }
    this.ledger.remove(change);
    await vscode.window.showTextDocument(doc, { preview: false });
    vscode.window.setStatusBarMessage(`$(discard) Reverted Alisa's change to ${change.name}.`, 5000);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const p = this.open_.get(document.uri.toString());
    if (!p) return [];
    const lines = splitLines(document.getText());
    // Lines above the region are the file's own in the proposal too.
    const target = vscode.workspace.textDocuments.find((d) => d.uri.toString() === p.target.toString());
    const at = target ? (locateRegion(splitLines(target.getText()), p.region) ?? p.region.start) : p.region.start;
    const key = p.proposalUri.toString();
    return hunksOf(p.region).flatMap((h, index) => {
      const line = Math.max(0, Math.min(at + h.newStart, lines.length - 1));
      const range = new vscode.Range(line, 0, line, 0);
      const args = [key, p.generation, index];
      return [
        new vscode.CodeLens(range, { title: '$(check) Apply this change', command: PROPOSAL_COMMANDS.applyHunk, arguments: args }),
        new vscode.CodeLens(range, { title: '$(close) Discard', command: PROPOSAL_COMMANDS.discardHunk, arguments: args }),
      ];
    });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const key of [...this.open_.keys()]) this.forget(key);
  }

  // ---- internals

  /** The proposal `arg` names (a URI or its string), else the active diff's, else the only one open. */
  private find(arg: unknown): OpenProposal | null {
    const key = arg instanceof vscode.Uri ? arg.toString() : typeof arg === 'string' ? arg : null;
    if (key) return this.open_.get(key) ?? null;
    const active = this.activeKey();
    if (active) return this.open_.get(active) ?? null;
    return this.open_.size === 1 ? [...this.open_.values()][0]! : null;
  }

  private hunkAt(key: unknown, generation: unknown, index: unknown): { p: OpenProposal; hunk: Hunk } | null {
    const p = this.find(key);
    if (!p) {
      void vscode.window.showInformationMessage('That proposal from Alisa is already closed. Ask her again if you still want it.');
      return null;
    }
    const hunk = typeof index === 'number' ? hunksOf(p.region)[index] : undefined;
    if (p.generation !== generation || !hunk) {
      this.lensesChanged.fire();
      void vscode.window.showInformationMessage('That change moved while you clicked. Click it again.');
      return null;
    }
    return { p, hunk };
  }

  /** The target document and where the region is in it now, or null (after saying why) when it cannot be changed. */
  private async locate(p: OpenProposal): Promise<{ doc: vscode.TextDocument; at: number } | null> {
    if (!vscode.workspace.getWorkspaceFolder(p.target)) {
      void vscode.window.showWarningMessage(`Alisa does not change ${p.name}: it is not in the workspace. Discard the proposal and edit the file by hand.`);
      return null;
    }
    const doc = await vscode.workspace.openTextDocument(p.target);
    const at = locateRegion(splitLines(doc.getText()), p.region);
    if (at === null) {
      void vscode.window.showWarningMessage(`Alisa's proposal no longer applies: ${p.name} changed where her fix goes. Discard it and ask her again.`);
      return null;
    }
    return { doc, at };
  }

  /** Applies `edit` to the target as one WorkspaceEdit and records it for revert; false (after saying why) when VS Code refused it. */
  private async commit(p: OpenProposal, doc: vscode.TextDocument, edit: LineEdit): Promise<boolean> {
    const before = doc.getText();
    const diagnosticsBefore = vscode.languages.getDiagnostics(p.target);
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.replace(p.target, new vscode.Range(doc.positionAt(edit.offset), doc.positionAt(edit.offset + edit.oldText.length)), edit.newText);
    if (!(await vscode.workspace.applyEdit(workspaceEdit))) {
      void vscode.window.showErrorMessage(
        `Alisa's fix could not be applied to ${p.name}: VS Code refused the edit. Check that the file is not read-only, then try again.`,
      );
      return false;
    }
    const after = doc.getText();
    // Recorded as it landed: the same text as computed, unless something else edited at the same moment.
    const expected = applyLineEdit(before, edit);
    if (after !== expected) this.log(`applied fix to ${p.name}, but the document differs from the expected result`);
    this.ledger.record({
      uri: p.target.toString(),
      name: p.name,
      offset: edit.offset,
      oldText: edit.oldText,
      newText: edit.newText,
      versionAfter: doc.version,
      fingerprint: fingerprintOf(after),
    });
    this.appliedEmitter.fire({
      uri: p.target,
      path: p.path,
      oldText: edit.oldText,
      newText: edit.newText,
      before: diagnosticsBefore,
      ...(p.fixOf ? { fixOf: p.fixOf } : {}),
    });
    return true;
  }

  private async afterHunk(p: OpenProposal): Promise<void> {
    p.generation++;
    if (hunksOf(p.region).length === 0) {
      await this.settle(p);
      return;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === p.target.toString());
    if (doc) this.refresh(p, doc);
    this.lensesChanged.fire();
  }

  /** Shows the proposal against the file as it is now (lines outside the region follow the file). */
  private refresh(p: OpenProposal, doc: vscode.TextDocument): void {
    const lines = splitLines(doc.getText());
    const at = locateRegion(lines, p.region);
    if (at === null) return;
    this.provider.update(p.proposalUri, proposedLines(lines, at, p.region).join(eolOf(doc)));
    this.lensesChanged.fire();
  }

  /** Done with `p`: its diff tab closes and the proposal is forgotten. */
  private async settle(p: OpenProposal): Promise<void> {
    const key = p.proposalUri.toString();
    this.closing.add(key);
    try {
      const tabs = this.tabsOf(key);
      if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
    } finally {
      this.closing.delete(key);
      this.forget(key);
    }
  }

  private forget(key: string): void {
    const p = this.open_.get(key);
    if (!p) return;
    this.open_.delete(key);
    p.hint?.dispose();
    this.provider.remove(p.proposalUri);
    this.lensesChanged.fire();
    this.updateContext();
  }

  private tabsOf(key: string): vscode.Tab[] {
    return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === key);
  }

  private hasTab(key: string): boolean {
    return this.tabsOf(key).length > 0;
  }

  private activeKey(): string | null {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    return input instanceof vscode.TabInputTextDiff && input.modified.scheme === PROPOSAL_SCHEME ? input.modified.toString() : null;
  }

  private updateContext(): void {
    const active = this.activeKey();
    void vscode.commands.executeCommand('setContext', CONTEXT_OPEN, this.open_.size > 0);
    void vscode.commands.executeCommand('setContext', CONTEXT_ACTIVE, active !== null && this.open_.has(active));
  }
}
