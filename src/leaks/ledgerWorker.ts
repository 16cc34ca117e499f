// The worker thread behind ProcessLedger (src/leaks/liveLedger.ts): keeps the snapshots of one process and runs the
// CLI's ledger (snapshot, compareStops) on them, so /proc reads, addr2line and the pointer scan never hold up the
// thread that asked (the VS Code extension host). Only reads the debuggee: /proc/PID/maps and /proc/PID/mem. A Python
// program's census and native-call watch come with the snapshot request (the host has the debugger).

import { parentPort, workerData } from 'worker_threads';
import { ArrayLensError, isArrayLensError } from '../core/errors';
import { DirectTransport } from '../transport/direct';
import { CallWatch, mergeCallWatches } from './callWatch';
import { LedgerProcess, LedgerStop, compareStops, snapshot } from './ledger';
import type { LedgerReply, LedgerRequest, LedgerStopSummary } from './liveLedger';
import { readMaps } from './procMaps';
import { PythonCensus } from './pythonCensus';

/** The native-call watch of the interval ending at a stop, and the data address of each array it names then. */
interface CallsAt {
  watch: CallWatch;
  addrs: Map<number, number>;
}

function serve(pid: number, post: (r: LedgerReply) => void): (m: LedgerRequest) => Promise<void> {
  const stops = new Map<number, LedgerStop>();
  const callsAt = new Map<number, CallsAt>();
  let memory: DirectTransport | null = null;
  const proc: LedgerProcess = {
    pid,
    census: () => Promise.resolve(null),
    readRange: (addr, len) => {
      memory ??= DirectTransport.tryOpen(pid);
      if (!memory)
        throw new ArrayLensError(
          'unreadable',
          `cannot open /proc/${pid}/mem: the Leaks view reads the debugged process directly (same user; with Yama ptrace_scope 1 run VS Code as root or set it to 0)`,
        );
      return memory.readRange(BigInt(addr), len);
    },
  };

  const take = async (stop: number, census: PythonCensus | null, calls: CallWatch | null): Promise<LedgerStopSummary> => {
    let s: LedgerStop;
    let unreadable: string | undefined;
    try {
      s = await snapshot({ ...proc, census: () => Promise.resolve(census) }, 'to', []);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ArrayLensError('program-ended', `process ${pid} has exited`);
      // A Python program's census stands without the tracker's table; the view says why its native blocks are missing.
      if (!census || !isArrayLensError(e) || e.code !== 'unreadable') throw e;
      s = { maps: readMaps(pid), table: null, census };
      unreadable = e.message;
    }
    stops.set(stop, s);
    if (census && calls) callsAt.set(stop, { watch: calls, addrs: new Map(census.arrays.map((x) => [x.id, x.addr])) });
    const blocks = s.table?.blocks ?? [];
    return {
      stop,
      tracker: s.table !== null,
      blocks: blocks.length,
      bytes: blocks.reduce((n, b) => n + b.size, 0),
      dropped: s.table?.dropped ?? 0,
      minBytes: s.table?.minBytes ?? 0,
      census: census ? { numpy: census.numpy, arrays: census.arrays.length } : null,
      ...(unreadable ? { unreadable } : {}),
    };
  };

  /**
   * The native calls seen between two stops (several watches when `from` is a pinned stop further back), of the arrays
   * alive at `to` (same id and data address as when the watch named them).
   */
  const callsBetween = (from: number, to: number, b: LedgerStop): CallWatch | null => {
    const parts = [...callsAt].filter(([k]) => k > from && k <= to).sort((p, q) => p[0] - q[0]);
    if (!parts.length) return null;
    const now = new Map((b.census?.arrays ?? []).map((x) => [x.id, x.addr]));
    return mergeCallWatches(parts.map(([, c]) => ({ ...c.watch, arrays: c.watch.arrays.filter(([id]) => c.addrs.get(id) === now.get(id)) })));
  };

  return async (m) => {
    try {
      switch (m.op) {
        case 'snapshot':
          return post({ id: m.id, ok: true, result: await take(m.stop, m.census ?? null, m.calls ?? null) });
        case 'compare': {
          const a = stops.get(m.from);
          const b = stops.get(m.to);
          if (!a || !b) throw new ArrayLensError('stale', `no snapshot of stop ${!a ? m.from : m.to}`);
          const minBytes = m.minBytes ?? b.table?.minBytes ?? 0;
          const calls = callsBetween(m.from, m.to, b);
          return post({ id: m.id, ok: true, result: await compareStops(proc, a, { ...b, calls }, { from: `stop ${m.from}`, to: `stop ${m.to}`, minBytes }) });
        }
        case 'keep':
          for (const k of [...stops.keys()]) if (!m.stops.includes(k)) stops.delete(k);
          // A comparison starts at a kept stop: the watches of the intervals after the earliest one are still needed.
          for (const k of [...callsAt.keys()]) if (k <= Math.min(...m.stops)) callsAt.delete(k);
          return post({ id: m.id, ok: true, result: null });
      }
    } catch (e) {
      post({ id: m.id, ok: false, code: isArrayLensError(e) ? e.code : null, message: e instanceof Error ? e.message : String(e) });
    }
  };
}

if (parentPort) {
  const port = parentPort;
  const handle = serve((workerData as { pid: number }).pid, (r) => port.postMessage(r));
  // One request at a time, in order: a compare always sees the snapshot asked for before it.
  let queue = Promise.resolve();
  port.on('message', (m: LedgerRequest) => {
    queue = queue.then(() => handle(m));
  });
}
