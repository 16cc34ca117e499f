// A Chrome DevTools Protocol client for Node's inspector: typed requests with timeouts, events by method name.

import { EventEmitter } from 'events';
import { ArrayLensError } from '../core/errors';
import { WebSocketClient } from './websocket';

/** The parts of CDP's Runtime.RemoteObject the backend reads. */
export interface RemoteObject {
  type: string;
  subtype?: string;
  className?: string;
  value?: unknown;
  unserializableValue?: string;
  description?: string;
  objectId?: string;
}

export interface ExceptionDetails {
  text: string;
  exception?: RemoteObject;
}

export interface EvaluateResult {
  result: RemoteObject;
  exceptionDetails?: ExceptionDetails;
}

export interface CallFrame {
  callFrameId: string;
  functionName: string;
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
  url: string;
  scopeChain: { type: string; object: RemoteObject; name?: string }[];
  this: RemoteObject;
}

export interface PausedEvent {
  callFrames: CallFrame[];
  reason: string;
  hitBreakpoints?: string[];
}

interface Pending {
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  method: string;
}

/** Events: every CDP event by its method name (`Debugger.paused`, ...) with its params; `close` (reason). */
export class CdpClient extends EventEmitter {
  private id = 1;
  private readonly pending = new Map<number, Pending>();
  /** Ids of acknowledgement messages not answered yet (see ackIfWaiting). */
  private readonly acks = new Set<number>();

  private constructor(private readonly ws: WebSocketClient) {
    super();
    ws.on('message', (text: string) => this.onMessage(text));
    ws.on('close', (why: string) => {
      const err = new ArrayLensError('program-ended', `the Node inspector connection closed (${why})`);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      this.pending.clear();
      this.emit('close', why);
    });
  }

  static async connect(url: string): Promise<CdpClient> {
    try {
      return new CdpClient(await WebSocketClient.connect(url));
    } catch (e) {
      throw new ArrayLensError('debugger-failed', `cannot connect to Node's inspector at ${url}: ${(e as Error).message}`);
    }
  }

  get isOpen(): boolean {
    return this.ws.isOpen;
  }

  send<T = unknown>(method: string, params: object = {}, timeoutMs = 60000): Promise<T> {
    if (!this.ws.isOpen) return Promise.reject(new ArrayLensError('program-ended', 'the Node inspector connection is closed'));
    const id = this.id++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ArrayLensError('timeout', `Node's inspector did not answer ${method} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer, method });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Resolves with the params of the next `method` event for which `accept` holds. */
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
    if (this.pending.size === 0 || !this.ws.isOpen || this.acks.size > 8) return;
    const id = this.id++;
    this.acks.add(id);
    this.ws.send(`{"id":${id},"method":"ArrayLens.ack"}`);
  }

  close(): void {
    this.ws.close();
  }

  private onMessage(text: string): void {
    let msg: { id?: number; method?: string; params?: unknown; result?: unknown; error?: { code: number; message: string; data?: string } };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof msg.id === 'number' && this.acks.delete(msg.id)) {
      /* the answer to an acknowledgement: nothing to do */
    } else if (typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error)
        p.reject(new ArrayLensError('debugger-failed', `${p.method}: ${msg.error.message}${msg.error.data ? ` (${msg.error.data})` : ''}`));
      else p.resolve(msg.result);
    } else if (msg.method) this.emit(msg.method, msg.params);
    this.ackIfWaiting();
  }
}
