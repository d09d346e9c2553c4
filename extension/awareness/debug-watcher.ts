// A debug session stopped on an exception: the exception's message and the top stack frame,
// asked of the debug adapter (`exceptionInfo`, `stackTrace`) when it reports the stop.
import { LIMITS } from './limits';
import * as vscode from 'vscode';
import type { ContextUpdate, DebugStop } from '../../protocol/context';
import { capHead } from './privacy';
import { sendableFsPath, sendablePathOf } from './workspace-privacy';

interface StoppedEvent {
  type: 'event';
  event: 'stopped';
  body?: { reason?: string; threadId?: number; description?: string; text?: string };
}

const isExceptionStop = (m: unknown): m is StoppedEvent => {
  const e = m as StoppedEvent | null;
  return !!e && e.type === 'event' && e.event === 'stopped' && e.body?.reason === 'exception';
};

/**
 * The sendable path of a stack frame's `source.path`. Locally that is a file system path, but a
 * `customRequest` answer passes through the workbench, which in a remote window (code-server,
 * Remote-SSH, WSL) turns it into a URI string, `vscode-remote://authority/abs/path`, while this
 * extension host (on the remote) sees its workspace folders as `file:` URIs.
 */
function sendableFramePath(p: string): string | null {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(p)) return sendableFsPath(p);
  const uri = vscode.Uri.parse(p);
  return sendablePathOf(uri) ?? (uri.scheme === 'vscode-remote' ? sendablePathOf(vscode.Uri.file(uri.path)) : null);
}

export class DebugWatcher implements vscode.Disposable {
  private readonly registration: vscode.Disposable;

  constructor(private readonly emit: (u: ContextUpdate) => void) {
    this.registration = vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: unknown) => {
          if (isExceptionStop(m)) void this.onException(session, m);
        },
      }),
    });
  }

  private async onException(session: vscode.DebugSession, event: StoppedEvent): Promise<void> {
    const threadId = event.body?.threadId;
    let message = event.body?.text ?? event.body?.description ?? 'Exception';
    if (threadId !== undefined) {
      try {
        const info = (await session.customRequest('exceptionInfo', { threadId })) as {
          exceptionId?: string;
          description?: string;
          details?: { message?: string; typeName?: string };
        };
        // js-debug answers with neither details.message nor description: its exceptionId is the
        // whole "TypeError: message" line (VS Code's exception widget falls back to it too).
        const text = info.details?.message ?? info.description ?? info.exceptionId;
        const type = info.details?.typeName ?? info.exceptionId;
        if (text) message = type && !text.startsWith(type) ? `${type}: ${text}` : text;
      } catch {
        // Not every adapter answers exceptionInfo; the stop event's text stands.
      }
    }
    let topFrame: DebugStop['topFrame'] = null;
    if (threadId !== undefined) {
      try {
        const trace = (await session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 1 })) as {
          stackFrames?: Array<{ name: string; line?: number; source?: { path?: string } }>;
        };
        const f = trace.stackFrames?.[0];
        if (f) {
          const path = f.source?.path ? sendableFramePath(f.source.path) : null;
          // A frame in an excluded or outside file is named, without its place.
          topFrame = {
            name: capHead(f.name, 200),
            path: path === null ? null : capHead(path, LIMITS.path),
            line: path !== null && typeof f.line === 'number' ? f.line : null,
          };
        }
      } catch {
        // No stack: the message alone.
      }
    }
    this.emit({ debugStop: { exceptionMessage: capHead(message, LIMITS.message), topFrame, at: Date.now() } });
  }

  dispose(): void {
    this.registration.dispose();
  }
}
