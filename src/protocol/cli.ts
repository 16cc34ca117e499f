// The JSON the `arraylens` CLI prints (contract: shared/acceptance/README.md); also what the host shows.

import type { JsonValues } from '../core/decode';
import type { Stats } from '../core/stats';

export interface InspectResult {
  expr: string;
  language: 'python' | 'native' | 'node';
  dtype: string;
  byteOrder: 'little' | 'big';
  shape: number[];
  strides: number[];
  address: string;
  slice: string | null;
  transport: string;
  typeName?: string;
  values?: JsonValues;
  stats?: Stats & { backend: string };
  aliases?: { language: string; expr: string }[];
  /** "FILE:LINE" where the debugger really stopped (it may move a breakpoint off a blank or comment line). */
  stoppedAt?: string;
  /** bytes_read: what was read from the debuggee, where the transport counts it (direct reads). */
  timing: { read_ms: number; stats_ms?: number; bytes_read?: number };
}

export interface StatsFileResult {
  file: string;
  dtype: string;
  byteOrder: 'little' | 'big';
  shape: number[];
  slice: string | null;
  stats: Stats & { backend: string };
  timing: { read_ms: number; stats_ms: number };
}

export interface CliError {
  error: string;
  code: string;
}
