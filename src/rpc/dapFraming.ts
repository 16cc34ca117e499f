// DAP wire format, shared by the client (engine -> debugger) and the `arraylens` adapter (VS Code -> us):
// Content-Length framed JSON messages, with limits so a broken peer cannot make us buffer without end.

import { Writable } from 'stream';

/** A DAP body or arguments object as it travels: its fields are checked where they are read. */
export type DapObject = Record<string, unknown>;

/**
 * One DAP message as it travels (requests, responses and events in one shape, so proxies can forward them).
 * The typed forms of requests, responses and events are in dapTypes.ts.
 */
export interface DapMessage {
  seq: number;
  type: 'request' | 'response' | 'event';
  command?: string;
  event?: string;
  success?: boolean;
  message?: string;
  body?: DapObject;
  request_seq?: number;
  arguments?: unknown;
}

/** The largest message accepted: readMemory answers are base64 of at most a few MiB; anything past this is a broken peer. */
export const MAX_DAP_MESSAGE_BYTES = 256 << 20;
/** The longest header block (its lines before the blank line) accepted. */
export const MAX_DAP_HEADER_BYTES = 64 << 10;

/**
 * A framing problem. `fatal`: the stream cannot be followed any more (a length past the cap, a header that never
 * ends) and the reader ignores everything after it; otherwise one message was dropped and reading goes on.
 */
export class DapFramingError extends Error {
  constructor(
    message: string,
    readonly fatal: boolean,
  ) {
    super(message);
    this.name = 'DapFramingError';
  }
}

/**
 * Splits a byte stream into DAP messages. Text before a header (a stray log line on stdout) is skipped; a header block
 * without Content-Length, or a body that is not a JSON object, is dropped with a non-fatal error; a Content-Length
 * past MAX_DAP_MESSAGE_BYTES or a header block past MAX_DAP_HEADER_BYTES is fatal.
 */
export class DapReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the frame being read, once its header is parsed. */
  private bodyLength = -1;
  private failed = false;

  constructor(
    private readonly onMessage: (m: DapMessage) => void,
    private readonly onError: (e: DapFramingError) => void = () => undefined,
    private readonly maxMessageBytes = MAX_DAP_MESSAGE_BYTES,
  ) {}

  /** True once a fatal framing error stopped the reader. */
  get isFailed(): boolean {
    return this.failed;
  }

  push(d: Buffer): void {
    if (this.failed || d.length === 0) return;
    this.chunks.push(d);
    this.buffered += d.length;
    for (;;) {
      if (this.bodyLength < 0 && !this.readHeader()) return;
      // Wait for the whole body before joining chunks: a large answer arrives in many reads.
      if (this.buffered < this.bodyLength) return;
      const body = this.take(this.bodyLength);
      this.bodyLength = -1;
      this.deliver(body);
      if (this.failed) return;
    }
  }

  /** Parses the next header block; false when more bytes are needed (or the reader failed). */
  private readHeader(): boolean {
    for (;;) {
      const head = this.joined();
      const headerEnd = head.indexOf('\r\n\r\n');
      if (headerEnd < 0) {
        if (head.length > MAX_DAP_HEADER_BYTES) this.fail(`a DAP header longer than ${MAX_DAP_HEADER_BYTES} bytes without an end: the peer does not speak DAP`);
        return false;
      }
      const header = head.subarray(0, headerEnd).toString('latin1');
      this.take(headerEnd + 4);
      const m = /Content-Length: *(\d+) *(?:\r\n|$)/i.exec(header);
      if (!m) {
        this.onError(new DapFramingError(`a DAP header without Content-Length was skipped: ${JSON.stringify(header.slice(0, 120))}`, false));
        continue;
      }
      const len = Number(m[1]);
      if (!Number.isSafeInteger(len) || len > this.maxMessageBytes) {
        this.fail(`a DAP message of ${m[1]} bytes is past the limit of ${this.maxMessageBytes} bytes: the stream was closed`);
        return false;
      }
      this.bodyLength = len;
      return true;
    }
  }

  private deliver(body: Buffer): void {
    let msg: unknown;
    try {
      msg = JSON.parse(body.toString('utf8'));
    } catch (e) {
      this.onError(new DapFramingError(`a DAP message that is not JSON was dropped (${(e as Error).message}): ${JSON.stringify(body.subarray(0, 120).toString('utf8'))}`, false));
      return;
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg) || typeof (msg as DapMessage).type !== 'string') {
      this.onError(new DapFramingError(`a DAP message that is not a protocol message object was dropped: ${JSON.stringify(body.subarray(0, 120).toString('utf8'))}`, false));
      return;
    }
    this.onMessage(msg as DapMessage);
  }

  private fail(message: string): void {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    this.onError(new DapFramingError(message, true));
  }

  /** All buffered bytes as one buffer (kept as the only chunk). */
  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private take(n: number): Buffer {
    const all = this.joined();
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered -= n;
    return out;
  }
}

export function writeDap(out: Writable, msg: DapMessage): void {
  const json = JSON.stringify(msg);
  out.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`);
}
