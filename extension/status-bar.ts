// A status bar item that says how Alisa is doing at a glance (starting, downloading or loading
// the model with a percentage, ready, or what went wrong) and opens the chat when clicked; and a
// second one, shown only while screen understanding is on, that says whether she is looking at
// the screen (click: pause or resume); and the voice items: mute (`$(unmute)`/`$(mute)`, click
// toggles) and `$(record) Listening…` while she listens (click stops); and issue 7's: the camera
// (`$(device-camera) Camera` while webcam presence has the camera open; click pauses) and Do not
// disturb (`$(bell-slash) Do not disturb` when on, `$(bell)` when off; click toggles).
import * as vscode from 'vscode';
import type { ModelState } from '../protocol/common';
import type { ScreenStatus } from '../protocol/screen';
import type { CompanionManager } from './companion-manager';
import { screenStatusLook } from './screen/screen-logic';
import type { VoiceStatus } from '../protocol/voice';
import { voiceListeningLook, voiceMuteLook, type VoiceStatusLook } from './voice/voice-logic';
import type { IdleStatus, PresenceStatus } from '../protocol/rhythm';
import { idleStatusLook, presenceStatusLook, type StatusLook } from './rhythm/rhythm-logic';

interface Look {
  text: string;
  tooltip: string;
  background?: 'error' | 'warning';
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('alisa.status', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly manager: CompanionManager) {
    this.item.name = 'Alisa';
    this.item.command = 'alisa.openChat';
    this.disposables.push(
      this.item,
      manager.onDidChangeState(() => this.render()),
      manager.onDidReceiveEvent((e) => {
        if (e.type === 'status') this.render();
      }),
    );
    this.render();
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private render(): void {
    const look = this.look();
    this.item.text = look.text;
    this.item.tooltip = `${look.tooltip}\nClick to open the chat.`;
    this.item.backgroundColor = look.background ? new vscode.ThemeColor(`statusBarItem.${look.background}Background`) : undefined;
  }

  private look(): Look {
    const s = this.manager.state;
    switch (s.state) {
      case 'starting':
      case 'connecting':
        return { text: '$(loading~spin) Alisa', tooltip: s.message ?? 'Starting Alisa…' };
      case 'restarting':
        return { text: '$(sync~spin) Alisa', tooltip: s.message ?? 'Restarting Alisa…', background: 'warning' };
      case 'failed':
        return { text: '$(error) Alisa', tooltip: [s.message, s.error?.action].filter(Boolean).join(' '), background: 'error' };
      case 'stopped':
        return { text: '$(circle-slash) Alisa', tooltip: s.message ?? 'Alisa is stopped.' };
      case 'ready':
        return this.modelLook(this.manager.status?.model ?? null);
    }
  }

  private modelLook(model: ModelState | null): Look {
    const percent = model?.progress != null ? ` ${Math.round(model.progress * 100)}%` : '';
    const name = model?.model ?? 'the model';
    switch (model?.state) {
      case 'downloading':
        return { text: `$(cloud-download) Alisa${percent}`, tooltip: `Downloading ${name}${percent}. It resumes where it stopped if interrupted.` };
      case 'loading':
        return { text: `$(loading~spin) Alisa${percent}`, tooltip: `Loading ${name}${percent}…` };
      case 'error':
        return { text: '$(warning) Alisa', tooltip: [model.error?.message, model.error?.action].filter(Boolean).join(' ') || 'The model could not be loaded.', background: 'warning' };
      case 'ready':
        return { text: '$(comment-discussion) Alisa', tooltip: `Alisa is ready (${name}${model.provider ? `, ${model.provider}` : ''}).` };
      default:
        return this.manager.modelConfigured
          ? { text: '$(comment-discussion) Alisa', tooltip: 'Alisa is running; the model loads with the first message.' }
          : { text: '$(circle-large-outline) Alisa', tooltip: 'Alisa needs a language model: choose a GGUF file or download the recommended one.' };
    }
  }
}

/** Screen understanding at a glance: hidden while it is off, `$(eye) Screen` while Alisa looks. */
export class ScreenStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('alisa.screen', vscode.StatusBarAlignment.Right, 99);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(source: { readonly status: ScreenStatus | null; readonly onDidChange: vscode.Event<ScreenStatus | null> }) {
    this.item.name = 'Alisa Screen Understanding';
    this.disposables.push(
      this.item,
      source.onDidChange((s) => this.render(s)),
    );
    this.render(source.status);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private render(status: ScreenStatus | null): void {
    const look = screenStatusLook(status);
    if (!look) {
      this.item.hide();
      return;
    }
    this.item.text = look.text;
    this.item.tooltip = look.tooltip;
    this.item.command = look.command;
    this.item.backgroundColor = look.background ? new vscode.ThemeColor(`statusBarItem.${look.background}Background`) : undefined;
    this.item.show();
  }
}

/** Voice at a glance: the mute toggle, and "Listening…" while the companion listens. Hidden while unknown. */
export class VoiceStatusBar implements vscode.Disposable {
  private readonly mute = vscode.window.createStatusBarItem('alisa.voice.mute', vscode.StatusBarAlignment.Right, 98);
  private readonly listening = vscode.window.createStatusBarItem('alisa.voice.listening', vscode.StatusBarAlignment.Right, 97);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(source: { readonly status: VoiceStatus | null; readonly onDidChange: vscode.Event<VoiceStatus | null> }) {
    this.mute.name = "Alisa's Voice";
    this.listening.name = 'Alisa Listening';
    this.disposables.push(
      this.mute,
      this.listening,
      source.onDidChange((s) => this.render(s)),
    );
    this.render(source.status);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private render(status: VoiceStatus | null): void {
    show(this.mute, voiceMuteLook(status));
    show(this.listening, voiceListeningLook(status));
  }
}

/** Webcam presence at a glance: `$(device-camera) Camera` while the camera is open (also paused, or in error); hidden otherwise. */
export class PresenceStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('alisa.presence', vscode.StatusBarAlignment.Right, 96);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(source: { readonly status: PresenceStatus | null; readonly onDidChange: vscode.Event<PresenceStatus | null> }) {
    this.item.name = 'Alisa Webcam Presence';
    this.disposables.push(
      this.item,
      source.onDidChange((s) => show(this.item, presenceStatusLook(s))),
    );
    show(this.item, presenceStatusLook(source.status));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Do not disturb at a glance: `$(bell-slash) Do not disturb` or `$(bell)`; hidden while unknown. */
export class IdleStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('alisa.idle', vscode.StatusBarAlignment.Right, 95);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(source: { readonly status: IdleStatus | null; readonly onDidChange: vscode.Event<IdleStatus | null> }) {
    this.item.name = 'Alisa Do Not Disturb';
    this.disposables.push(
      this.item,
      source.onDidChange((s) => show(this.item, idleStatusLook(s))),
    );
    show(this.item, idleStatusLook(source.status));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function show(item: vscode.StatusBarItem, look: VoiceStatusLook | StatusLook | null): void {
  if (!look) {
    item.hide();
    return;
  }
  item.text = look.text;
  item.tooltip = look.tooltip;
  item.command = look.command;
  item.backgroundColor = 'background' in look && look.background ? new vscode.ThemeColor(`statusBarItem.${look.background}Background`) : undefined;
  item.show();
}
