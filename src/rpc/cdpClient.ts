// A Chrome DevTools Protocol client for Node's inspector over the `ws` package: requests typed from devtools-protocol
// (ProtocolMapping), with timeouts and cancellation from the shared pending table, events by method name.

import { EventEmitter } from 'events';
import type { Protocol } from 'devtools-protocol';
import type { ProtocolMapping } from 'devtools-protocol/types/protocol-mapping';
import WebSocket from 'ws';
import { ArrayLensError } from '../core/errors';
import { PendingRequests, RequestOptions } from './pending';

// The protocol's own types under the names the Node backend has always used.
export type RemoteObject = Protocol.Runtime.RemoteObject;
export type ExceptionDetails = Protocol.Runtime.ExceptionDetails;
export type EvaluateResult = Protocol.Debugger.EvaluateOnCallFrameResponse;
export type CallFrame = Protocol.Debugger.CallFrame;
export type PausedEvent = Protocol.Debugger.PausedEvent;

export type CdpMethod = keyof ProtocolMapping.Commands;
export type CdpParams<M extends CdpMethod> = ProtocolMapping.Commands[M]['paramsType'];
/** The params argument of `send`: none (or `{}`) for a method without params, optional where the protocol says so. */
type CdpParamsArg<M extends CdpMethod> = CdpParams<M> extends [] ? [params?: Record<string, never>] : CdpParams<M>;
export type CdpResult<M extends CdpMethod> = ProtocolMapping.Commands[M]['returnType'];
export type CdpEventName = keyof ProtocolMapping.Events;
export type CdpEvent<E extends CdpEventName> = ProtocolMapping.Events[E][0];

/** Events: every CDP event by its method name (`Debugger.paused`, ...) with its params; `close` (reason). */
export class CdpClient extends EventEmitter {
  private readonly pending = new PendingRequests("Node's inspector", 60000);
  /** Ids of acknowledgement messages not answered yet (see ackIfWaiting). */
  private readonly acks = new Set<number>();
  private closed = false;

  private constructor(private readonly ws: WebSocket) {
    super();
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) this.onMessage(rawText(data));
    });
    ws.on('close', (code: number, reason: Buffer) => this.ended(reason.length ? reason.toString('utf8') : code === 1006 ? 'connection closed' : `code ${code}`));
    // 'close' follows every 'error' (a reset, a bad frame, invalid UTF-8); the message says which.
    ws.on('error', (e: Error) => this.ended(e.message));
  }

  /** Connects to `ws://host:port/path`; rejects when the handshake fails or takes longer than `timeoutMs`. */
  static connect(url: string, timeoutMs = 10000): Promise<CdpClient> {
    const failed = (why: string): ArrayLensError => new ArrayLensError('debugger-failed', `cannot connect to Node's inspector at ${url}: ${why}`);
    return new Promise<CdpClient>((resolve, reject) => {
      let ws: WebSocket;
      try {
        // Node's inspector speaks no compression; `ws` turns Nagle off on its socket (small requests would wait ~40 ms).
        ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs, maxPayload: 512 << 20 });
      } catch (e) {
        reject(failed((e as Error).message));
        return;
      }
      const onError = (e: Error): void => reject(failed(e.message));
      ws.once('error', onError);
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        reject(failed(`the handshake answered HTTP ${res.statusCode}`));
      });
      ws.once('open', () => {
        ws.off('error', onError);
        resolve(new CdpClient(ws));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  send<M extends CdpMethod>(method: M, ...rest: [...params: CdpParamsArg<M>, timeoutMs?: number]): Promise<CdpResult<M>>;
  send<T = unknown>(method: string, params?: object, timeoutMs?: number): Promise<T>;
  send<T>(method: string, params: object = {}, timeoutMs = 60000): Promise<T> {
    return this.sendWith<T>(method, params, { timeoutMs });
  }

  /** A request with the pending table's options: a timeout, and an AbortSignal that cancels the wait. */
  sendWith<T = unknown>(method: string, params: object, opts: RequestOptions): Promise<T> {
    if (!this.isOpen) return Promise.reject(new ArrayLensError('program-ended', 'the Node inspector connection is closed'));
    return this.pending.start<T>(method, (id) => this.ws.send(JSON.stringify({ id, method, params })), opts);
  }

  /** Resolves with the params of the next `method` event for which `accept` holds. */
  waitEvent<E extends CdpEventName>(method: E, timeoutMs: number, accept?: (p: CdpEvent<E>) => boolean): Promise<CdpEvent<E>>;
  waitEvent<T>(method: string, timeoutMs: number, accept?: (p: T) => boolean): Promise<T>;
  waitEvent<T>(method: string, timeoutMs: number, accept: (p: T) => boolean = () => true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const on = (p: T): void => {
        if (!accept(p)) return;
        cleanup();
        resolve(p);
      };
      const onClose = (why: string): void => {
        cleanup();
        reject(new ArrayLensError('program-ended', `the Node inspector connection closed (${why})`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new ArrayLensError('timeout', `no ${method} from Node's inspector within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off(method, on);
        this.off('close', onClose);
      };
      this.on(method, on);
      this.once('close', onClose);
    });
  }

  /**
   * While paused, Node's inspector writes each evaluation's Debugger.scriptParsed event and then its answer as two
   * small TCP segments; with Nagle on its side and delayed ACKs on ours the answer waited ~40 ms every time
   * (measured: 45 ms per round trip instead of ~1 ms). Sending any text on receipt carries our ACK at once, so when
   * answers are awaited we answer every message with a tiny unknown-method message (answered with an error we
   * drop). The inspector handles messages in order, so acknowledgements never outnumber pending answers by much.
   * Node's inspector closes the connection on WebSocket pong frames, so a control frame cannot do this.
   */
  private ackIfWaiting(): void {
    if (this.pending.size === 0 || !this.isOpen || this.acks.size > 8) return;
    const id = this.pending.nextId();
    this.acks.add(id);
    this.ws.send(`{"id":${id},"method":"ArrayLens.ack"}`);
  }

  /** Closes the connection; what waits is failed at once (the closing handshake is not waited for). */
  close(): void {
    if (this.closed) return;
    this.ws.close(1000);
    // A peer that never answers the close frame: drop the socket after a moment.
    setTimeout(() => this.ws.terminate(), 1000).unref();
    this.ended('closed by us');
  }

  private ended(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.rejectAll(new ArrayLensError('program-ended', `the Node inspector connection closed (${why})`));
    this.emit('close', why);
  }

  /**
   * One text frame from the inspector. Anything that is not a CDP message (not JSON, not an object, an event name
   * that is not `Domain.event`) is dropped: 'error' or 'close' from the peer must not reach EventEmitter's own meanings.
   */
  private onMessage(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
    const msg = parsed as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };
    if (typeof msg.id === 'number' && this.acks.delete(msg.id)) {
      /* the answer to an acknowledgement: nothing to do */
    } else if (typeof msg.id === 'number') {
      const { error, result } = msg;
      if (error !== undefined && error !== null) this.pending.reject(msg.id, (method) => new ArrayLensError('debugger-failed', `${method}: ${cdpErrorText(error)}`));
      else if (typeof result !== 'object' || result === null || Array.isArray(result))
        this.pending.reject(
          msg.id,
          (method) => new ArrayLensError('debugger-failed', `${method}: Node's inspector answered without a result object (${clip(JSON.stringify(result) ?? 'nothing')}): is the peer Node's inspector?`),
        );
      else this.pending.resolve(msg.id, result);
    } else if (typeof msg.method === 'string' && CDP_EVENT_NAME.test(msg.method)) this.emit(msg.method, msg.params);
    this.ackIfWaiting();
  }
}

/** CDP event names are `Domain.event` (Debugger.paused, NodeWorker.attachedToWorker). */
const CDP_EVENT_NAME = /^[A-Z][A-Za-z]*\.[a-z][A-Za-z]*$/;

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}

/** A CDP error's text: its message (and data), or what arrived when it is not CDP's {code, message} shape. */
function cdpErrorText(error: unknown): string {
  const e = error as { message?: unknown; data?: unknown };
  if (typeof error === 'object' && typeof e.message === 'string' && e.message)
    return `${clip(e.message)}${typeof e.data === 'string' && e.data ? ` (${clip(e.data)})` : ''}`;
  return `Node's inspector answered with a malformed error (${clip(JSON.stringify(error) ?? String(error))})`;
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
