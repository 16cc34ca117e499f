// Node programs under VS Code's built-in JavaScript debugger (js-debug): a second inspector session through the CDP
// proxy js-debug hands out per debug session (its `requestCDPProxy`), made into a DebugTarget on demand. js-debug
// replays the current `Debugger.paused` to a proxy client that enables the Debugger domain, so NodeTarget.attach sees
// the stop the user sees. No vscode import: the host passes a function that asks js-debug for the address.

import { ArrayLensError } from '../../core/errors';
import { StridedView } from '../../core/view';
import { Transport, TransportKind } from '../../transport/transport';
import { ArrayHandle, DebugTarget } from '../../engine/target';
import { NodeTarget } from './target';

/** What js-debug's requestCDPProxy answers: a WebSocket server (path since js-debug 1.53). */
export interface CdpProxyAddress {
  host: string;
  port: number;
  path?: string;
}

export function proxyUrl(a: CdpProxyAddress): string {
  const host = a.host.includes(':') && !a.host.startsWith('[') ? `[${a.host}]` : a.host;
  return `ws://${host}:${a.port}${a.path ?? ''}`;
}

/**
 * The paused frame of a js-debug session, attached at first use. Arrays are those of the top frame of the pause
 * (the CDP proxy names no DAP frame); closing detaches and leaves the program as js-debug holds it.
 */
export class JsDebugNodeTarget implements DebugTarget {
  readonly language = 'node' as const;
  private attached: Promise<NodeTarget> | null = null;
  private target: NodeTarget | null = null;
  private closed = false;

  constructor(
    private readonly requestProxy: () => Promise<CdpProxyAddress | undefined>,
    private readonly timeoutMs = 15000,
  ) {}

  get pid(): number | undefined {
    return this.target?.pid;
  }

  private node(): Promise<NodeTarget> {
    if (this.closed) return Promise.reject(new ArrayLensError('stale', 'the program moved on: arrays are read at the next stop'));
    this.attached ??= (async () => {
      const address = await this.requestProxy();
      if (!address || typeof address.port !== 'number')
        throw new ArrayLensError('debugger-failed', 'the JavaScript debugger gave no CDP endpoint for this session (js-debug requestCDPProxy): update VS Code, or use `npx arraylens inspect -- node program.js`');
      const t = await NodeTarget.attach({ url: proxyUrl(address), timeoutMs: this.timeoutMs }).catch((e: Error) => {
        throw e instanceof ArrayLensError && e.code === 'timeout'
          ? new ArrayLensError('timeout', 'the JavaScript debugger reported no pause on its CDP proxy: stop at a breakpoint first')
          : e;
      });
      this.target = t; // a close() meanwhile awaits this promise and detaches
      return t;
    })();
    return this.attached;
  }

  async resolve(expr: string): Promise<ArrayHandle> {
    return (await this.node()).resolve(expr);
  }

  async listArrays(): Promise<ArrayHandle[]> {
    return (await this.node()).listArrays();
  }

  async transport(kind: 'auto' | TransportKind, probe: StridedView): Promise<Transport> {
    return (await this.node()).transport(kind, probe);
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.attached;
    this.attached = null;
    const t = await pending?.catch(() => null);
    await t?.close();
  }
}
