// Work that may take a while: a cancellable progress notification appears only if it lasts over a second.

import * as vscode from 'vscode';
import { ArrayLensError } from '../src/core/errors';

export async function withDelayedProgress<T>(title: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const running = work(abort.signal);
  let done = false;
  const timer = setTimeout(() => {
    if (done) return;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_p, token) => {
      token.onCancellationRequested(() => abort.abort());
      return running.then(
        () => undefined,
        () => undefined,
      );
    });
  }, 1000);
  try {
    const cancelled = new Promise<never>((_, reject) =>
      abort.signal.addEventListener('abort', () => reject(new ArrayLensError('cancelled', `${title}: cancelled`))),
    );
    return await Promise.race([running, cancelled]);
  } finally {
    done = true;
    clearTimeout(timer);
  }
}

/** An error message with the one thing the user can do next, when we know it. */
export function explain(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof ArrayLensError) {
    switch (e.code) {
      case 'debugger-missing':
        return msg;
      case 'stale':
      case 'program-ended':
        return `${msg}. Stop the program at a breakpoint and try again.`;
      case 'unreadable':
        return `${msg}. If the debuggee runs as another user or ptrace is restricted, set "arraylens.transport" to "memfd" or "evaluate".`;
      default:
        return msg;
    }
  }
  return msg;
}
