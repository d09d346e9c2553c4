// `{{char}}` and `{{user}}` in a character card's text (SillyTavern's macros, any case): resolved
// where the text is used (her prompt in the companion, her greeting in the panel), never stored
// resolved, so an exported card gives back what was imported.

export function expandMacros(text: string, charName: string, userName = 'the user'): string {
  return text.replace(/\{\{char\}\}/gi, charName).replace(/\{\{user\}\}/gi, userName);
}
