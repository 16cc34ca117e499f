// Adapter from the native addon's exports to the StatsKernels interface (filled in with the addon).

import { StatsKernels } from '../core/stats';

export function nativeKernels(file: string): { kernels: StatsKernels; reason: string } {
  throw new Error(`native kernels at ${file} are not wired yet`);
}
