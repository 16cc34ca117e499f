// A minimal RFC 6455 WebSocket client (text messages, client masking, fragmentation, ping/pong, close) over
// `http` upgrade: enough for Node's inspector on 127.0.0.1, on Node 20 which has no built-in WebSocket.

import { randomBytes, createHash } from 'crypto';
import { EventEmitter } from 'events';
import * as http from 'http';
import { Socket } from 'net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** Events: `message` (text: string), `close` (reason: string). */
export class WebSocketClient extends EventEmitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private fragments: Buffer[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    const end = (why: string): void => {
      if (this.closed) return;
      this.closed = true;
      this.emit('close', why);
    };
    socket.on('close', () => end('connection closed'));
    socket.on('error', (e) => end(e.message));
  }

  /** Connects to `ws://host:port/path`; rejects when the handshake fails or takes longer than `timeoutMs`. */
  static connect(url: string, timeoutMs = 10000): Promise<WebSocketClient> {
    const u = new URL(url);
    if (u.protocol !== 'ws:') throw new Error(`only ws:// URLs are supported, got ${url}`);
    const key = randomBytes(16).toString('base64');
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: u.hostname,
        port: Number(u.port || 80),
        path: u.pathname + u.search,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key },
        timeout: timeoutMs,
      });
      // Nagle on our side delays each small request until the previous answer's ACK (~40 ms a round trip).
      req.on('socket', (s: Socket) => s.setNoDelay(true));
      req.on('timeout', () => req.destroy(new Error(`WebSocket handshake with ${url} timed out`)));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        reject(new Error(`WebSocket handshake with ${url} answered HTTP ${res.statusCode}`));
      });
      req.on('upgrade', (res, socket, head) => {
        const accept = createHash('sha1').update(key + GUID).digest('base64');
        if (res.headers['sec-websocket-accept'] !== accept) {
          socket.destroy();
          reject(new Error(`WebSocket handshake with ${url}: bad Sec-WebSocket-Accept`));
          return;
        }
        socket.setTimeout(0);
        const ws = new WebSocketClient(socket);
        if (head.length) ws.onData(head);
        resolve(ws);
      });
      req.end();
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(text: string): void {
    if (this.closed) throw new Error('WebSocket is closed');
    this.writeFrame(OP_TEXT, Buffer.from(text, 'utf8'));
  }

  close(): void {
    if (this.closed) return;
    try {
      this.writeFrame(OP_CLOSE, Buffer.from([0x03, 0xe8]));
    } catch {
      /* the socket is going anyway */
    }
    this.closed = true;
    this.socket.end();
    this.socket.destroy();
    this.emit('close', 'closed by us');
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    const len = payload.length;
    const headLen = len < 126 ? 2 : len < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headLen + 4 + len);
    frame[0] = 0x80 | opcode;
    if (len < 126) frame[1] = 0x80 | len;
    else if (len < 65536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(len, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(len), 2);
    }
    const mask = randomBytes(4);
    mask.copy(frame, headLen);
    const body = frame.subarray(headLen + 4);
    for (let i = 0; i < len; i++) body[i] = payload[i] ^ mask[i & 3];
    this.socket.write(frame);
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    for (;;) {
      if (this.buffered < 2) return;
      const head = this.peek(Math.min(this.buffered, 14));
      const fin = (head[0] & 0x80) !== 0;
      const opcode = head[0] & 0x0f;
      const masked = (head[1] & 0x80) !== 0;
      let len = head[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (head.length < 4) return;
        len = head.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (head.length < 10) return;
        len = Number(head.readBigUInt64BE(2));
        off = 10;
      }
      const maskOff = off;
      if (masked) off += 4;
      if (this.buffered < off + len) return;
      const all = this.take(off + len);
      let payload = all.subarray(off);
      if (masked) {
        payload = Buffer.from(payload); // servers do not mask; unmask a copy if one does
        for (let i = 0; i < payload.length; i++) payload[i] ^= all[maskOff + (i & 3)];
      }
      this.onFrame(fin, opcode, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP_TEXT:
      case OP_BINARY:
      case OP_CONT:
        this.fragments.push(payload);
        if (fin) {
          const whole = this.fragments.length === 1 ? this.fragments[0] : Buffer.concat(this.fragments);
          this.fragments = [];
          this.emit('message', whole.toString('utf8'));
        }
        return;
      case OP_PING:
        if (!this.closed) this.writeFrame(OP_PONG, payload);
        return;
      case OP_CLOSE:
        this.close();
        return;
      default:
        return;
    }
  }

  /** The first `n` buffered bytes without consuming them. */
  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    return Buffer.concat(this.chunks, this.buffered).subarray(0, n);
  }

  private take(n: number): Buffer {
    let whole: Buffer;
    if (this.chunks[0].length >= n) whole = this.chunks[0];
    else {
      whole = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [whole];
    }
    const out = whole.subarray(0, n);
    const rest = whole.subarray(n);
    this.chunks = rest.length ? [rest, ...this.chunks.slice(1)] : this.chunks.slice(1);
    this.buffered -= n;
    return out;
  }
}
