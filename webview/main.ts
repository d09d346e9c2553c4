// The sidebar and browser UI. Picks its host (VS Code's webview API when present, otherwise the
// companion's WebSocket from a browser tab), builds the UI into the page, and says it is ready.
import './zod-jitless';
import type { AvatarReaction, AvatarSource, Emotion } from '../protocol';
import { setVrmScript } from './avatar/avatar-stage';
import { scriptLanguageLoader, setLanguageLoader } from './chat/highlight';
import { createBrowserHost } from './host/browser-host';
import type { Host } from './host/host';
import { createVscodeHost, vscodeApiAvailable } from './host/vscode-host';
import { App } from './ui/app';

// Read while this script runs (currentScript is null afterwards): the syntax-highlighting
// languages are scripts beside it (dist/hljs/), allowed by the same nonce.
const pageScript = document.currentScript as HTMLScriptElement | null;
if (pageScript?.src && pageScript.nonce) setLanguageLoader(scriptLanguageLoader(window, pageScript.src, pageScript.nonce));
// The 3D avatar's renderer (three.js) is a script beside this one too, loaded when a model is chosen.
if (pageScript?.src && pageScript.nonce) setVrmScript(window, pageScript.src, pageScript.nonce);

interface AvatarHook {
  setAudioLevel(level: number): void;
  setEmotion(emotion: Emotion): void;
  setSpeaking(speaking: boolean): void;
  react(kind: AvatarReaction): void;
  setSource(source: AvatarSource | null): Promise<void>;
}

function start(): void {
  const host: Host = vscodeApiAvailable() ? createVscodeHost(window) : createBrowserHost(window);
  const root = document.getElementById('app') ?? document.body;
  const app = new App(host, root);
  // The voice drives the mouth itself (SpeechPlayer); this hook stays for trying the avatar by hand
  // (levels, emotions, reactions, another model) and for the avatar's pixel tests and bench.
  (window as unknown as { alisaAvatar?: AvatarHook }).alisaAvatar = {
    setAudioLevel: (level) => app.avatar.setAudioLevel(level),
    setEmotion: (emotion) => app.avatar.setEmotion(emotion),
    setSpeaking: (speaking) => app.avatar.setSpeaking(speaking),
    react: (kind) => app.avatar.react(kind),
    setSource: (source) => app.avatar.setSource(source),
  };
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
