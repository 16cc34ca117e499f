// The CDP client over the `ws` package against a local WebSocket server playing Node's inspector: answers by id,
// events, fragmented and invalid text frames, errors, the server closing, our close, failed handshakes.

import assert from 'node:assert/strict';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { ArrayLensError } from '../../src/core/errors';
import { CdpClient } from '../../src/rpc/cdpClient';

type Handler = (sock: WebSocket, msg: { id: number; method: string; params?: unknown }) => void;

/** A server answering `Echo.*` with its params, `Fail.*` with a CDP error, and everything else as `handler` says. */
async function inspector(handler: Handler = () => undefined): Promise<{ url: string; server: WebSocketServer; sockets: WebSocket[]; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const sockets: WebSocket[] = [];
  server.on('connection', (sock) => {
    sockets.push(sock);
    sock.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { id: number; method: string; params?: unknown };
      if (msg.method === 'ArrayLens.ack') sock.send(JSON.stringify({ id: msg.id, error: { code: -32601, message: `'${msg.method}' wasn't found` } }));
      else if (msg.method.startsWith('Echo.')) sock.send(JSON.stringify({ id: msg.id, result: { method: msg.method, params: msg.params } }));
      else if (msg.method.startsWith('Fail.')) sock.send(JSON.stringify({ id: msg.id, error: { code: -32000, message: 'Could not find object', data: 'objectId 7' } }));
      else handler(sock, msg);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/0f2c`,
    server,
    sockets,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function rejectsWithCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ArrayLensError, String(e));
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('CDP over ws', () => {
  let srv: Awaited<ReturnType<typeof inspector>>;
  const held: { sock: WebSocket; id: number }[] = [];
  before(async () => {
    srv = await inspector((sock, msg) => {
      if (msg.method === 'Hold.it') held.push({ sock, id: msg.id });
    });
  });
  after(() => srv.close());
  /** The next request held by the server on `sock` (each test has its own connection). */
  async function heldOn(sock: WebSocket): Promise<{ sock: WebSocket; id: number }> {
    for (;;) {
      const i = held.findIndex((h) => h.sock === sock);
      if (i >= 0) return held.splice(i, 1)[0];
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('answers requests by id, with typed and untyped methods', async () => {
    const c = await CdpClient.connect(srv.url);
    try {
      const [a, b] = await Promise.all([c.send<{ method: string; params: unknown }>('Echo.one', { x: 1 }), c.send<{ method: string }>('Echo.two')]);
      assert.deepEqual(a, { method: 'Echo.one', params: { x: 1 } });
      assert.equal(b.method, 'Echo.two');
    } finally {
      c.close();
    }
  });

  it('fails a request the inspector answers with an error, naming the method', async () => {
    const c = await CdpClient.connect(srv.url);
    try {
      await rejectsWithCode(c.send('Fail.getProperties', {}), 'debugger-failed', /^Fail\.getProperties: Could not find object \(objectId 7\)$/);
    } finally {
      c.close();
    }
  });

  it('delivers events by method name, and reads a text message sent in fragments', async () => {
    const c = await CdpClient.connect(srv.url);
    try {
      const paused = c.waitEvent('Debugger.paused', 10000, (p) => p.reason === 'other');
      const sock = srv.sockets.at(-1)!;
      sock.send(JSON.stringify({ method: 'Debugger.paused', params: { reason: 'exception', callFrames: [] } }));
      const text = JSON.stringify({ method: 'Debugger.paused', params: { reason: 'other', callFrames: [], hitBreakpoints: ['1:12:0:é✓'] } });
      const bytes = Buffer.from(text, 'utf8');
      // Split inside the two-byte é: the message is only text once whole.
      const cut = bytes.indexOf(Buffer.from('é', 'utf8')) + 1;
      sock.send(bytes.subarray(0, cut), { fin: false, binary: false });
      sock.send(bytes.subarray(cut, cut + 3), { fin: false, binary: false });
      sock.send(bytes.subarray(cut + 3), { fin: true, binary: false });
      const p = await paused;
      assert.deepEqual(p.hitBreakpoints, ['1:12:0:é✓']);
    } finally {
      c.close();
    }
  });

  it('fails what waits when the inspector closes the connection, and refuses new requests', async () => {
    const c = await CdpClient.connect(srv.url);
    const closed = new Promise<string>((r) => c.once('close', r));
    const waiting = c.send('Hold.it', {}, 60000);
    const event = c.waitEvent('Debugger.resumed', 60000);
    (await heldOn(srv.sockets.at(-1)!)).sock.close(1001, 'target gone');
    await rejectsWithCode(waiting, 'program-ended', /target gone/);
    await rejectsWithCode(event, 'program-ended');
    assert.equal(await closed, 'target gone');
    assert.equal(c.isOpen, false);
    await rejectsWithCode(c.send('Echo.late'), 'program-ended', /closed/);
  });

  it('our close fails what waits at once and drops the answer that comes after', async () => {
    const c = await CdpClient.connect(srv.url);
    const waiting = c.send('Hold.it', {}, 60000);
    const h = await heldOn(srv.sockets.at(-1)!);
    c.close();
    await rejectsWithCode(waiting, 'program-ended', /closed by us/);
    if (h.sock.readyState === WebSocket.OPEN) h.sock.send(JSON.stringify({ id: h.id, result: {} }));
  });

  it('times out a request that is never answered, and cancels one through an AbortSignal', async () => {
    const c = await CdpClient.connect(srv.url);
    try {
      await rejectsWithCode(c.send('Hold.it', {}, 10), 'timeout', /^Node's inspector did not answer 'Hold\.it' within 10 ms$/);
      const ac = new AbortController();
      const p = c.sendWith('Hold.it', {}, { signal: ac.signal, timeoutMs: 60000 });
      ac.abort();
      await rejectsWithCode(p, 'cancelled');
      // Late answers to both: dropped, and the connection still works.
      const sock = srv.sockets.at(-1)!;
      for (const h of [await heldOn(sock), await heldOn(sock)]) h.sock.send(JSON.stringify({ id: h.id, result: { late: true } }));
      assert.equal((await c.send<{ method: string }>('Echo.after')).method, 'Echo.after');
    } finally {
      c.close();
    }
  });

  it('closes on a text frame that is not UTF-8, failing what waits', async () => {
    const c = await CdpClient.connect(srv.url);
    const closed = new Promise<string>((r) => c.once('close', r));
    const waiting = c.send('Hold.it', {}, 60000);
    const h = await heldOn(srv.sockets.at(-1)!);
    h.sock.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    await rejectsWithCode(waiting, 'program-ended', /UTF-8/i);
    assert.match(await closed, /UTF-8/i);
  });
});

describe('CDP connection failures', () => {
  it('says where it could not connect when nothing listens', async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((r) => s.close(() => r()));
    await rejectsWithCode(CdpClient.connect(`ws://127.0.0.1:${port}/x`), 'debugger-failed', new RegExp(`cannot connect to Node's inspector at ws://127\\.0\\.0\\.1:${port}/x`));
  });

  it('says which HTTP status a failed handshake answered', async () => {
    const s = http.createServer((_req, res) => {
      res.statusCode = 404;
      res.end('WebSockets request was expected');
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const { port } = s.address() as AddressInfo;
    try {
      await rejectsWithCode(CdpClient.connect(`ws://127.0.0.1:${port}/x`), 'debugger-failed', /HTTP 404/);
    } finally {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it('refuses a URL that is not ws:// with a clear error', async () => {
    await rejectsWithCode(CdpClient.connect('http://127.0.0.1:1/x'), 'debugger-failed', /cannot connect/);
  });
});
