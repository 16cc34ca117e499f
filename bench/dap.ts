// debugpy request round trips: the same program stopped under debugpy's adapter as debugpy ships it
// (`python -m debugpy.adapter`, the baseline) and as ArrayLens runs it (src/backends/python/debugpy.ts ADAPTER_BOOT:
// TCP_QUICKACK on the adapter's reads), in one run. Each `evaluate`, `stackTrace` and `variables` is answered by pydevd
// in the debuggee; the ratio is what every listing, description and Variables summary of a Python session gains.

import * as fs from 'fs';
import * as path from 'path';
import { launchToBreakpoint } from '../src/backends/dapLaunch';
import { debugpyAdapter, debugpyLaunchArguments } from '../src/backends/python/debugpy';
import { median } from './soakSummary';

const ROOT = path.resolve(__dirname, '..', '..');
const PROGRAM = path.join(ROOT, 'bench', 'fixtures', 'soak.py');
const ROUNDS = 40;

async function measure(plain: boolean): Promise<{ evaluate: number; stackTrace: number; variables: number }> {
  const python = path.join(ROOT, '.venv', 'bin', 'python');
  const line = fs.readFileSync(PROGRAM, 'utf8').split('\n').findIndex((l) => l.includes('# BREAK')) + 1;
  const args = debugpyLaunchArguments({ program: PROGRAM, args: ['3'], cwd: ROOT, python, subProcess: false, stopOnEntry: false });
  const d = await launchToBreakpoint(debugpyAdapter(python, 'or pass --python', { plain }), args, { file: PROGRAM, line }, { timeoutMs: 120000, rule: 'any' });
  try {
    const times = { evaluate: [] as number[], stackTrace: [] as number[], variables: [] as number[] };
    const scopes = await d.client.request<{ scopes: { variablesReference: number }[] }>('scopes', { frameId: d.frameId });
    const ref = scopes.scopes[0].variablesReference;
    for (let i = 0; i < ROUNDS; i++) {
      let t0 = performance.now();
      await d.client.request('evaluate', { expression: 'image.shape', frameId: d.frameId, context: 'watch' });
      times.evaluate.push(performance.now() - t0);
      t0 = performance.now();
      await d.client.request('stackTrace', { threadId: d.threadId, startFrame: 0, levels: 1 });
      times.stackTrace.push(performance.now() - t0);
      t0 = performance.now();
      await d.client.request('variables', { variablesReference: ref });
      times.variables.push(performance.now() - t0);
    }
    return { evaluate: median(times.evaluate), stackTrace: median(times.stackTrace), variables: median(times.variables) };
  } finally {
    await d.close();
  }
}

export async function run(): Promise<void> {
  const base = await measure(true);
  const ours = await measure(false);
  console.log(`debugpy round trips at a stop, median of ${ROUNDS} (bench/fixtures/soak.py):`);
  for (const k of ['evaluate', 'stackTrace', 'variables'] as const)
    console.log(
      `  ${k.padEnd(10)} python -m debugpy.adapter ${base[k].toFixed(1).padStart(6)} ms; ArrayLens's adapter start ${ours[k].toFixed(1).padStart(6)} ms: x${(base[k] / ours[k]).toFixed(1)}`,
    );
}

if (require.main === module) run().catch((e) => (console.error(e), process.exit(1)));
