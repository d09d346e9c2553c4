// The page's layout: header, avatar stage, banners, chat bar, search panel, message log and
// composer. Builds the elements once and hands them to the views; behaviour lives in the views.
import { MODES } from '../../protocol';
import { el, iconButton } from './dom';
import { ICONS } from './icons';

export interface Shell {
  root: HTMLElement;
  /** Where the header shows indicators (the screen pill), next to the title. */
  headerStatus: HTMLElement;
  avatar: HTMLElement;
  avatarToggle: HTMLButtonElement;
  stage: HTMLElement;
  searchToggle: HTMLButtonElement;
  newChat: HTMLButtonElement;
  modeSelect: HTMLSelectElement;
  characterSelect: HTMLSelectElement;
  status: HTMLElement;
  alerts: HTMLElement;
  sessionBar: HTMLElement;
  searchPanel: HTMLElement;
  messages: HTMLElement;
  composer: HTMLFormElement;
}

const MODE_LABELS: Record<(typeof MODES)[number], string> = { teasing: 'Teasing', serious: 'Serious', calm: 'Calm' };

export function buildShell(root: HTMLElement, avatarFromPage: HTMLElement | null): Shell {
  const avatar =
    avatarFromPage ?? el('div', { id: 'avatar', class: 'avatar', role: 'img', 'aria-label': 'Alisa looks neutral', 'data-emotion': 'neutral' });

  const searchToggle = iconButton('Search history', ICONS.search, { id: 'search-toggle', 'aria-expanded': 'false', 'aria-controls': 'search-panel' });
  const newChat = iconButton('New chat', ICONS.plus, { id: 'new-chat' });
  const avatarToggle = iconButton('Hide avatar', ICONS.face, { id: 'avatar-toggle', 'aria-expanded': 'true', 'aria-controls': 'avatar' });
  const headerStatus = el('div', { class: 'header-status' });
  const header = el(
    'header',
    { class: 'app-header' },
    el('h1', { class: 'app-title', text: 'Alisa' }),
    headerStatus,
    el('div', { class: 'header-actions' }, avatarToggle, searchToggle, newChat),
  );

  const modeSelect = el('select', { id: 'mode-select', class: 'select', 'aria-label': 'Mode' });
  for (const mode of MODES) modeSelect.append(el('option', { value: mode, text: MODE_LABELS[mode] }));
  const characterSelect = el('select', { id: 'character-select', class: 'select', 'aria-label': 'Character' });
  const stage = el(
    'section',
    { id: 'stage', class: 'stage', 'aria-label': 'Alisa' },
    avatar,
    el(
      'div',
      { class: 'persona-controls' },
      el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'Mode' }), modeSelect),
      el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'Character' }), characterSelect),
    ),
  );

  const status = el('div', { id: 'status', class: 'banners', role: 'status', 'aria-live': 'polite' });
  const alerts = el('div', { id: 'alerts', class: 'banners', role: 'alert' });
  const sessionBar = el('div', { id: 'session-bar', class: 'session-bar' });
  const searchPanel = el('section', { id: 'search-panel', class: 'search-panel', role: 'search', 'aria-label': 'Search history', hidden: true });
  const messages = el('div', {
    id: 'messages',
    class: 'messages',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': 'Conversation',
    'aria-relevant': 'additions text',
    tabindex: 0,
  });
  const composer = el('form', { id: 'composer', class: 'composer', 'aria-label': 'Message' });

  root.replaceChildren(header, stage, status, alerts, sessionBar, searchPanel, messages, composer);
  return { root, headerStatus, avatar, avatarToggle, stage, searchToggle, newChat, modeSelect, characterSelect, status, alerts, sessionBar, searchPanel, messages, composer };
}
