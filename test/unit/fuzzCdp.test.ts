// Fuzzing the CDP client (src/rpc/cdpClient.ts over `ws`, issue 18) against a local WebSocket server that answers our
// two requests with random frames: JSON of any shape, answers with wrong ids or malformed errors/results, events named
// like EventEmitter's own ('error', 'close'), garbage text, binary frames, invalid UTF-8, then answers, closes or drops
// the connection. Never an uncaught exception; every request settles, resolved with an object or rejected with an
// ArrayLensError whose message says what happened.

import assert from 'node:assert/strict';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import WebSocket, { WebSocketServer } from 'ws';
import { ArrayLensError } from '../../src/core/errors';
import { CdpClient } from '../../src/rpc/cdpClient';
import { fuzz } from './fuzzConfig';

type Frame =
  | { kind: 'json'; value: unknown }
  | { kind: 'reply'; to: 0 | 1; body: Record<string, unknown> }
  | { kind: 'event'; method: string; params: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'bad-utf8' };
type End = 'answer' | 'close' | 'terminate';
interface Script {
  frames: Frame[];
  end: End;
}

const json = fc.jsonValue({ maxDepth: 3 });
const frame: fc.Arbitrary<Frame> = fc.oneof(
  json.map((value) => ({ kind: 'json' as const, value })),
  fc
    .record(
      {
        to: fc.constantFrom(0 as const, 1 as const),
        result: json,
        error: fc.oneof(json, fc.record({ code: fc.integer(), message: fc.oneof(fc.string(), json), data: fc.oneof(fc.string(), json) }, { requiredKeys: [] })),
      },
      { requiredKeys: ['to'] },
    )
    .map(({ to, ...body }) => ({ kind: 'reply' as const, to, body })),
  fc
    .record({
      method: fc.oneof(fc.constantFrom('error', 'close', 'newListener', 'removeListener', '__proto__', 'constructor', 'Debugger.paused', 'Runtime.x', ''), fc.string()),
      params: json,
    })
    .map(({ method, params }) => ({ kind: 'event' as const, method, params })),
  fc.string({ maxLength: 40 }).map((text) => ({ kind: 'text' as const, text })),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ kind: 'binary' as const, bytes })),
  fc.constant({ kind: 'bad-utf8' as const }),
);
const script: fc.Arbitrary<Script> = fc.record({ frames: fc.array(frame, { maxLength: 8 }), end: fc.constantFrom<End>('answer', 'close', 'terminate') });

let server: WebSocketServer;
let url: string;
/** The script the next connection plays. */
let next: Script = { frames: [], end: 'answer' };
/** Exceptions nothing caught while a case ran (a throwing event handler of the client would land here). */
const uncaught: unknown[] = [];
const onUncaught = (e: unknown): void => void uncaught.push(e);

function play(sock: WebSocket, s: Script, ids: number[]): void {
  for (const f of s.frames) {
    if (f.kind === 'json') sock.send(JSON.stringify(f.value) ?? 'null');
    else if (f.kind === 'reply') sock.send(JSON.stringify({ id: ids[f.to], ...f.body }));
    else if (f.kind === 'event') sock.send(JSON.stringify({ method: f.method, params: f.params }));
    else if (f.kind === 'text') sock.send(f.text);
    else if (f.kind === 'binary') sock.send(f.bytes, { binary: true });
    else sock.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  }
  if (s.end === 'answer') for (const id of ids) sock.send(JSON.stringify({ id, result: { answered: id } }));
  else if (s.end === 'close') sock.close(4000, 'fuzz');
  else sock.terminate();
}

describe('fuzz: CDP frames (src/rpc/cdpClient.ts over ws)', () => {
  before(async () => {
    process.on('uncaughtException', onUncaught);
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => server.once('listening', () => r()));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/fuzz`;
    server.on('connection', (sock) => {
      const s = next;
      const ids: number[] = [];
      sock.on('error', () => undefined);
      sock.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as { id: number; method: string };
        if (msg.method === 'ArrayLens.ack') return;
        ids.push(msg.id);
        if (ids.length === 2) play(sock, s, ids);
      });
    });
  });
  after(async () => {
    process.off('uncaughtException', onUncaught);
    for (const c of server.clients) c.terminate();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('random frames: no uncaught exception, both requests settle with an object or a clear ArrayLensError', () =>
    fuzz(
      'CDP frames',
      fc.asyncProperty(script, async (s) => {
        next = s;
        uncaught.length = 0;
        const client = await CdpClient.connect(url);
        const closed = new Promise<void>((r) => client.once('close', () => r()));
        // The server plays its script once both requests arrived; the long timeout is only a backstop.
        const settled = await Promise.allSettled([client.send('Echo.first', {}, 60000), client.send('Echo.second', {}, 60000)]);
        client.close();
        await closed;
        // Let frames already in flight reach the closed client: they must be dropped quietly too.
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(uncaught.map(String), [], 'an exception escaped the client');
        for (const r of settled) {
          if (r.status === 'fulfilled') {
            assert.equal(typeof r.value, 'object');
            assert.ok(r.value !== null && !Array.isArray(r.value), `resolved with ${JSON.stringify(r.value)}`);
          } else {
            const e = r.reason as Error;
            assert.ok(e instanceof ArrayLensError, `rejected with ${String(e)}`);
            assert.ok(['debugger-failed', 'program-ended'].includes(e.code), e.code);
            assert.doesNotMatch(e.message, /: undefined|\[object Object\]/, e.message);
            assert.ok(e.message.length > 10, e.message);
          }
        }
        if (s.end === 'answer' && !s.frames.some((f) => f.kind === 'bad-utf8'))
          assert.ok(settled.some((r) => r.status === 'fulfilled') || s.frames.some((f) => f.kind === 'reply'), 'well-formed answers were lost');
      }),
    ));
});
