// The webview's end of the protocol: requests with ids and timeouts, validated host messages, and nothing else.

import {
  HostMessage,
  HostNotification,
  RequestParams,
  RequestResult,
  WebviewMessage,
  WebviewMethod,
  parseHostMessage,
} from '../src/protocol/webview';

export interface VsCodeApi {
  postMessage(msg: unknown): void;
}

/** performance.now() when the newest host message arrived (before validation): where "after the data is read" starts. */
export const received = { at: 0 };

export class RequestFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class HostConnection {
  private nextId = 1;
  private readonly pending = new Map<number, { method: WebviewMethod; resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly api: VsCodeApi,
    private readonly onNotification: (n: HostNotification) => void,
    private readonly onRejected: (message: string) => void,
  ) {
    window.addEventListener('message', (e: MessageEvent) => this.receive(e.data));
  }

  private send(m: WebviewMessage): void {
    this.api.postMessage(m);
  }

  notify<M extends 'ready' | 'rejected'>(method: M, params: M extends 'ready' ? Record<string, never> : { message: string }): void {
    this.send({ type: 'notify', method, params } as WebviewMessage);
  }

  request<M extends WebviewMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (r: unknown) => void, reject });
      this.send({ type: 'request', id, method, params } as WebviewMessage);
    });
  }

  /** Everything that arrives on window 'message' is untrusted until parseHostMessage accepts it. */
  private receive(data: unknown): void {
    received.at = performance.now();
    let m: HostMessage;
    try {
      m = parseHostMessage(data);
    } catch (e) {
      const message = `rejected a malformed message from the host: ${(e as Error).message}`;
      this.onRejected(message);
      this.notify('rejected', { message });
      return;
    }
    if (m.type === 'notify') {
      this.onNotification(m);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p || p.method !== m.method) {
      const message = `rejected a response to unknown request ${m.id} (${m.method})`;
      this.onRejected(message);
      this.notify('rejected', { message });
      return;
    }
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new RequestFailed(m.error.code, m.error.message));
  }
}
