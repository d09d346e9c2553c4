// @vitest-environment happy-dom
// The panel says when Alisa sees only part of the editor's problems: the companion's
// `context.state` carries what the last diagnostics update left out (issue 13).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { ActivityState } from '../protocol';
import { App } from '../webview/ui/app';
import { contextNoticeText } from '../webview/ui/context-notice-view';
import { FakeHost } from './helpers/fake-host';
import { mountPanelBody } from './helpers/panel';

const state = (patch: Partial<ActivityState> = {}): ActivityState => ({
  activity: 'coding',
  language: 'typescript',
  file: 'src/a.ts',
  broken: true,
  summary: 'x',
  ...patch,
});
/** The shared fake host, with no answers (the notice needs none): the test plays the companion. */
let host: FakeHost;
const notice = () => document.querySelector<HTMLElement>('.context-notice')!;

beforeEach(() => {
  mountPanelBody();
  host = new FakeHost();
  new App(host, document.querySelector<HTMLElement>('#app')!);
  host.connection('ready');
});

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the context notice', () => {
  it('shows what was left out, and goes when nothing is or the companion is gone', () => {
    expect(notice().hidden).toBe(true);
    host.emit({
      type: 'context.state',
      state: state({ diagnosticsTruncated: { files: 1960, diagnostics: 48_900, totalFiles: 2000, totalDiagnostics: 50_000 } }),
    });
    expect(notice().hidden).toBe(false);
    expect(notice().getAttribute('role')).toBe('status');
    expect(notice().textContent).toBe(
      'Showing Alisa 40 of 2,000 files with problems (1,100 of 50,000 problems in full): too many to send, the rest only as counts.',
    );
    host.emit({ type: 'context.state', state: state() });
    expect(notice().hidden).toBe(true);
    host.emit({ type: 'context.state', state: state({ diagnosticsTruncated: { files: 0, diagnostics: 10, totalFiles: 1, totalDiagnostics: 60 } }) });
    expect(notice().textContent).toBe('Showing Alisa 50 of 60 problems in full: at most 50 per file are sent.');
    host.connection('stopped');
    expect(notice().hidden).toBe(true);
  });

  it('words nothing when nothing was left out', () => {
    expect(contextNoticeText(null)).toBeNull();
    expect(contextNoticeText({ files: 0, diagnostics: 0, totalFiles: 3, totalDiagnostics: 9 })).toBeNull();
  });
});
