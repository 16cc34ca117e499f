// Read paths out of a stopped Python process: direct (/proc/PID/mem) vs memfd vs evaluate (base64), one run,
// same array, `inspect --stats` read time in GB/s and the ratio to the evaluate path.

import * as path from 'path';
import { PythonTarget } from '../src/backends/python/target';
import { inspectArray } from '../src/engine/engine';
import { TransportKind } from '../src/transport/transport';

const ROOT = path.resolve(__dirname, '..', '..');

function markerLine(file: string): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('fs') as typeof import('fs')).readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('# BREAK')) + 1;
}

export async function run(): Promise<void> {
  const program = path.join(ROOT, 'bench', 'fixtures', 'big.py');
  const mb = Number(process.env.ARRAYLENS_BENCH_MB ?? 256);
  const target = await PythonTarget.launch({
    python: path.join(ROOT, '.venv', 'bin', 'python'),
    program,
    args: [],
    breakpoint: { file: program, line: markerLine(program) },
  });
  try {
    const rows: { kind: TransportKind; readMs: number; statsMs: number; gbs: number }[] = [];
    for (const kind of ['direct', 'memfd', 'evaluate'] as TransportKind[]) {
      const r = await inspectArray(target, 'big', { stats: true, transport: kind });
      const bytes = r.shape.reduce((a, b) => a * b, 1) * 4;
      rows.push({ kind, readMs: r.timing.read_ms, statsMs: r.timing.stats_ms ?? 0, gbs: bytes / 1e9 / (r.timing.read_ms / 1000) });
    }
    const evalRow = rows.find((r) => r.kind === 'evaluate')!;
    console.log(`inspect --stats of a ${mb} MiB float32 array in a stopped Python process (read time, stats kernels apart)`);
    console.log('transport   read ms    GB/s   x evaluate   stats ms');
    for (const r of rows)
      console.log(
        `${r.kind.padEnd(10)} ${r.readMs.toFixed(1).padStart(8)} ${r.gbs.toFixed(3).padStart(7)} ${(evalRow.readMs / r.readMs).toFixed(1).padStart(11)} ${r.statsMs.toFixed(1).padStart(10)}`,
      );
  } finally {
    await target.close();
  }
}

if (require.main === module) run().catch((e) => (console.error(e), process.exit(1)));
