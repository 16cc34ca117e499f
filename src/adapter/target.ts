// What every language backend offers the engine: resolve an expression to a strided view, list arrays, read.

import { StridedView } from '../core/view';
import { Transport, TransportKind } from '../transport/transport';

export type Language = 'python' | 'native' | 'node';

export interface ArrayHandle {
  expr: string;
  language: Language;
  view: StridedView;
  /** Type as the language names it (numpy.ndarray, float[24][32], ndarray::ArrayBase<...>). */
  typeName: string;
}

export interface DebugTarget {
  readonly language: Language;
  /** The pid of the debuggee, when it is a local process. */
  readonly pid: number | undefined;
  resolve(expr: string): Promise<ArrayHandle>;
  listArrays(): Promise<ArrayHandle[]>;
  /** The transport to read `probe` with: `auto` picks the fastest that works. */
  transport(kind: 'auto' | TransportKind, probe: StridedView): Promise<Transport>;
  close(): Promise<void>;
}
