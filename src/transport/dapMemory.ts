// DAP readMemory, used only where the adapter advertises supportsReadMemoryRequest (debugpy hangs if sent it).

import { ArrayLensError } from '../core/errors';
import { StridedView } from '../core/view';
import { DapChannel } from '../rpc/dapClient';
import { Transport, readViewByRanges } from './transport';

const CHUNK = 4 << 20;

export class DapMemoryTransport implements Transport {
  readonly kind = 'dap' as const;
  constructor(private readonly dap: DapChannel) {}

  async readRange(address: bigint, length: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const count = Math.min(CHUNK, length - done);
      const at = address + BigInt(done);
      const body = await this.dap.request<{ data?: string; unreadableBytes?: number }>('readMemory', {
        memoryReference: `0x${at.toString(16)}`,
        offset: 0,
        count,
      });
      const data = Buffer.from(body.data ?? '', 'base64');
      if (data.length < count)
        throw new ArrayLensError(
          'unreadable',
          `address 0x${(at + BigInt(data.length)).toString(16)} is not readable (${body.unreadableBytes ?? count - data.length} bytes unreadable)`,
        );
      data.copy(out, done);
      done += count;
    }
    return out;
  }

  readView(view: StridedView): Promise<Buffer> {
    return readViewByRanges((a, l) => this.readRange(a, l), view);
  }
}
