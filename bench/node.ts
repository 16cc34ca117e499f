// Read paths out of a paused Node process: direct (/proc/PID/mem at the address the N-API probe reports) vs
// base64 through the inspector (evaluate), same run, same Float32Array: whole-array stats and a 512x512 tile.

import * as fs from 'fs';
import * as path from 'path';
import { NodeTarget } from '../src/backends/node/target';
import { inspectArray } from '../src/engine/engine';
import { TransportKind } from '../src/transport/transport';

const ROOT = path.resolve(__dirname, '..', '..');

export async function run(): Promise<void> {
  const program = path.join(ROOT, 'test', 'fixtures', 'node', 'big.js');
  const line = fs.readFileSync(program, 'utf8').split('\n').findIndex((l) => l.includes('// BREAK')) + 1;
  const mb = Number(process.env.ARRAYLENS_BENCH_MB ?? 256);
  let t0 = performance.now();
  const target = await NodeTarget.launch({ program, args: [], breakpoint: { file: program, line }, env: { ...process.env, ARRAYLENS_BENCH_MB: String(mb) } });
  const launchMs = performance.now() - t0;
  try {
    const side = Math.floor(Math.sqrt((mb << 20) / 4));
    const expr = `big as float32[${side},${side}]`;
    t0 = performance.now();
    for (let i = 0; i < 20; i++) await target.resolve('big');
    const resolveMs = (performance.now() - t0) / 20;
    console.log(`launch to breakpoint ${launchMs.toFixed(0)} ms; resolve('big') ${resolveMs.toFixed(2)} ms (inspector round trips while paused)`);
    const rows: { kind: TransportKind; what: string; ms: number; bytes: number }[] = [];
    for (const kind of ['direct', 'evaluate'] as TransportKind[]) {
      const tile = await inspectArray(target, expr, { slice: '[1000:1512, 2000:2512]', values: true, transport: kind });
      rows.push({ kind, what: 'tile 512x512 --values', ms: tile.timing.read_ms, bytes: 512 * 512 * 4 });
      const whole = await inspectArray(target, 'big', { stats: true, transport: kind });
      rows.push({ kind, what: `whole ${mb} MiB --stats`, ms: whole.timing.read_ms, bytes: side * side * 4 });
    }
    console.log(`Float32Array of ${mb} MiB in a paused Node process (read time only; stats reads each chunk once, held for pass 2)`);
    console.log('transport  what                      read ms     MB/s   x evaluate');
    for (const r of rows) {
      const base = rows.find((b) => b.kind === 'evaluate' && b.what === r.what)!;
      console.log(
        `${r.kind.padEnd(10)} ${r.what.padEnd(24)} ${r.ms.toFixed(1).padStart(9)} ${(r.bytes / 1e6 / (r.ms / 1000)).toFixed(0).padStart(8)} ${(base.ms / r.ms).toFixed(1).padStart(11)}`,
      );
    }
  } finally {
    await target.close();
  }
}

if (require.main === module) run().catch((e) => (console.error(e), process.exit(1)));
