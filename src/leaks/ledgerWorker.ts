// The worker thread behind ProcessLedger (src/leaks/liveLedger.ts): keeps the snapshots of one process and runs the
// CLI's ledger (snapshot, compareStops) on them, so /proc reads, addr2line and the pointer scan never hold up the
// thread that asked (the VS Code extension host). Only reads the debuggee: /proc/PID/maps and /proc/PID/mem.

import { parentPort, workerData } from 'worker_threads';
import { ArrayLensError, isArrayLensError } from '../core/errors';
import { DirectTransport } from '../transport/direct';
import { LedgerProcess, LedgerStop, compareStops, snapshot } from './ledger';
import type { LedgerReply, LedgerRequest, LedgerStopSummary } from './liveLedger';

function serve(pid: number, post: (r: LedgerReply) => void): (m: LedgerRequest) => Promise<void> {
  const stops = new Map<number, LedgerStop>();
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

  const take = async (stop: number): Promise<LedgerStopSummary> => {
    let s: LedgerStop;
    try {
      s = await snapshot(proc, 'to', []);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ArrayLensError('program-ended', `process ${pid} has exited`);
      throw e;
    }
    stops.set(stop, s);
    const blocks = s.table?.blocks ?? [];
    return { stop, tracker: s.table !== null, blocks: blocks.length, bytes: blocks.reduce((n, b) => n + b.size, 0), dropped: s.table?.dropped ?? 0, minBytes: s.table?.minBytes ?? 0 };
  };

  return async (m) => {
    try {
      switch (m.op) {
        case 'snapshot':
          return post({ id: m.id, ok: true, result: await take(m.stop) });
        case 'compare': {
          const a = stops.get(m.from);
          const b = stops.get(m.to);
          if (!a || !b) throw new ArrayLensError('stale', `no snapshot of stop ${!a ? m.from : m.to}`);
          const minBytes = m.minBytes ?? b.table?.minBytes ?? 0;
          return post({ id: m.id, ok: true, result: await compareStops(proc, a, b, { from: `stop ${m.from}`, to: `stop ${m.to}`, minBytes }) });
        }
        case 'keep':
          for (const k of [...stops.keys()]) if (!m.stops.includes(k)) stops.delete(k);
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
