// What the panel says about the connection and the model, in words for the user, each with the
// actions that fix it. Pure: computed from the host's `host.state` and the companion's status.
// Only actions the host can carry out (host.state.actions) are offered. An error's raw output
// (`details`) rides along for the view's folded "Details".
import type { ErrorCode, ErrorInfo, HostState, Status, UiAction } from '../../protocol';
import { errorText, joinSentences } from '../../common/sentences';

export type BannerKind = 'info' | 'progress' | 'warning' | 'error';

export interface BannerAction {
  action: UiAction;
  label: string;
}

export interface Banner {
  /** Stable per situation, so the view can update a banner in place (progress). */
  id: string;
  kind: BannerKind;
  title: string;
  detail: string | null;
  /** Raw output behind an error (a tool's exit lines), shown folded under "Details". */
  details?: string | null;
  /** 0..1 for a determinate progress bar; null for an indeterminate one. */
  progress?: number | null;
  actions: BannerAction[];
}

const LABELS: Record<UiAction, string> = {
  chooseModelFile: 'Choose file',
  downloadModel: 'Download',
  cancelDownload: 'Cancel',
  openSettings: 'Settings',
  showLogs: 'Show logs',
  restartCompanion: 'Restart',
  setApiKey: 'Set API key',
  importCharacterCard: 'Import character card',
  exportCharacterCard: 'Export character card',
  importAvatar: 'Import avatar',
};

const MODEL_ERROR_TITLES: Partial<Record<ErrorCode, string>> = {
  model_missing: 'The model file was not found',
  model_invalid: 'That file is not a model Alisa can use',
  model_download_failed: 'The model download failed',
  model_download_required: 'Alisa needs a model: download it?',
  model_loading: 'The model is still loading',
  llm_unreachable: 'The model server does not answer',
  llm_failed: 'The model stopped working',
  no_provider: 'No model is set up',
  network_blocked: 'Alisa did not connect to another machine (alisa.network)',
};

function actions(allowed: readonly UiAction[], wanted: UiAction[], labels: Partial<Record<UiAction, string>> = {}): BannerAction[] {
  return wanted.filter((a) => allowed.includes(a)).map((action) => ({ action, label: labels[action] ?? LABELS[action] }));
}

function detailOf(e: ErrorInfo): string {
  return errorText(e);
}

function connectionBanner(h: HostState): Banner | null {
  const allowed = h.actions;
  switch (h.connection) {
    case 'starting':
    case 'connecting':
      return { id: 'connection', kind: 'progress', title: h.message ?? 'Starting Alisa…', detail: null, progress: null, actions: [] };
    case 'restarting':
      return {
        id: 'connection',
        kind: 'warning',
        title: 'Alisa is restarting',
        detail: h.message ?? (h.error ? detailOf(h.error) : 'She will be back in a moment.'),
        details: h.error?.details ?? null,
        actions: actions(allowed, ['showLogs']),
      };
    case 'failed':
      // In a browser tab nothing restarts her: the error itself is the headline ("This link's
      // token is not valid any more.", "Alisa's companion is not running."), its action the detail.
      if (h.host === 'browser' && h.error) {
        return {
          id: 'connection',
          kind: 'error',
          title: h.error.message,
          detail: h.error.action ?? null,
          details: h.error.details ?? null,
          actions: actions(allowed, ['restartCompanion']),
        };
      }
      return {
        id: 'connection',
        kind: 'error',
        title: 'Alisa stopped',
        detail: h.error ? detailOf(h.error) : (h.message ?? 'The companion could not be started.'),
        details: h.error?.details ?? null,
        actions: actions(allowed, ['restartCompanion', 'showLogs', 'openSettings']),
      };
    case 'stopped':
      return {
        id: 'connection',
        kind: 'info',
        title: 'Alisa is stopped',
        detail: h.message,
        actions: actions(allowed, ['restartCompanion']),
      };
    case 'ready':
      return null;
  }
}

function modelBanner(h: HostState, s: Status): Banner | null {
  const allowed = h.actions;
  const m = s.model;
  if (m.error) {
    const wanted: UiAction[] =
      m.error.code === 'llm_unreachable'
        ? ['openSettings', 'setApiKey', 'showLogs', 'restartCompanion']
        : m.error.code === 'model_download_failed'
          ? ['downloadModel', 'chooseModelFile', 'showLogs', 'restartCompanion']
          : m.error.code === 'model_download_required'
            ? ['downloadModel', 'chooseModelFile']
            : m.error.code === 'network_blocked'
              ? ['chooseModelFile', 'openSettings', 'downloadModel']
              : ['chooseModelFile', 'showLogs', 'restartCompanion'];
    return {
      id: 'model',
      kind: m.error.code === 'model_download_required' ? 'info' : 'error',
      title: MODEL_ERROR_TITLES[m.error.code] ?? 'The model could not be loaded',
      detail: detailOf(m.error),
      details: m.error.details ?? null,
      actions: actions(allowed, wanted, m.error.code === 'model_download_required' ? {} : { downloadModel: 'Try again' }),
    };
  }
  switch (m.state) {
    case 'none':
      return {
        id: 'model',
        kind: 'info',
        title: 'No model yet',
        detail: h.modelConfigured
          ? 'Alisa has a model set but has not loaded it yet.'
          : 'Alisa needs a language model to talk. Choose a GGUF file you already have, or download the recommended one (about 2 GB).',
        actions: actions(allowed, ['chooseModelFile', 'downloadModel']),
      };
    case 'downloading':
      return {
        id: 'model',
        kind: 'progress',
        title: 'Downloading the model…',
        detail: m.model ? `${m.model}. You can keep using VS Code; a cancelled download resumes later.` : null,
        progress: m.progress,
        actions: actions(allowed, ['cancelDownload']),
      };
    case 'loading':
      return { id: 'model', kind: 'progress', title: 'Loading the model…', detail: m.model, progress: m.progress, actions: [] };
    case 'error':
      return {
        id: 'model',
        kind: 'error',
        title: 'The model could not be loaded',
        detail: null,
        actions: actions(allowed, ['chooseModelFile', 'showLogs', 'restartCompanion']),
      };
    case 'ready':
      return null;
  }
}

function databaseBanner(h: HostState, s: Status): Banner | null {
  const recovered = s.database.recovered;
  if (s.database.state !== 'error' && recovered) {
    // A damaged file was moved aside at start (kept, never deleted): a fresh memory is in use.
    return {
      id: 'database',
      kind: 'warning',
      title: 'Alisa found her memory damaged and started a new one',
      detail: joinSentences(recovered.message, recovered.action),
      actions: actions(h.actions, ['showLogs']),
    };
  }
  if (s.database.state !== 'error') return null;
  return {
    id: 'database',
    kind: 'error',
    title: 'Alisa cannot reach her memory',
    detail: s.database.error ? detailOf(s.database.error) : `The database at ${s.database.path} could not be opened.`,
    details: s.database.error?.details ?? null,
    actions: actions(h.actions, ['showLogs', 'restartCompanion']),
  };
}

/** The banners to show, most important first. */
export function computeBanners(host: HostState | null, status: Status | null): Banner[] {
  if (!host) return [{ id: 'connection', kind: 'progress', title: 'Starting Alisa…', detail: null, progress: null, actions: [] }];
  const out: Banner[] = [];
  const connection = connectionBanner(host);
  if (connection) out.push(connection);
  if (host.connection === 'ready') {
    if (host.error) {
      out.push({
        id: 'host',
        kind: 'error',
        title: host.error.message,
        detail: host.error.action ?? null,
        details: host.error.details ?? null,
        actions: actions(host.actions, ['showLogs']),
      });
    } else if (host.message) {
      out.push({ id: 'host', kind: 'info', title: host.message, detail: null, actions: [] });
    }
    if (status) {
      const model = modelBanner(host, status);
      if (model) out.push(model);
      const db = databaseBanner(host, status);
      if (db) out.push(db);
    }
  }
  return out;
}
