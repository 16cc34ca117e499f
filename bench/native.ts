// A 256 MiB Rust ndarray (test/fixtures/rust/arrays/src/bin/big.rs) stopped under lldb-dap: time to describe it
// from debug info, and to read it whole through /proc/PID/mem vs DAP readMemory, in one run (ratio vs DAP).

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { launchNative } from '../src/backends/native/launch';
import { elementCount } from '../src/core/view';
import { TransportKind } from '../src/transport/transport';

const ROOT = path.resolve(__dirname, '..', '..');
const CRATE = path.join(ROOT, 'test', 'fixtures', 'rust', 'arrays');

export async function run(): Promise<void> {
  const src = path.join(CRATE, 'src', 'bin', 'big.rs');
  const bin = path.join(CRATE, 'target', 'debug', 'big');
  if (!fs.existsSync(bin)) execFileSync('bash', ['-c', 'nice cargo build --offline -q || nice cargo build -q'], { cwd: CRATE, stdio: 'inherit' });
  const line = fs.readFileSync(src, 'utf8').split('\n').findIndex((l) => l.includes('// BREAK')) + 1;
  const t0 = performance.now();
  const target = await launchNative({ program: bin, args: [], breakpoint: { file: src, line }, debugger: 'lldb', stopTimeoutMs: 300000 });
  const launchMs = performance.now() - t0;
  try {
    const t1 = performance.now();
    const handle = await target.resolve('big');
    const describeMs = performance.now() - t1;
    const bytes = elementCount(handle.view.shape) * handle.view.dtype.itemsize;
    console.log(`launch to breakpoint ${launchMs.toFixed(0)} ms; describe 'big' (${handle.view.dtype.name}[${handle.view.shape.join(', ')}], ${(bytes / 2 ** 20).toFixed(0)} MiB) ${describeMs.toFixed(1)} ms`);
    const rows: { kind: TransportKind; ms: number }[] = [];
    for (const kind of ['direct', 'dap'] as TransportKind[]) {
      const t = await target.transport(kind, handle.view);
      const t2 = performance.now();
      const buf = await t.readView(handle.view);
      const ms = performance.now() - t2;
      if (buf.length !== bytes) throw new Error(`${kind}: read ${buf.length} of ${bytes} bytes`);
      rows.push({ kind, ms });
    }
    const dap = rows.find((r) => r.kind === 'dap')!.ms;
    for (const r of rows)
      console.log(`${r.kind.padEnd(7)} read ${r.ms.toFixed(0).padStart(7)} ms  ${(bytes / 1e6 / (r.ms / 1000)).toFixed(1).padStart(8)} MB/s  x${(dap / r.ms).toFixed(1)} vs dap`);
  } finally {
    await target.close();
  }
}

if (require.main === module) run().catch((e) => {
  console.error(e);
  process.exit(1);
});
