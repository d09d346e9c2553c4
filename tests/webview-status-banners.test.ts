import { describe, expect, it } from 'vitest';
import type { HostState, ModelState, Status } from '../protocol';
import { computeBanners } from '../webview/status/status-banners';
import { hostState } from './helpers/webview-fixtures';

/** A ready VS Code host.state with every action; `patch` changes any of it. */
const host = (patch: Partial<HostState> = {}): HostState => hostState(patch);
const status = (model: Partial<ModelState> = {}): Status => ({
  version: '0.1.0',
  protocolVersion: 1,
  model: { provider: 'embedded', state: 'ready', model: 'm.gguf', progress: null, error: null, ...model },
  providers: [],
  database: { state: 'ready', path: '/data/alisa.db', error: null },
  mode: 'teasing',
  characterId: 1,
});
const labels = (b: { actions: { label: string }[] }) => b.actions.map((a) => a.label);

describe('status banners', () => {
  it('says nothing when all is well', () => {
    expect(computeBanners(host(), status())).toEqual([]);
  });

  it('offers to choose or download a model when there is none', () => {
    const [b] = computeBanners(host({ modelConfigured: false }), status({ state: 'none', model: null }));
    expect(b).toMatchObject({ title: 'No model yet', kind: 'info' });
    expect(b!.actions.map((a) => a.action)).toEqual(['chooseModelFile', 'downloadModel']);
    expect(labels(b!)).toEqual(['Choose file', 'Download']);
  });

  it('asks before a download, with the figures, and offers Download or a file', () => {
    const message =
      'Alisa has no language model on this machine yet. Downloading X from huggingface.co takes 1.9 GB; 40.0 GB is free on that disk; it needs about 2.6 GB of RAM (this machine has 16.0 GB, 9.0 GB free).';
    const [b] = computeBanners(host(), status({ state: 'none', error: { code: 'model_download_required', message, action: 'Say yes to the download.' } }));
    expect(b).toMatchObject({ kind: 'info', title: 'Alisa needs a model: download it?' });
    expect(b!.detail).toContain('1.9 GB');
    expect(b!.detail).toContain('RAM');
    expect(labels(b!)).toEqual(['Download', 'Choose file']);
  });

  it('shows download progress with Cancel', () => {
    const [b] = computeBanners(host(), status({ state: 'downloading', progress: 0.42 }));
    expect(b).toMatchObject({ kind: 'progress', progress: 0.42 });
    expect(b!.actions).toEqual([{ action: 'cancelDownload', label: 'Cancel' }]);
  });

  it('explains a model error in its own words with the fixes', () => {
    const [b] = computeBanners(
      host(),
      status({ state: 'error', error: { code: 'model_invalid', message: 'The file is not a GGUF model.', action: 'Choose a .gguf file.' } }),
    );
    expect(b).toMatchObject({ kind: 'error', title: 'That file is not a model Alisa can use', detail: 'The file is not a GGUF model. Choose a .gguf file.' });
    expect(labels(b!)).toEqual(['Choose file', 'Show logs', 'Restart']);
  });

  it('only offers what the host can do', () => {
    const browser = host({ host: 'browser', actions: ['downloadModel', 'cancelDownload'] });
    const [none] = computeBanners(browser, status({ state: 'none' }));
    expect(labels(none!)).toEqual(['Download']);
    const [error] = computeBanners(browser, status({ state: 'error', error: { code: 'model_missing', message: 'Gone.' } }));
    expect(error!.actions).toEqual([]);
  });

  it('reports a restarting or failed companion', () => {
    const [restarting] = computeBanners(host({ connection: 'restarting', message: 'Restarting Alisa (attempt 2 of 5)…' }), status());
    expect(restarting).toMatchObject({ kind: 'warning', title: 'Alisa is restarting', detail: 'Restarting Alisa (attempt 2 of 5)…' });
    const failed = computeBanners(
      host({ connection: 'failed', error: { code: 'internal', message: 'She crashed 5 times.', action: 'Look at the logs.' } }),
      status(),
    );
    expect(failed).toHaveLength(1); // the model's state is stale while disconnected
    expect(failed[0]).toMatchObject({ kind: 'error', title: 'Alisa stopped', detail: 'She crashed 5 times. Look at the logs.' });
    expect(labels(failed[0]!)).toEqual(['Restart', 'Show logs', 'Settings']);
  });

  it('says it is starting before the host has spoken', () => {
    expect(computeBanners(null, null)).toMatchObject([{ kind: 'progress', title: 'Starting Alisa…' }]);
  });

  it('warns that a damaged database was moved aside, naming where the old one is kept', () => {
    const s = status();
    s.database = {
      state: 'ready',
      path: '/d/alisa.db',
      error: null,
      recovered: {
        movedTo: '/d/alisa.db.corrupt-1',
        message: 'It was damaged, so Alisa moved it to /d/alisa.db.corrupt-1.',
        action: 'Your old history is kept there.',
      },
    };
    expect(computeBanners(host(), s)).toMatchObject([
      { id: 'database', kind: 'warning', detail: 'It was damaged, so Alisa moved it to /d/alisa.db.corrupt-1. Your old history is kept there.' },
    ]);
    s.database = { ...s.database, recovered: null };
    expect(computeBanners(host(), s)).toEqual([]);
  });

  it('reports a database that cannot be opened', () => {
    const s = status();
    s.database = { state: 'error', path: '/d/alisa.db', error: { code: 'database_locked', message: 'Another Alisa holds the database.', action: 'Close it.' } };
    expect(computeBanners(host(), s)).toMatchObject([{ id: 'database', kind: 'error', detail: 'Another Alisa holds the database. Close it.' }]);
  });
});
