// TransportSelector over a real child process's memory: the fastest candidate that opens and reads the probe wins,
// the choice says why, an explicit kind that cannot be used says why, and a bad address reports the fastest path's error.

import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'child_process';
import { after, before, describe, it } from 'node:test';
import { dtype } from '../../src/core/dtype';
import { ArrayLensError } from '../../src/core/errors';
import { StridedView } from '../../src/core/view';
import { TransportCandidate, TransportSelector, directCandidate } from '../../src/transport/selector';
import { DirectTransport } from '../../src/transport/direct';
import { Transport, readViewByRanges } from '../../src/transport/transport';

// The child holds 4096 known bytes and answers "ADDRESS LENGTH" with their base64, only inside its buffer (as an
// evaluate transport asks the debuggee), so a wrong address is an error, not a crash.
const CHILD = `
import base64, ctypes, sys
buf = ctypes.create_string_buffer(bytes(i % 251 for i in range(4096)), 4096)
lo = ctypes.addressof(buf)
print(lo, flush=True)
for line in sys.stdin:
    a, n = map(int, line.split())
    print(base64.b64encode(ctypes.string_at(a, n)).decode() if lo <= a and a + n <= lo + 4096 else 'ERR', flush=True)
`;

class ChildEvaluateTransport implements Transport {
  readonly kind = 'evaluate' as const;
  private waiting: ((line: string) => void)[] = [];
  constructor(private readonly child: ChildProcess) {
    let rest = '';
    child.stdout!.on('data', (d: Buffer) => {
      rest += d.toString();
      for (let i = rest.indexOf('\n'); i >= 0; i = rest.indexOf('\n')) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        this.waiting.shift()?.(line);
      }
    });
  }
  readRange(address: bigint, length: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) =>
        line === 'ERR' ? reject(new ArrayLensError('unreadable', `0x${address.toString(16)} is outside the child's buffer`)) : resolve(Buffer.from(line, 'base64')),
      );
      this.child.stdin!.write(`${address} ${length}\n`);
    });
  }
  readView(v: StridedView): Promise<Buffer> {
    return readViewByRanges((a, l) => this.readRange(a, l), v);
  }
}

describe('TransportSelector', () => {
  let child: ChildProcess;
  let base: bigint;
  let evaluate: ChildEvaluateTransport;
  const expected = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
  const view = (offset: number, n: number): StridedView => ({ address: base + BigInt(offset), dtype: dtype('uint8'), shape: [n], strides: [1] });
  const evaluateCandidate: TransportCandidate = { kind: 'evaluate', reason: 'the child answers', open: () => evaluate };
  /** A process that has ended: its /proc entry is gone, so direct cannot open. */
  const deadPid = async (): Promise<number> => {
    const p = spawn('true');
    await new Promise((r) => p.once('close', r));
    return p.pid!;
  };

  before(async () => {
    child = spawn('python3', ['-c', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
    const first = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
    base = BigInt(first.trim());
    evaluate = new ChildEvaluateTransport(child);
  });
  after(() => child.kill());

  it('auto: direct wins when /proc/PID/mem reads the probe, and says so', async () => {
    const s = new TransportSelector('test', [directCandidate(child.pid, 'use --transport evaluate'), evaluateCandidate]);
    const t = await s.select('auto', view(100, 50));
    assert.equal(t.kind, 'direct');
    // The system call named: the addon's process_vm_readv when it loads (ARRAYLENS_NO_NATIVE=1: pread of /proc/PID/mem).
    const how = (t as DirectTransport).method === 'process_vm_readv' ? `process_vm_readv of process ${child.pid}` : `/proc/${child.pid}/mem readable`;
    assert.deepEqual(s.lastChoice, { kind: 'direct', reason: how });
    assert.equal((t as DirectTransport).method, process.env.ARRAYLENS_NO_NATIVE === '1' ? 'pread' : 'process_vm_readv');
    assert.ok((await t.readView(view(100, 50))).equals(expected.subarray(100, 150)));
    assert.equal(await s.select('auto', view(0, 1)), t, 'the choice is kept');
    await s.reset();
  });

  it('auto: a candidate that cannot open is passed over, and the reason names it', async () => {
    const pid = await deadPid();
    const s = new TransportSelector('test', [directCandidate(pid), evaluateCandidate]);
    const t = await s.select('auto', view(0, 16));
    assert.equal(t.kind, 'evaluate');
    assert.equal(s.lastChoice?.kind, 'evaluate');
    assert.match(s.lastChoice!.reason, new RegExp(`^the child answers; direct: process ${pid} is not running`));
    assert.ok((await t.readView(view(4000, 96))).equals(expected.subarray(4000)));
  });

  it('auto: a candidate whose probe read fails is passed over', async () => {
    const failing: TransportCandidate = {
      kind: 'direct',
      reason: 'never',
      open: () => ({ kind: 'direct', readView: () => Promise.reject(new ArrayLensError('unreadable', 'probe refused')) }),
    };
    const s = new TransportSelector('test', [failing, evaluateCandidate]);
    const t = await s.select('auto', view(8, 8));
    assert.equal(t.kind, 'evaluate');
    assert.equal(s.lastChoice!.reason, 'the child answers; direct: probe refused');
  });

  it('auto: an address no path can read reports the fastest path error', async () => {
    const s = new TransportSelector('test', [directCandidate(child.pid), evaluateCandidate]);
    await assert.rejects(s.select('auto', { address: 16n, dtype: dtype('float32'), shape: [4], strides: [4] }), /address 0x10 is not readable in process/);
    assert.equal(s.lastChoice, null);
  });

  it('explicit: a kind that cannot be used is an error naming why and what to use', async () => {
    const s = new TransportSelector('test', [directCandidate(await deadPid(), 'use --transport evaluate'), evaluateCandidate]);
    await assert.rejects(s.select('direct', view(0, 4)), /is not running: use --transport evaluate/);
    assert.equal((await s.select('evaluate', view(0, 4))).kind, 'evaluate');
  });

  it('explicit: a kind the backend never offers gets its message', async () => {
    const s = new TransportSelector('debugpy', [evaluateCandidate], { dap: 'debugpy does not support readMemory' });
    await assert.rejects(s.select('dap', view(0, 4)), /debugpy does not support readMemory/);
    await assert.rejects(new TransportSelector('gdb', [evaluateCandidate]).select('memfd', view(0, 4)), /transport 'memfd' does not apply to gdb: use auto, evaluate/);
  });

  it('a choice made while a faster path is "not known yet" is not kept', async () => {
    let known = false;
    const direct = directCandidate(child.pid);
    const pending: TransportCandidate = { kind: 'direct', reason: direct.reason, open: () => (known ? direct.open() : { unavailable: 'nothing to check against yet', later: true }) };
    const s = new TransportSelector('test', [pending, evaluateCandidate]);
    assert.equal((await s.select('auto', view(0, 4))).kind, 'evaluate');
    known = true;
    assert.equal((await s.select('auto', view(0, 4))).kind, 'direct');
    await s.reset();
  });
});
