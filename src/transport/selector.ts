// Chooses how to read a stopped debuggee's memory, with one rule for every backend: the backend lists its
// transports fastest first, and the first that opens and reads the probe wins; the choice and why are recorded.

import { ArrayLensError } from '../core/errors';
import { StridedView, elementCount } from '../core/view';
import { DirectTransport } from './direct';
import { Transport, TransportKind } from './transport';

/** A transport that cannot be used: why, and whether asking again later may give another answer. */
export interface Unavailable {
  unavailable: string;
  /** Not known yet (e.g. nothing to check direct reads against): the choice made without it is not kept. */
  later?: boolean;
}

export interface TransportCandidate {
  readonly kind: TransportKind;
  /** Why this one is used when it works, e.g. '/proc/PID/mem readable'. */
  readonly reason: string;
  /** What to ask for instead when this one was asked for explicitly and cannot be used (e.g. 'use --transport dap'). */
  readonly instead?: string;
  open(): Promise<Transport | Unavailable> | Transport | Unavailable;
}

/** Which transport was chosen and why (the reasons of faster ones that failed included). */
export interface TransportChoice {
  kind: TransportKind;
  reason: string;
}

function isUnavailable(x: Transport | Unavailable): x is Unavailable {
  return typeof (x as Unavailable).unavailable === 'string';
}

/** Reads the probe's first element: the cheapest read that proves the path works for this array. */
async function readProbe(t: Transport, probe: StridedView): Promise<void> {
  if (elementCount(probe.shape) === 0) return;
  if (t.readRange) await t.readRange(probe.address, Math.max(1, probe.dtype.itemsize));
  else await t.readView({ address: probe.address, dtype: probe.dtype, shape: [1], strides: [probe.dtype.itemsize] });
}

export class TransportSelector {
  private readonly cache = new Map<'auto' | TransportKind, Transport>();
  private readonly opened = new Set<Transport>();
  /** The last choice made (null before any). */
  lastChoice: TransportChoice | null = null;

  /**
   * `debuggerName`: names the debugger in messages; `candidates`: fastest first; `refused`: the message for a kind this
   * backend never offers (debugpy and readMemory).
   */
  constructor(
    private readonly debuggerName: string,
    private readonly candidates: readonly TransportCandidate[],
    private readonly refused: Partial<Record<TransportKind, string>> = {},
  ) {}

  /** The transport for `kind` ('auto': the fastest that reads `probe`); an explicit kind that cannot be used throws why. */
  async select(kind: 'auto' | TransportKind, probe: StridedView): Promise<Transport> {
    const cached = this.cache.get(kind);
    if (cached) return cached;
    const list = kind === 'auto' ? this.candidates : this.candidates.filter((c) => c.kind === kind);
    if (!list.length)
      throw new ArrayLensError(
        'bad-argument',
        this.refused[kind as TransportKind] ??
          `transport '${kind}' does not apply to ${this.debuggerName}: use auto, ${this.candidates.map((c) => c.kind).join(' or ')}`,
      );
    const failed: string[] = [];
    let readError: unknown = null;
    let later = false;
    for (const c of list) {
      const t = await c.open();
      if (isUnavailable(t)) {
        failed.push(`${c.kind}: ${t.unavailable}`);
        later ||= t.later === true;
        if (kind !== 'auto') throw new ArrayLensError('unreadable', c.instead ? `${t.unavailable}: ${c.instead}` : t.unavailable);
        continue;
      }
      try {
        await readProbe(t, probe);
      } catch (e) {
        await t.dispose?.().catch(() => undefined);
        // The probe's own address may be bad: then every path fails, and the fastest one's error says so.
        if (kind !== 'auto') throw e;
        failed.push(`${c.kind}: ${(e as Error).message}`);
        readError ??= e;
        continue;
      }
      this.lastChoice = { kind: c.kind, reason: failed.length ? `${c.reason}; ${failed.join('; ')}` : c.reason };
      this.opened.add(t);
      if (!later) {
        this.cache.set(kind, t);
        this.cache.set(c.kind, t);
      }
      return t;
    }
    if (readError) throw readError;
    throw new ArrayLensError('unreadable', `no transport can read the memory of this ${this.debuggerName} session (${failed.join('; ')})`);
  }

  /** Releases every transport opened (the debuggee moved on, or the session ends). */
  async reset(): Promise<void> {
    const all = [...this.opened];
    this.opened.clear();
    this.cache.clear();
    for (const t of all) await t.dispose?.().catch(() => undefined);
  }
}

/** /proc/PID/mem of a local process: the fastest path, when the ptrace policy lets this user read it. */
export function directCandidate(pidOf: number | undefined | (() => number | undefined), instead?: string): TransportCandidate {
  const pidNow = (): number | undefined => (typeof pidOf === 'function' ? pidOf() : pidOf);
  // The reason names the system call the opened transport reads with (the addon's process_vm_readv, else pread).
  let opened: DirectTransport | undefined;
  return {
    kind: 'direct',
    get reason() {
      const pid = pidNow() ?? '?';
      return opened?.method === 'process_vm_readv' ? `process_vm_readv of process ${pid}` : `/proc/${pid}/mem readable`;
    },
    instead,
    open: () => {
      const pid = pidNow();
      if (pid === undefined) return { unavailable: 'the debugger did not report the process id' };
      const t = DirectTransport.openOrWhy(pid);
      if (typeof t === 'string') return { unavailable: t };
      opened = t;
      return t;
    },
  };
}
