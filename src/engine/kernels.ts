// Picks the stats kernels once: the native SIMD addon when it loads, else the JS reference, and says why.

import * as path from 'path';
import { countPatterns } from '../core/patterns';
import { StatsKernels, jsKernels as jsReference } from '../core/stats';

/** The JS fallback: the reference kernels plus the JS pattern count (one pass for 1- and 2-byte dtypes). */
const jsKernels: StatsKernels = { ...jsReference, patterns: countPatterns };

export interface KernelChoice {
  kernels: StatsKernels;
  backend: string;
  reason: string;
}

let choice: KernelChoice | null = null;

/** Set ARRAYLENS_NO_NATIVE=1 to force the JS fallback (CI runs the core suite both ways). */
export function loadKernels(): KernelChoice {
  if (choice) return choice;
  if (process.env.ARRAYLENS_NO_NATIVE === '1') {
    choice = { kernels: jsKernels, backend: 'js', reason: 'ARRAYLENS_NO_NATIVE=1' };
    return choice;
  }
  try {
    const candidates = [
      path.join(__dirname, '..', '..', '..', 'native', 'build', 'Release', 'arraylens_native.node'),
      path.join(__dirname, '..', 'native', 'build', 'Release', 'arraylens_native.node'),
      path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'arraylens_native.node'),
    ];
    const fs = require('fs') as typeof import('fs'); // eslint-disable-line @typescript-eslint/no-require-imports
    const file = candidates.find((c) => fs.existsSync(c));
    if (!file) {
      choice = { kernels: jsKernels, backend: 'js', reason: 'native addon not built (run npm run setup)' };
      return choice;
    }
    const { nativeKernels } = require('./nativeKernels') as typeof import('./nativeKernels'); // eslint-disable-line @typescript-eslint/no-require-imports
    const k = nativeKernels(file);
    choice = { kernels: k.kernels, backend: k.kernels.name, reason: k.reason };
  } catch (e) {
    choice = { kernels: jsKernels, backend: 'js', reason: `native addon failed to load: ${(e as Error).message}` };
  }
  return choice;
}

let reported = false;

/** Says once per process which stats kernels run and why (the extension's output channel, the CLI's stderr). */
export function reportKernelChoice(log: (line: string) => void): KernelChoice {
  const c = loadKernels();
  if (!reported) {
    reported = true;
    log(`stats kernels: ${c.backend} (${c.reason})`);
  }
  return c;
}
