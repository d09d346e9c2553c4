// The slash commands as the user types them (issue 16): "/" at the start of the message box opens
// a list of the commands (`/run <command>`, `/note <text>`, … and the chat's own `/do` and `/mode`),
// filtered as the command word grows, like VS Code's suggest widget. Up/Down move through it, Tab or Enter
// puts the command in the box (followed by a space, for its arguments), Escape closes it; once the
// word is followed by a space (the arguments) it closes by itself.
//
// Accessibility: the box is a combobox (aria-expanded, aria-controls, aria-activedescendant) and
// the list a listbox of options; the focus stays in the box.
import { ACTIONS, MODES, SLASH_ACTIONS, SLASH_USAGE } from '../../protocol';
import { el } from './dom';

export interface SlashCommand {
  /** The word after the slash (`run`). */
  name: string;
  /** How it is written (`/run <command>`). */
  usage: string;
  description: string;
}

/** Every command the box knows: the actions' (SLASH_USAGE, with their actions' words), then the chat's own `/do` and `/mode`. */
export const SLASH_COMMANDS: readonly SlashCommand[] = [
  ...Object.entries(SLASH_USAGE).map(([name, usage]) => {
    const action = SLASH_ACTIONS[name];
    return { name, usage, description: action ? ACTIONS[action].description : '' };
  }),
  { name: 'do', usage: '/do <what to do>', description: 'Ask Alisa to do something: she picks one action for it (and asks before it runs).' },
  { name: 'mode', usage: `/mode ${MODES.join('|')}`, description: 'Change how Alisa talks (her mode).' },
];

/** The commands that match what follows the slash: those starting with it first, then those containing it. */
export function matchCommands(word: string, commands: readonly SlashCommand[] = SLASH_COMMANDS): SlashCommand[] {
  const w = word.toLowerCase();
  const starts = commands.filter((c) => c.name.startsWith(w));
  const contains = commands.filter((c) => !c.name.startsWith(w) && c.name.includes(w));
  return [...starts, ...contains];
}

let nextId = 0;

/**
 * The keys of a list that pops up over the box and leaves it the focus (the slash commands, the
 * @-mentions): Up/Down move through it (wrapping), Enter or Tab take the active one, Escape
 * dismisses it. True when the key was the list's (the composer then does nothing with it).
 */
/**
 * The list's node: a listbox whose options are picked by click without taking the focus from the
 * message box. `pick` gets the option clicked (the element matching `optionSelector`).
 */
export function popupListbox(id: string, className: string, label: string, optionSelector: string, pick: (option: HTMLElement) => void): HTMLElement {
  const node = el('div', { id, class: className, role: 'listbox', 'aria-label': label, hidden: true });
  // A click on an option must not take the focus from the box.
  node.addEventListener('mousedown', (ev) => ev.preventDefault());
  node.addEventListener('click', (ev) => {
    const option = (ev.target as Element | null)?.closest?.<HTMLElement>(optionSelector);
    if (option) pick(option);
  });
  return node;
}

export function popupListKey(ev: KeyboardEvent, count: number, on: { move: (by: 1 | -1) => void; accept: () => void; dismiss: () => void }): boolean {
  if (count === 0 || ev.altKey || ev.ctrlKey || ev.metaKey || ev.isComposing) return false;
  if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') on.move(ev.key === 'ArrowDown' ? 1 : -1);
  else if ((ev.key === 'Enter' || ev.key === 'Tab') && !ev.shiftKey) on.accept();
  else if (ev.key === 'Escape') on.dismiss();
  else return false;
  ev.preventDefault();
  ev.stopPropagation();
  return true;
}

/** A popup list shows `options` (`active` highlighted): the box, its combobox, says so. */
export function showPopupList(input: HTMLTextAreaElement, list: HTMLElement, options: readonly HTMLElement[], active: number): void {
  list.replaceChildren(...options);
  list.hidden = false;
  // The box controls this list (the slash commands and the @-mentions take turns).
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'true');
  const shown = options[active];
  if (shown) {
    input.setAttribute('aria-activedescendant', shown.id);
    shown.scrollIntoView?.({ block: 'nearest' });
  }
}

/** A popup list closed: the box's combobox says so. */
export function hidePopupList(input: HTMLTextAreaElement, list: HTMLElement): void {
  list.hidden = true;
  list.replaceChildren();
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
}

export class SlashHintsView {
  readonly node: HTMLElement;
  private shown: SlashCommand[] = [];
  private active = 0;
  /** Escape closed the list: it stays closed until the box no longer starts a command. */
  private dismissed = false;
  private readonly idPrefix = `slash-hint-${++nextId}`;

  constructor(
    private readonly input: HTMLTextAreaElement,
    /** Puts a command into the box (the composer's setValue, so the draft follows). */
    private readonly setValue: (text: string) => void,
  ) {
    this.node = popupListbox(this.idPrefix, 'slash-hints', 'Slash commands', '[data-command]', (option) => {
      const command = this.shown.find((c) => c.name === option.dataset.command);
      if (command) this.accept(command);
    });
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', this.idPrefix);
    input.setAttribute('aria-expanded', 'false');
  }

  get open(): boolean {
    return !this.node.hidden;
  }

  /** The commands listed now (their names), in order. */
  get listed(): string[] {
    return this.open ? this.shown.map((c) => c.name) : [];
  }

  /** The box changed (the user typed): list the commands that match, or close. */
  update(): void {
    const value = this.input.value;
    const m = /^\/([a-z]*)$/i.exec(value);
    if (!value.startsWith('/')) this.dismissed = false;
    if (!m || this.dismissed) return this.close();
    const matches = matchCommands(m[1]!);
    if (matches.length === 0) return this.close();
    const before = this.shown[this.active]?.name;
    this.shown = matches;
    const keep = matches.findIndex((c) => c.name === before);
    this.active = keep >= 0 ? keep : 0;
    this.render();
  }

  close(): void {
    if (this.node.hidden && this.shown.length === 0) return;
    this.shown = [];
    hidePopupList(this.input, this.node);
  }

  /** A key in the box: true when the list used it (the composer then does nothing with it). */
  onKeyDown(ev: KeyboardEvent): boolean {
    if (!this.open) return false;
    const n = this.shown.length;
    return popupListKey(ev, n, {
      move: (by) => {
        this.active = (this.active + by + n) % n;
        this.render();
      },
      accept: () => this.accept(this.shown[this.active]!),
      dismiss: () => {
        this.dismissed = true;
        this.close();
      },
    });
  }

  private accept(command: SlashCommand): void {
    this.setValue(`/${command.name} `);
    this.close();
    this.input.focus();
    const end = this.input.value.length;
    this.input.setSelectionRange(end, end);
  }

  private render(): void {
    const typed = /^\/([a-z]*)$/i.exec(this.input.value)?.[1]?.toLowerCase() ?? '';
    const options = this.shown.map((c, i) => {
      const at = typed ? c.name.indexOf(typed) : -1;
      // The usage, with the typed letters of the command word marked (as the suggest widget does).
      const usage =
        at >= 0
          ? [
              `/${c.name.slice(0, at)}`,
              el('mark', { class: 'slash-hint-match', text: c.name.slice(at, at + typed.length) }),
              c.usage.slice(1 + at + typed.length),
            ]
          : [c.usage];
      return el(
        'div',
        {
          id: `${this.idPrefix}-${c.name}`,
          class: 'slash-hint',
          role: 'option',
          'aria-selected': String(i === this.active),
          'data-command': c.name,
        },
        el('span', { class: 'slash-hint-usage' }, ...usage),
        c.description ? el('span', { class: 'slash-hint-description', text: c.description }) : null,
      );
    });
    showPopupList(this.input, this.node, options, this.active);
  }
}
