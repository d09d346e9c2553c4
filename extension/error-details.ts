// Notifications about errors say what happened and what to do in a sentence each; the raw output
// behind them (a recorder's exit lines, a server's answer: ErrorInfo.details) is one click away,
// not in the toast. `showWithDetails` adds a "Details" button when there is raw output: it writes
// the text to Alisa's output channel (with the message it explains) and shows the channel.
// Errors from `CompanionManager.request` carry the companion's `details` (see `detailsOf`).
import * as vscode from 'vscode';
import { errorText } from '../common/sentences';

export const DETAILS_BUTTON = 'Details';

/** Where the details are written: Alisa's log channel (a LogOutputChannel in the extension). */
interface DetailsChannel {
  info(message: string): void;
  show(preserveFocus?: boolean): void;
}

type NotificationKind = 'info' | 'warning' | 'error';

/** A companion error (ErrorInfo) as an Error for the user: joined sentences, with its `code` and `details` kept. */
export function errorFromInfo(info: { code: string; message: string; action?: string; details?: string }): Error & { code: string; details?: string } {
  return Object.assign(new Error(errorText(info)), { code: info.code, ...(info.details ? { details: info.details } : {}) });
}

/** The raw output an error carries (an RpcError's info, or an Error made by CompanionManager.request). */
export function detailsOf(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const own = (err as { details?: unknown }).details;
  if (typeof own === 'string' && own.trim()) return own;
  const info = (err as { info?: { details?: unknown } }).info;
  return typeof info?.details === 'string' && info.details.trim() ? info.details : undefined;
}

/**
 * Shows `text` with `buttons`, plus "Details" when there is raw output. Resolves with the button
 * chosen among `buttons` (undefined when dismissed or when "Details" was chosen: its text is then
 * in the channel, shown).
 */
export async function showWithDetails(
  kind: NotificationKind,
  text: string,
  details: string | null | undefined,
  channel: DetailsChannel,
  ...buttons: string[]
): Promise<string | undefined> {
  const show = kind === 'error' ? vscode.window.showErrorMessage : kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const raw = details?.trim();
  const choice = await show(text, ...(raw ? [...buttons, DETAILS_BUTTON] : buttons));
  if (choice === DETAILS_BUTTON && raw) {
    channel.info(`${text}\nDetails:\n${raw}`);
    channel.show(true);
    return undefined;
  }
  return choice;
}
