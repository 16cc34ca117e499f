// Framing of the RPC channels: DAP's Content-Length frames (split anywhere, joined, oversized, not JSON, headerless)
// and gdb/MI's line records (partial lines, records that do not parse).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DapFramingError, DapMessage, DapReader, MAX_DAP_HEADER_BYTES, MAX_DAP_MESSAGE_BYTES } from '../../src/rpc/dapFraming';
import { MiLineReader, MiRecord, parseMiLine } from '../../src/rpc/miClient';

function frame(msg: object | string): Buffer {
  const json = typeof msg === 'string' ? msg : JSON.stringify(msg);
  return Buffer.from(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`, 'utf8');
}

function reader(): { r: DapReader; messages: DapMessage[]; errors: DapFramingError[] } {
  const messages: DapMessage[] = [];
  const errors: DapFramingError[] = [];
  return { r: new DapReader((m) => messages.push(m), (e) => errors.push(e)), messages, errors };
}

/** A small deterministic generator, so a failing split can be replayed from its seed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ev = (n: number, text = 'x'): DapMessage => ({ seq: n, type: 'event', event: 'output', body: { output: text } });

describe('DAP Content-Length framing', () => {
  it('reads a message fed one byte at a time', () => {
    const { r, messages, errors } = reader();
    const bytes = Buffer.concat([frame(ev(1, 'héllo ✓')), frame(ev(2))]);
    for (const b of bytes) r.push(Buffer.from([b]));
    assert.deepEqual(messages, [ev(1, 'héllo ✓'), ev(2)]);
    assert.deepEqual(errors, []);
  });

  it('reads a header split inside "Content-Length" and inside the blank line', () => {
    const { r, messages } = reader();
    const bytes = frame(ev(7));
    r.push(bytes.subarray(0, 9)); // "Content-L"
    assert.equal(messages.length, 0);
    const blank = bytes.indexOf('\r\n\r\n');
    r.push(bytes.subarray(9, blank + 2));
    assert.equal(messages.length, 0);
    r.push(bytes.subarray(blank + 2));
    assert.deepEqual(messages, [ev(7)]);
  });

  it('reads two messages (and the start of a third) in one chunk', () => {
    const { r, messages } = reader();
    const third = frame(ev(3));
    r.push(Buffer.concat([frame(ev(1)), frame(ev(2)), third.subarray(0, 20)]));
    assert.deepEqual(messages, [ev(1), ev(2)]);
    r.push(third.subarray(20));
    assert.deepEqual(messages, [ev(1), ev(2), ev(3)]);
  });

  it('reads any split of a stream of messages into the same messages', () => {
    const sent = Array.from({ length: 40 }, (_, i) => ev(i, 'ü'.repeat(i * 37)));
    const stream = Buffer.concat(sent.map(frame));
    for (let seed = 1; seed <= 50; seed++) {
      const rand = lcg(seed);
      const { r, messages, errors } = reader();
      for (let at = 0; at < stream.length; ) {
        const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 8 : 600));
        r.push(stream.subarray(at, at + n));
        at += n;
      }
      assert.deepEqual(messages, sent, `seed ${seed}`);
      assert.deepEqual(errors, [], `seed ${seed}`);
    }
  });

  it('takes the header case-insensitively, with other header lines, and a stray line before it', () => {
    const { r, messages } = reader();
    const json = JSON.stringify(ev(5));
    r.push(Buffer.from(`warning: a log line\ncontent-length: ${json.length}\r\nContent-Type: application/vscode-jsonrpc\r\n\r\n${json}`));
    assert.deepEqual(messages, [ev(5)]);
  });

  it('rejects a Content-Length past the cap without buffering it, and reads nothing after', () => {
    const { r, messages, errors } = reader();
    r.push(Buffer.from(`Content-Length: ${MAX_DAP_MESSAGE_BYTES + 1}\r\n\r\n{"seq":1`));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].fatal, true);
    assert.match(errors[0].message, /past the limit/);
    assert.equal(r.isFailed, true);
    r.push(frame(ev(2)));
    assert.deepEqual(messages, []);
    assert.equal(errors.length, 1);
  });

  it('rejects a Content-Length too long for a number', () => {
    const { r, errors } = reader();
    r.push(Buffer.from(`Content-Length: ${'9'.repeat(400)}\r\n\r\n`));
    assert.equal(errors[0]?.fatal, true);
  });

  it('gives up on a header that never ends instead of buffering without end', () => {
    const { r, errors } = reader();
    const junk = Buffer.alloc(4096, 'a');
    for (let i = 0; i * junk.length <= MAX_DAP_HEADER_BYTES && !r.isFailed; i++) r.push(junk);
    assert.equal(r.isFailed, true);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].fatal, true);
  });

  it('honours a smaller cap given by the owner', () => {
    const errors: DapFramingError[] = [];
    const r = new DapReader(() => assert.fail('no message expected'), (e) => errors.push(e), 16);
    r.push(frame(ev(1, 'longer than sixteen bytes')));
    assert.equal(errors[0]?.fatal, true);
  });

  it('drops a body that is not JSON with a clear error and reads the next message', () => {
    const { r, messages, errors } = reader();
    r.push(Buffer.concat([frame('{"seq": 1, "type": "event", oops'), frame(ev(2))]));
    assert.deepEqual(messages, [ev(2)]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].fatal, false);
    assert.match(errors[0].message, /not JSON/);
    assert.match(errors[0].message, /oops/);
  });

  it('drops JSON that is not a protocol message (an array, a number, no type)', () => {
    const { r, messages, errors } = reader();
    r.push(Buffer.concat([frame('[1,2]'), frame('42'), frame('{"seq":1}'), frame('null'), frame(ev(9))]));
    assert.deepEqual(messages, [ev(9)]);
    assert.equal(errors.length, 4);
    assert.ok(errors.every((e) => !e.fatal));
  });

  it('skips a header block without Content-Length and reads the next framed message', () => {
    const { r, messages, errors } = reader();
    r.push(Buffer.concat([Buffer.from('Content-Type: text/plain\r\n\r\n'), frame(ev(4))]));
    assert.deepEqual(messages, [ev(4)]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].fatal, false);
    assert.match(errors[0].message, /without Content-Length/);
  });

  it('reads an empty push and a zero-length body as nothing and as a dropped message', () => {
    const { r, messages, errors } = reader();
    r.push(Buffer.alloc(0));
    r.push(Buffer.from('Content-Length: 0\r\n\r\n'));
    r.push(frame(ev(1)));
    assert.deepEqual(messages, [ev(1)]);
    assert.equal(errors.length, 1);
  });
});

describe('gdb/MI line records', () => {
  function miReader(): { r: MiLineReader; records: MiRecord[]; bad: string[] } {
    const records: MiRecord[] = [];
    const bad: string[] = [];
    return { r: new MiLineReader((x) => records.push(x), (line) => bad.push(line)), records, bad };
  }

  it('waits for the end of a line split across reads', () => {
    const { r, records } = miReader();
    const line = '12^done,value="0x7ffc\\"q\\\\",list=[{a="1"},{a="2"}]\n';
    for (const ch of line) r.push(ch);
    assert.equal(records.length, 1);
    assert.deepEqual(records[0], { token: 12, kind: '^', cls: 'done', results: { value: '0x7ffc"q\\', list: [{ a: '1' }, { a: '2' }] } });
  });

  it('reads several records in one chunk, CRLF endings, the prompt and blank lines', () => {
    const { r, records } = miReader();
    r.push('~"Breakpoint 1\\n"\r\n(gdb) \r\n\n*stopped,reason="breakpoint-hit",frame={line="7"}\r\n3^running\n');
    assert.deepEqual(
      records.map((x) => [x.kind, x.cls, x.text]),
      [
        ['~', '', 'Breakpoint 1\n'],
        ['*', 'stopped', undefined],
        ['^', 'running', undefined],
      ],
    );
    assert.deepEqual(records[1].results, { reason: 'breakpoint-hit', frame: { line: '7' } });
  });

  it('reports a record that does not parse and reads the next one', () => {
    const { r, records, bad } = miReader();
    r.push('5^done,value="unterminated\n5^done,x=\n6^error,msg="No symbol \\"q\\" in current context."\n');
    assert.deepEqual(bad, ['5^done,value="unterminated', '5^done,x=']);
    assert.equal(records.length, 1);
    assert.deepEqual(records[0], { token: 6, kind: '^', cls: 'error', results: { msg: 'No symbol "q" in current context.' } });
  });

  it('treats a line that is no MI record as the program\'s own output', () => {
    assert.deepEqual(parseMiLine('hello from the program'), { kind: '@', cls: '', results: {}, text: 'hello from the program' });
    assert.equal(parseMiLine('(gdb)'), null);
  });

  it('decodes control escapes, and octal byte escapes as UTF-8 text', () => {
    // gdb prints `é` (UTF-8 c3 a9) as \303\251 when its charset is ASCII.
    assert.equal(parseMiLine('~"a\\tb\\303\\251\\033 \\101"')?.text, 'a\tbé\x1b A');
  });
});
