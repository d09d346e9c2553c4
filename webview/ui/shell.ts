// The page's layout: header (persona menu, indicators, actions) with the avatar stage, the
// character editor, banners, the Memory view, chat bar, search panel, message log and composer. Builds the
// elements once and hands them to the views; behaviour lives in the views.
//
// Chrome is kept to one row so the chat keeps the height of a short sidebar:
// - In VS Code the view's title already says "Alisa" and its title bar has the "+" (New Chat
//   Session), so the page shows neither; a browser tab has no view title, so there the page has
//   its heading and its own "New chat" button.
// - Mode and character are one button ("Teasing · Alisa") opening a menu (persona-view.ts).
// - The avatar stage lives inside the header: in a tall panel it wraps onto its own row below it,
//   in a short one the stylesheet (avatar.css) shrinks it to a small face at the row's start.
import { el, iconButton } from './dom';
import { ICONS } from './icons';

export interface Shell {
  root: HTMLElement;
  /** Where the header shows indicators (the screen pill), next to the persona button. */
  headerStatus: HTMLElement;
  avatar: HTMLElement;
  avatarToggle: HTMLButtonElement;
  stage: HTMLElement;
  searchToggle: HTMLButtonElement;
  /** "Memories": opens `memoryPanel` (memory-view.ts). */
  memoryToggle: HTMLButtonElement;
  /** The page's own "New chat" button: a browser only (VS Code has it in the view's title bar). */
  newChat: HTMLButtonElement | null;
  /** "Mode · Character": opens `personaMenu`. */
  personaButton: HTMLButtonElement;
  personaMenu: HTMLElement;
  /** Where a character is created or edited (hidden until asked for). */
  characterPanel: HTMLElement;
  status: HTMLElement;
  alerts: HTMLElement;
  sessionBar: HTMLElement;
  searchPanel: HTMLElement;
  /** What Alisa remembers (hidden until asked for). */
  memoryPanel: HTMLElement;
  messages: HTMLElement;
  composer: HTMLFormElement;
}

export function buildShell(root: HTMLElement, avatarFromPage: HTMLElement | null, hostKind: 'vscode' | 'browser' = 'vscode'): Shell {
  const avatar = avatarFromPage ?? el('div', { id: 'avatar', class: 'avatar', role: 'img', 'aria-label': 'Alisa looks neutral', 'data-emotion': 'neutral' });
  const browser = hostKind === 'browser';

  const searchToggle = iconButton('Search history', ICONS.search, { id: 'search-toggle', 'aria-expanded': 'false', 'aria-controls': 'search-panel' });
  const memoryToggle = iconButton('Memories', ICONS.memory, { id: 'memory-toggle', 'aria-expanded': 'false', 'aria-controls': 'memory-panel' });
  const newChat = browser ? iconButton('New chat', ICONS.plus, { id: 'new-chat' }) : null;
  const avatarToggle = iconButton('Hide avatar', ICONS.face, { id: 'avatar-toggle', 'aria-expanded': 'true', 'aria-controls': 'stage' });
  const headerStatus = el('div', { class: 'header-status' });
  const personaButton = el('button', {
    type: 'button',
    id: 'persona-button',
    class: 'persona-button',
    'aria-haspopup': 'menu',
    'aria-expanded': 'false',
    'aria-controls': 'persona-menu',
    disabled: true,
  });
  const personaMenu = el('div', { id: 'persona-menu', class: 'persona-menu', role: 'menu', 'aria-label': 'Mode and character', hidden: true });
  const stage = el('section', { id: 'stage', class: 'stage', 'aria-label': 'Avatar' }, avatar);
  const header = el(
    'header',
    { class: 'app-header' },
    stage,
    browser ? el('h1', { class: 'app-title', text: 'Alisa' }) : null,
    el('div', { class: 'persona' }, personaButton, personaMenu),
    headerStatus,
    el('div', { class: 'header-actions' }, avatarToggle, searchToggle, memoryToggle, newChat),
  );

  const characterPanel = el('section', { id: 'character-panel', class: 'character-panel', 'aria-label': 'Character', hidden: true });
  const status = el('div', { id: 'status', class: 'banners', role: 'status', 'aria-live': 'polite' });
  const alerts = el('div', { id: 'alerts', class: 'banners', role: 'alert' });
  const sessionBar = el('div', { id: 'session-bar', class: 'session-bar' });
  const searchPanel = el('section', { id: 'search-panel', class: 'search-panel', role: 'search', 'aria-label': 'Search history', hidden: true });
  const memoryPanel = el('section', { id: 'memory-panel', class: 'memory-panel', hidden: true });
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

  root.replaceChildren(header, characterPanel, status, alerts, memoryPanel, sessionBar, searchPanel, messages, composer);
  return {
    root,
    headerStatus,
    avatar,
    avatarToggle,
    stage,
    searchToggle,
    memoryToggle,
    newChat,
    personaButton,
    personaMenu,
    characterPanel,
    status,
    alerts,
    sessionBar,
    searchPanel,
    memoryPanel,
    messages,
    composer,
  };
}
