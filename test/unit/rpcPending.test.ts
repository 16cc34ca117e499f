// The one pending-request table (src/rpc/pending.ts): answers by id, timeout, cancellation, reject-all, late answers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArrayLensError, ErrorCode } from '../../src/core/errors';
import { PendingRequests, answerWithin } from '../../src/rpc/pending';

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ArrayLensError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

describe('pending requests', () => {
  it('answers each request by its id, in any order', async () => {
    const t = new PendingRequests('lldb-dap');
    const sent: number[] = [];
    const a = t.start<string>('threads', (id) => sent.push(id));
    const b = t.start<string>('stackTrace', (id) => sent.push(id));
    assert.equal(t.size, 2);
    assert.equal(sent[0] === sent[1], false);
    assert.equal(t.resolve(sent[1], 'B'), true);
    assert.equal(t.resolve(sent[0], 'A'), true);
    assert.deepEqual(await Promise.all([a, b]), ['A', 'B']);
    assert.equal(t.size, 0);
  });

  it('fails a request with the error the reader makes of its command', async () => {
    const t = new PendingRequests('gdb');
    let id = 0;
    const p = t.start('-data-evaluate-expression q', (i) => (id = i));
    t.reject(id, (command) => new ArrayLensError('debugger-failed', `${command} failed`));
    await rejectsWith(p, 'debugger-failed', /^-data-evaluate-expression q failed$/);
  });

  it('times out with a message naming the peer and the command, and drops the late answer', async () => {
    const t = new PendingRequests('lldb-dap');
    let id = 0;
    const p = t.start('evaluate', (i) => (id = i), { timeoutMs: 5 });
    await rejectsWith(p, 'timeout', /^lldb-dap did not answer 'evaluate' within 5 ms$/);
    assert.equal(t.size, 0);
    assert.equal(t.resolve(id, 'late'), false);
    assert.equal(t.reject(id, new Error('late')), false);
  });

  it('says seconds for timeouts of a second or more', async () => {
    const t = new PendingRequests(() => 'debugpy');
    const never = t.start('stackTrace', () => undefined, { timeoutMs: 30000 });
    t.rejectAll(new ArrayLensError('debugger-failed', 'gone'));
    await rejectsWith(never, 'debugger-failed', /gone/);
    const p = new PendingRequests('debugpy', 1000).start('x', () => undefined);
    await rejectsWith(p, 'timeout', /within 1 s$/);
  });

  it('cancels through an AbortSignal; the answer after that is dropped', async () => {
    const t = new PendingRequests("Node's inspector");
    const ac = new AbortController();
    let id = 0;
    const p = t.start('Runtime.evaluate', (i) => (id = i), { signal: ac.signal, timeoutMs: 60000 });
    ac.abort();
    await rejectsWith(p, 'cancelled', /Runtime\.evaluate/);
    assert.equal(t.size, 0);
    assert.equal(t.resolve(id, {}), false);
  });

  it('does not send a request whose signal is already aborted', async () => {
    const t = new PendingRequests('gdb');
    let sent = false;
    await rejectsWith(t.start('x', () => (sent = true), { signal: AbortSignal.abort() }), 'cancelled', /cancelled/);
    assert.equal(sent, false);
    assert.equal(t.size, 0);
  });

  it('rejects all pending requests at once when the peer goes, and later answers are dropped', async () => {
    const t = new PendingRequests('debugpy');
    const ids: number[] = [];
    const ps = ['a', 'b', 'c'].map((c) => t.start(c, (i) => ids.push(i)));
    t.rejectAll((command) => new ArrayLensError('debugger-failed', `debugpy exited during '${command}'`));
    for (const [i, p] of ps.entries()) await rejectsWith(p, 'debugger-failed', new RegExp(`during '${'abc'[i]}'`));
    assert.equal(t.size, 0);
    assert.equal(t.resolve(ids[0], 1), false);
  });

  it('a send that throws fails its request and leaves nothing pending', async () => {
    const t = new PendingRequests('lldb-dap');
    await assert.rejects(
      t.start('threads', () => {
        throw new Error('EPIPE');
      }),
      /EPIPE/,
    );
    assert.equal(t.size, 0);
  });

  it('keeps data with a request (gdb\'s console text) until it is answered', async () => {
    const t = new PendingRequests<{ console: string[] }>('gdb');
    let id = 0;
    const p = t.start<string>('-interpreter-exec console "whatis x"', (i) => (id = i), {}, { console: [] });
    t.get(id)!.extra.console.push('type = int\n');
    t.resolve(id, t.get(id)!.extra.console.join(''));
    assert.equal(await p, 'type = int\n');
    assert.equal(t.get(id), undefined);
  });

  it('shares its id space with messages sent without waiting', () => {
    const t = new PendingRequests('lldb-dap');
    const a = t.nextId();
    let b = 0;
    void t.start('x', (i) => (b = i)).catch(() => undefined);
    assert.notEqual(a, b);
    t.rejectAll(new Error('done'));
  });
});

describe('answers someone else keeps the ids of (VS Code customRequest)', () => {
  it('passes the answer through', async () => {
    assert.equal(await answerWithin('debugpy', 'evaluate', Promise.resolve(42), { timeoutMs: 1000 }), 42);
  });

  it('passes a failure through', async () => {
    await assert.rejects(answerWithin('debugpy', 'evaluate', Promise.reject(new Error('no frame')), { timeoutMs: 1000 }), /no frame/);
  });

  it('times out, and ignores the answer that comes after', async () => {
    let answer: (v: number) => void = () => undefined;
    const slow = new Promise<number>((r) => (answer = r));
    await rejectsWith(answerWithin('pwa-node', 'stackTrace', slow, { timeoutMs: 5 }), 'timeout', /^pwa-node did not answer 'stackTrace'/);
    answer(1); // nothing waits: must not throw or resolve anything
  });

  it('cancels', async () => {
    const ac = new AbortController();
    const p = answerWithin('debugpy', 'variables', new Promise(() => undefined), { timeoutMs: 60000, signal: ac.signal });
    ac.abort();
    await rejectsWith(p, 'cancelled', /variables/);
  });
});
