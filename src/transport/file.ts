// Reads a file's bytes by offset, as a transport: `arraylens stats FILE.npy` streams chunks and never loads it whole.

import * as fs from 'fs';
import { ArrayLensError } from '../core/errors';
import { StridedView } from '../core/view';
import { Transport, readViewByRanges } from './transport';

export class FileTransport implements Transport {
  readonly kind = 'direct' as const;
  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {}

  async readRange(address: bigint, length: number): Promise<Buffer> {
    const start = Number(address);
    if (start < 0 || start + length > this.size)
      throw new ArrayLensError('unreadable', `bytes ${start}..${start + length} lie outside the file (${this.size} bytes)`);
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, out, done, Math.min(length - done, 1 << 30), start + done);
      if (n === 0) throw new ArrayLensError('unreadable', 'unexpected end of file');
      done += n;
    }
    return out;
  }

  readView(view: StridedView): Promise<Buffer> {
    return readViewByRanges((a, l) => this.readRange(a, l), view);
  }
}
