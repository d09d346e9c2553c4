// @vitest-environment happy-dom
// The Memory view (issue 17) in the real panel, driven through the shared fake host against a
// companion that keeps a table of memories and answers `memories.*` as the protocol declares:
// the list (words for scope and source, the empty state), search (debounced, with the query),
// "Show more", inline edit (Enter saves, Escape cancels), pin, delete, "Forget everything…" (Cancel
// focused, only the confirm sends memories.clear), live `memory.changed` events, memory text kept
// as text, Export / Import (VS Code through the host's dialogs; a browser downloads), and
// "Alisa: Show Memories".
import { afterEach, describe, expect, it, vi } from 'vitest';
import './helpers/happy-dom-fixes';
import type { MemoryExport, MemoryFact, WebviewToHost } from '../protocol';
import { FakeHost } from './helpers/fake-host';
import { clearBodyAfterEach, openPanel, settle } from './helpers/panel';
import { firstRunAnswers, memoryFact } from './helpers/webview-fixtures';

const now = Date.now();

function fact(id: number, text: string, patch: Partial<MemoryFact> = {}): MemoryFact {
  return memoryFact(id, { text, createdAt: now - id * 60_000, updatedAt: now - id * 60_000, ...patch });
}

/** A companion with a memory table: lists (newest first, paged, searched), changes, forgets, exports and imports. */
class MemoryHost extends FakeHost {
  facts: MemoryFact[];
  constructor(kind: 'vscode' | 'browser' = 'vscode', facts: MemoryFact[] = []) {
    super(kind, { answers: firstRunAnswers() });
    this.facts = facts;
  }
  override answer(method: string, p: any): unknown {
    switch (method) {
      case 'memories.list': {
        const q = (p.query ?? '').toLowerCase();
        const matching = this.facts.filter((f) => f.text.toLowerCase().includes(q));
        const start = p.cursor ? Number(p.cursor) : 0;
        const end = start + (p.limit ?? 50);
        return { facts: matching.slice(start, end), total: matching.length, nextCursor: end < matching.length ? String(end) : null };
      }
      case 'memories.update': {
        const f = this.facts.find((x) => x.id === p.id);
        if (!f) throw { code: 'not_found', message: 'No such memory.' };
        Object.assign(f, 'text' in p ? { text: p.text } : {}, 'pinned' in p ? { pinned: p.pinned } : {}, 'scope' in p ? { scope: p.scope } : {});
        return { ...f };
      }
      case 'memories.delete':
        this.facts = this.facts.filter((x) => x.id !== p.id);
        return { ok: true };
      case 'memories.clear': {
        const removed = this.facts.length;
        this.facts = [];
        return { removed };
      }
      case 'memories.export':
        return exportOf(this.facts);
      case 'memories.import':
        return { added: 1, skipped: p.file.facts.length - 1, reasons: ['already remembered'] };
    }
    return undefined;
  }
}

function exportOf(facts: MemoryFact[]): MemoryExport {
  return {
    format: 'alisa-memories',
    version: 1,
    exportedAt: now,
    facts: facts.map((f) => ({
      text: f.text,
      scope: f.scope,
      workspace: f.workspace,
      workspaceName: f.workspaceName,
      source: f.source,
      confidence: f.confidence,
      pinned: f.pinned,
      createdAt: f.createdAt,
    })),
  };
}

const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel);
const $$ = (sel: string) => [...document.querySelectorAll<HTMLElement>(sel)];
const panel = () => $('#memory-panel')!;
const toggle = () => $<HTMLButtonElement>('#memory-toggle')!;
const texts = () => $$('#memory-panel .memory-text').map((e) => e.textContent);
const item = (id: number) => $(`#memory-panel [data-id="${id}"]`)!;
const summary = () => $('#memory-panel .memory-summary')!.textContent;
const lastParams = (host: FakeHost, method: Parameters<FakeHost['requests']>[0]) => host.requests(method).at(-1)?.params;
const key = (target: Element, k: string) => target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));

/** No memory is listed, the summary says `said`, and the empty-state words show or not. */
function expectNoneListed(said: string, { emptyNote }: { emptyNote: boolean }): void {
  expect(texts()).toEqual([]);
  expect(summary()).toBe(said);
  expect($('#memory-panel .memory-empty')!.hidden).toBe(!emptyNote);
}

async function openMemories(host: MemoryHost): Promise<void> {
  await openPanel(host);
  toggle().click();
  await settle();
}

const THREE = () => [
  fact(1, 'Prefers pytest over unittest'),
  fact(2, 'Works on the billing service', { scope: 'workspace', workspace: '/w', workspaceName: 'billing', source: 'model', confidence: 0.6 }),
  fact(3, 'Uses tabs', { source: 'manual', pinned: true }),
];

clearBodyAfterEach();
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('the Memory view: list', () => {
  it('opens from the header and lists what the companion answers, with scope, source and when', async () => {
    const host = new MemoryHost('vscode', [
      ...THREE(),
      fact(4, 'The fix for the flaky test was a retry', { source: 'fix' }),
      fact(5, 'Deploys on Fridays', { source: 'import' }),
    ]);
    await openPanel(host);
    expect(panel().hidden).toBe(true);
    expect(host.requests('memories.list')).toHaveLength(0);
    toggle().click();
    await settle();
    expect(panel().hidden).toBe(false);
    expect(toggle().getAttribute('aria-expanded')).toBe('true');
    expect(host.requests('memories.list')).toHaveLength(1);
    expect(texts()).toEqual([
      'Prefers pytest over unittest',
      'Works on the billing service',
      'Uses tabs',
      'The fix for the flaky test was a retry',
      'Deploys on Fridays',
    ]);
    const meta = (id: number) => item(id).querySelector('.memory-meta')!.textContent;
    expect(meta(1)).toContain('everywhere');
    expect(meta(1)).toContain('you said');
    expect(meta(2)).toContain('this workspace');
    expect(meta(2)).toContain('she noticed');
    expect(meta(3)).toContain('added by you');
    expect(meta(3)).toContain('Pinned');
    expect(meta(1)).not.toContain('Pinned');
    expect(meta(4)).toContain('a fix that worked');
    expect(meta(5)).toContain('imported');
    const time = item(1).querySelector('time')!;
    expect(time.getAttribute('datetime')).toBe(new Date(now - 60_000).toISOString());
    expect(time.textContent).toBe(new Date(now - 60_000).toLocaleDateString([], { month: 'short', day: 'numeric' }));
    expect(summary()).toBe('5 memories.');
    expect($('#memory-panel .memory-empty')!.hidden).toBe(true);
    // The search box has the focus; each action button is named and says which memory.
    expect(document.activeElement).toBe($('#memory-search'));
    const del = item(1).querySelector<HTMLButtonElement>('[data-action="delete"]')!;
    expect(del.getAttribute('aria-label')).toBe('Delete');
    expect(document.getElementById(del.getAttribute('aria-describedby')!)!.textContent).toBe('Prefers pytest over unittest');
    expect(item(3).querySelector('[data-action="pin"]')!.getAttribute('aria-pressed')).toBe('true');
    expect(item(1).querySelector('[data-action="pin"]')!.getAttribute('aria-pressed')).toBe('false');
  });

  it('with no memories, says how memories are made', async () => {
    const host = new MemoryHost('vscode', []);
    await openMemories(host);
    const empty = $('#memory-panel .memory-empty')!;
    expect(empty.hidden).toBe(false);
    expect(empty.textContent).toContain('Tell her "remember that ..."');
    expect(texts()).toEqual([]);
  });

  it('Escape closes the view and gives the focus back to its button; "Alisa: Show Memories" opens it', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    key($('#memory-search')!, 'Escape');
    expect(panel().hidden).toBe(true);
    expect(toggle().getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(toggle());
    host.emit({ type: 'host.command', command: 'showMemories' });
    await settle();
    expect(panel().hidden).toBe(false);
    expect(host.requests('memories.list')).toHaveLength(2);
    expect(texts()).toHaveLength(3);
  });

  it('"Show more" asks for the next page with the cursor and appends it', async () => {
    const many = Array.from({ length: 60 }, (_, i) => fact(i + 1, `Memory number ${i + 1}`));
    const host = new MemoryHost('vscode', many);
    await openMemories(host);
    expect(texts()).toHaveLength(50);
    const more = $<HTMLButtonElement>('#memory-panel .memory-more')!;
    expect(more.hidden).toBe(false);
    expect(summary()).toBe('60 memories.');
    more.click();
    await settle();
    expect(lastParams(host, 'memories.list')).toMatchObject({ cursor: '50' });
    expect(texts()).toHaveLength(60);
    expect(texts().at(-1)).toBe('Memory number 60');
    expect(more.hidden).toBe(true);
  });
});

describe('the Memory view: search', () => {
  it('searches after a pause with the query (one request for several keystrokes)', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    const input = $<HTMLInputElement>('#memory-search')!;
    const before = host.requests('memories.list').length;
    for (const v of ['p', 'py', 'pytest']) {
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    await settle();
    expect(host.requests('memories.list')).toHaveLength(before); // not yet: it waits for a pause
    await new Promise((r) => setTimeout(r, 320));
    await settle();
    expect(host.requests('memories.list')).toHaveLength(before + 1);
    expect(lastParams(host, 'memories.list')).toMatchObject({ query: 'pytest' });
    expect(texts()).toEqual(['Prefers pytest over unittest']);
    expect(summary()).toBe('1 memory match "pytest".');
  });

  it('a search that finds nothing says so, without the empty-state words', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    const input = $<HTMLInputElement>('#memory-search')!;
    input.value = 'kotlin';
    key(input, 'Enter');
    await settle();
    expect(lastParams(host, 'memories.list')).toMatchObject({ query: 'kotlin' });
    expectNoneListed('No memory matches "kotlin".', { emptyNote: false });
  });
});

describe('the Memory view: edit, pin, delete', () => {
  it('edits inline: Enter saves with memories.update, Escape cancels without a request', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    item(1).querySelector<HTMLButtonElement>('[data-action="edit"]')!.click();
    const area = item(1).querySelector<HTMLTextAreaElement>('textarea')!;
    expect(document.activeElement).toBe(area);
    expect(area.value).toBe('Prefers pytest over unittest');
    // Escape: the old words stay, nothing is sent, the view stays open.
    area.value = 'Something else';
    key(area, 'Escape');
    await settle();
    expect(host.requests('memories.update')).toHaveLength(0);
    expect(panel().hidden).toBe(false);
    expect(item(1).querySelector('textarea')).toBeNull();
    expect(item(1).querySelector('.memory-text')!.textContent).toBe('Prefers pytest over unittest');
    expect(document.activeElement).toBe(item(1).querySelector('[data-action="edit"]'));
    // Enter saves.
    item(1).querySelector<HTMLButtonElement>('[data-action="edit"]')!.click();
    const again = item(1).querySelector<HTMLTextAreaElement>('textarea')!;
    again.value = '  Prefers pytest with -x  ';
    key(again, 'Enter');
    await settle();
    expect(host.requests('memories.update')).toHaveLength(1);
    expect(lastParams(host, 'memories.update')).toEqual({ id: 1, text: 'Prefers pytest with -x' });
    expect(item(1).querySelector('textarea')).toBeNull();
    expect(item(1).querySelector('.memory-text')!.textContent).toBe('Prefers pytest with -x');
    expect(summary()).toBe('Saved.');
  });

  it('an open editor keeps what the user typed when another memory changes', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    item(1).querySelector<HTMLButtonElement>('[data-action="edit"]')!.click();
    item(1).querySelector<HTMLTextAreaElement>('textarea')!.value = 'A draft';
    host.emit({ type: 'memory.changed', fact: fact(7, 'Likes dark themes', { createdAt: now }) });
    host.emit({ type: 'memory.changed', fact: { ...fact(1, 'Changed elsewhere') } });
    expect(texts()[0]).toBe('Likes dark themes');
    expect(item(1).querySelector<HTMLTextAreaElement>('textarea')?.value).toBe('A draft');
    expect(document.activeElement).toBe(item(1).querySelector('textarea'));
  });

  it('pins and unpins with memories.update {pinned}', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    item(1).querySelector<HTMLButtonElement>('[data-action="pin"]')!.click();
    await settle();
    expect(lastParams(host, 'memories.update')).toEqual({ id: 1, pinned: true });
    expect(item(1).querySelector('[data-action="pin"]')!.getAttribute('aria-pressed')).toBe('true');
    expect(item(1).querySelector('.memory-meta')!.textContent).toContain('Pinned');
    item(3).querySelector<HTMLButtonElement>('[data-action="pin"]')!.click();
    await settle();
    expect(lastParams(host, 'memories.update')).toEqual({ id: 3, pinned: false });
    expect(item(3).querySelector('[data-action="pin"]')!.getAttribute('aria-pressed')).toBe('false');
  });

  it('deletes one at once with memories.delete and says "Deleted."', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    item(2).querySelector<HTMLButtonElement>('[data-action="delete"]')!.click();
    await settle();
    expect(host.requests('memories.delete').map((r) => r.params)).toEqual([{ id: 2 }]);
    expect(texts()).toEqual(['Prefers pytest over unittest', 'Uses tabs']);
    expect(summary()).toBe('Deleted.');
    // The focus stays in the list, on the memory that took its place.
    expect(document.activeElement).toBe(item(3).querySelector('[data-action="delete"]'));
  });

  it('a refused change shows why and keeps the memory', async () => {
    const host = new MemoryHost('vscode', THREE());
    host.answers['memories.delete'] = () => {
      throw { code: 'internal', message: 'The database is busy.', action: 'Try again.' };
    };
    await openMemories(host);
    item(1).querySelector<HTMLButtonElement>('[data-action="delete"]')!.click();
    await settle();
    expect(texts()).toHaveLength(3);
    const error = $('#memory-panel .memory-error')!;
    expect(error.hidden).toBe(false);
    expect(error.textContent).toBe('The memory could not be deleted: The database is busy. Try again.');
  });
});

describe('the Memory view: forget everything', () => {
  it('asks first with Cancel focused; only the confirm sends memories.clear {confirm: true}', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    const forget = $<HTMLButtonElement>('#memory-panel .memory-forget')!;
    expect(forget.textContent).toBe('Forget everything…');
    forget.click();
    await settle();
    expect(host.requests('memories.clear')).toHaveLength(0);
    const box = $('#memory-panel [role="alertdialog"]')!;
    expect(box.textContent).toContain('Forget all 3 memories?');
    const focused = document.activeElement as HTMLButtonElement;
    expect(focused.textContent).toBe('Cancel');
    expect(box.contains(focused)).toBe(true);
    // Cancel (the focused, default button): nothing is forgotten.
    focused.click();
    await settle();
    expect(host.requests('memories.clear')).toHaveLength(0);
    expect($('#memory-panel [role="alertdialog"]')).toBeNull();
    expect(document.activeElement).toBe(forget);
    expect(texts()).toHaveLength(3);
    // Escape cancels too, and leaves the view open.
    forget.click();
    key(document.activeElement!, 'Escape');
    await settle();
    expect(host.requests('memories.clear')).toHaveLength(0);
    expect(panel().hidden).toBe(false);
    // The confirm forgets.
    forget.click();
    $<HTMLButtonElement>('#memory-panel .memory-confirm-forget')!.click();
    await settle();
    expect(host.requests('memories.clear').map((r) => r.params)).toEqual([{ confirm: true }]);
    expectNoneListed('Forgot 3 memories.', { emptyNote: true });
  });
});

describe('the Memory view: live updates', () => {
  it('memory.changed adds, changes and deletes memories, and cleared empties the list', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    host.emit({ type: 'memory.changed', fact: fact(7, 'Likes dark themes', { createdAt: now }) });
    expect(texts()[0]).toBe('Likes dark themes');
    expect(texts()).toHaveLength(4);
    host.emit({ type: 'memory.changed', fact: fact(2, 'Works on the payments service', { scope: 'workspace' }) });
    expect(item(2).querySelector('.memory-text')!.textContent).toBe('Works on the payments service');
    expect(texts()).toHaveLength(4);
    host.emit({ type: 'memory.changed', deletedIds: [1, 3] });
    expect(texts()).toEqual(['Likes dark themes', 'Works on the payments service']);
    host.emit({ type: 'memory.changed', cleared: true });
    expect(texts()).toEqual([]);
    expect($('#memory-panel .memory-empty')!.hidden).toBe(false);
  });
});

describe('the Memory view: memory text is text', () => {
  it('markup in a memory is shown as characters, never as elements', async () => {
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b> & <script>x()</script>';
    const host = new MemoryHost('vscode', [fact(1, evil)]);
    await openMemories(host);
    const list = $('#memory-panel .memory-list')!;
    expect(list.querySelector('img, b, script')).toBeNull();
    expect(item(1).querySelector('.memory-text')!.textContent).toBe(evil);
    host.emit({ type: 'memory.changed', fact: fact(2, '<i>italic</i>') });
    expect(list.querySelector('i')).toBeNull();
    expect(texts()[0]).toBe('<i>italic</i>');
  });
});

describe('the Memory view: export and import', () => {
  const sentOf = <T extends WebviewToHost['type']>(host: FakeHost, type: T) =>
    host.sent.filter((m): m is Extract<WebviewToHost, { type: T }> => m.type === type);

  it('VS Code: Export asks memories.export and hands the JSON to the host to save', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    $<HTMLButtonElement>('#memory-panel .memory-export')!.click();
    await settle();
    expect(host.requests('memories.export')).toHaveLength(1);
    const [save] = sentOf(host, 'ui.saveFile');
    expect(save).toBeDefined();
    expect(save!.name).toMatch(/^alisa-memories-\d{4}-\d{2}-\d{2}\.json$/);
    expect(JSON.parse(save!.content)).toEqual(exportOf(THREE()));
    expect(summary()).not.toContain('Exported');
    host.emit({ type: 'host.file', id: save!.id, outcome: 'saved' });
    await settle();
    expect(summary()).toBe(`Exported 3 memories (${save!.name}).`);
  });

  it('VS Code: Import opens a file through the host and sends its facts with memories.import', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    const file = exportOf([fact(8, 'Prefers pytest over unittest'), fact(9, 'Uses Vim keys')]);
    $<HTMLButtonElement>('#memory-panel .memory-import')!.click();
    await settle();
    const [open] = sentOf(host, 'ui.openFile');
    expect(open).toBeDefined();
    expect(host.requests('memories.import')).toHaveLength(0);
    host.emit({ type: 'host.file', id: open!.id, outcome: 'opened', text: JSON.stringify(file) });
    await settle();
    expect(host.requests('memories.import').map((r) => r.params)).toEqual([{ file }]);
    expect(summary()).toBe('Imported 1 memory. Skipped 1 (already remembered).');
  });

  it('Import refuses a file that is not a memory export, without asking the companion', async () => {
    const host = new MemoryHost('vscode', THREE());
    await openMemories(host);
    $<HTMLButtonElement>('#memory-panel .memory-import')!.click();
    await settle();
    const [open] = sentOf(host, 'ui.openFile');
    host.emit({ type: 'host.file', id: open!.id, outcome: 'opened', text: '{"hello": "world"}' });
    await settle();
    expect(host.requests('memories.import')).toHaveLength(0);
    expect($('#memory-panel .memory-error')!.textContent).toContain('That file is not a memory export of Alisa.');
  });

  it('a browser downloads the export itself', async () => {
    const host = new MemoryHost('browser', THREE());
    const blobs: Blob[] = [];
    const createObjectURL = vi.fn((b: Blob) => {
      blobs.push(b);
      return 'blob:memories';
    });
    vi.stubGlobal('URL', Object.assign(class extends URL {}, { createObjectURL, revokeObjectURL: vi.fn() }));
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    await openMemories(host);
    $<HTMLButtonElement>('#memory-panel .memory-export')!.click();
    await settle();
    expect(host.requests('memories.export')).toHaveLength(1);
    expect(sentOf(host, 'ui.saveFile')).toHaveLength(0);
    expect(clicked).toHaveLength(1);
    expect(clicked[0]!.download).toMatch(/^alisa-memories-.*\.json$/);
    expect(clicked[0]!.getAttribute('href')).toBe('blob:memories');
    expect(JSON.parse(await blobs[0]!.text())).toEqual(exportOf(THREE()));
    expect(summary()).toMatch(/^Exported 3 memories/);
  });
});
