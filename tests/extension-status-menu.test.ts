// Alisa's one status bar item (extension/status-menu.ts): which features earn an icon, which
// colour wins, what the tooltip says, and the menu's actions, from the features' real looks
// (screen-logic, voice-logic, rhythm-logic). The item and its menu in the fake VS Code are
// covered in extension-rhythm and extension-voice; the real status bar in the e2e suite.
import { describe, expect, it } from 'vitest';
import { combineLook, menuEntries, type Indicator } from '../extension/status-menu';
import { idleStatusLook, presenceStatusLook } from '../extension/rhythm/rhythm-logic';
import { screenStatusLook } from '../extension/screen/screen-logic';
import { voiceListeningLook, voiceMuteLook } from '../extension/voice/voice-logic';

const ready = { text: '$(comment-discussion) Alisa', tooltip: 'Alisa is ready (tiny.gguf).' };
const warning = { text: '$(warning) Alisa', tooltip: 'The model could not be loaded.', background: 'warning' as const };
const look = (text: string, command: string, background?: 'warning') => ({
  text,
  tooltip: `${text} words. Click to do it.`,
  command,
  ...(background ? { background } : {}),
});

describe('one status item', () => {
  it('is just her state while nothing needs a glance', () => {
    const quiet: Indicator[] = [
      { id: 'camera', look: null },
      { id: 'screen', look: null },
      { id: 'listening', look: null },
      { id: 'voice', look: look('$(unmute)', 'alisa.voice.toggleMute') },
      { id: 'doNotDisturb', look: look('$(bell)', 'alisa.idle.toggleDoNotDisturb') },
    ];
    const c = combineLook(ready, quiet);
    expect(c.text).toBe('$(comment-discussion) Alisa');
    expect(c.background).toBeUndefined();
    // The tooltip still says each known feature, without the old items' "Click to..." lines.
    expect(c.tooltip).toEqual(['Alisa is ready (tiny.gguf).', '$(unmute) words.', '$(bell) words.']);
  });

  it('adds an icon for the camera, the screen, listening, muted and Do not disturb, in that order', () => {
    const busy: Indicator[] = [
      { id: 'camera', look: look('$(device-camera) Camera', 'alisa.presence.pause') },
      { id: 'screen', look: look('$(eye) Screen', 'alisa.screen.pause') },
      { id: 'listening', look: look('$(record) Listening…', 'alisa.voice.pushToTalk') },
      { id: 'voice', look: look('$(mute)', 'alisa.voice.toggleMute') },
      { id: 'doNotDisturb', look: look('$(bell-slash) Do not disturb', 'alisa.idle.toggleDoNotDisturb') },
    ];
    expect(combineLook(ready, busy).text).toBe('$(comment-discussion) Alisa $(device-camera) $(eye) $(record) $(mute) $(bell-slash)');
  });

  it("takes the worst colour: a feature's warning shows on a ready item, her error beats it", () => {
    const failing: Indicator[] = [{ id: 'screen', look: look('$(eye-closed) Screen', 'alisa.screen.toggle', 'warning') }];
    expect(combineLook(ready, failing).background).toBe('warning');
    expect(combineLook({ ...warning, background: 'error' }, failing).background).toBe('error');
    expect(combineLook(warning, []).background).toBe('warning');
  });

  it("works with the features' real looks", () => {
    const inds: Indicator[] = [
      { id: 'camera', look: presenceStatusLook({ enabled: true, active: true, paused: false, state: 'present', error: null } as never) },
      { id: 'screen', look: screenStatusLook(null) },
      { id: 'listening', look: voiceListeningLook({ listening: true, handsFree: false } as never) },
      { id: 'voice', look: voiceMuteLook({ muted: true, tts: [], lastEngine: null } as never) },
      { id: 'doNotDisturb', look: idleStatusLook({ doNotDisturb: false, chattiness: 1, quietReason: null } as never) },
    ];
    const c = combineLook(ready, inds);
    expect(c.text).toBe('$(comment-discussion) Alisa $(device-camera) $(record) $(mute)');
    const menu = menuEntries({ failed: false }, inds);
    expect(menu.map((e) => [e.label, e.command])).toEqual([
      ['$(comment-discussion) Open the chat', 'alisa.openChat'],
      ['$(debug-pause) Pause the camera', 'alisa.presence.pause'],
      ['$(debug-stop) Stop listening', 'alisa.voice.pushToTalk'],
      ['$(unmute) Unmute her voice', 'alisa.voice.toggleMute'],
      ['$(bell-slash) Do not disturb', 'alisa.idle.toggleDoNotDisturb'],
      ['$(output) Show logs', 'alisa.showLogs'],
      ['$(gear) Settings', 'alisa.openSettings'],
    ]);
  });

  it('offers a restart first when she failed, and turning a failing feature off', () => {
    const menu = menuEntries({ failed: true }, [{ id: 'camera', look: look('$(device-camera) Camera', 'alisa.presence.toggle', 'warning') }]);
    expect(menu[0]).toMatchObject({ label: '$(debug-restart) Restart Alisa', command: 'alisa.restartCompanion' });
    expect(menu[2]).toMatchObject({ label: '$(circle-slash) Turn off webcam presence', command: 'alisa.presence.toggle' });
  });
});
