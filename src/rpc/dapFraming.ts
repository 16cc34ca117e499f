// DAP wire format, shared by the client (engine -> debugger) and the `arraylens` adapter (VS Code -> us):
// Content-Length framed JSON messages.

import { Writable } from 'stream';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface DapMessage {
  seq: number;
  type: 'request' | 'response' | 'event';
  command?: string;
  event?: string;
  success?: boolean;
  message?: string;
  body?: any;
  request_seq?: number;
  arguments?: any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Splits a byte stream into DAP messages; frames without a Content-Length or with bad JSON are dropped. */
export class DapReader {
  private buffer = Buffer.alloc(0);
  constructor(private readonly onMessage: (m: DapMessage) => void) {}

  push(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const m = /Content-Length: *(\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'));
      if (!m) {
        this.buffer = this.buffer.subarray(headerEnd + 4);
        continue;
      }
      const len = Number(m[1]);
      if (this.buffer.length < headerEnd + 4 + len) return;
      const text = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + len);
      let msg: DapMessage;
      try {
        msg = JSON.parse(text) as DapMessage;
      } catch {
        continue;
      }
      if (msg && typeof msg === 'object') this.onMessage(msg);
    }
  }
}

export function writeDap(out: Writable, msg: DapMessage): void {
  const json = JSON.stringify(msg);
  out.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`);
}
