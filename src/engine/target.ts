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
  /**
   * Listing only: the array exists once code of the object runs (a computed __array_interface__, a Pillow image, a CUDA
   * tensor's host copy), so the listing did not run it and `view` is an empty placeholder; this says why. Resolving the
   * expression runs it.
   */
  onRequest?: string;
}

/**
 * An array another debugger of the same process showed, by where its bytes lie (a Node + addon pair: the JavaScript
 * arrays at the last JS stop, for the native side).
 */
export interface KnownRegion {
  expr: string;
  language: Language;
  address: bigint;
  nbytes: number;
}

export interface DebugTarget {
  readonly language: Language;
  /** The pid of the debuggee, when it is a local process. */
  readonly pid: number | undefined;
  /** Where the program stopped (file, line), when the backend knows: the debugger may have moved the breakpoint. */
  readonly stoppedAt?: { file: string; line: number };
  resolve(expr: string): Promise<ArrayHandle>;
  /** `known`: arrays of another debugger; a native frame lists its pointers into them (others ignore it). */
  listArrays(known?: readonly KnownRegion[]): Promise<ArrayHandle[]>;
  /** The transport to read `probe` with: `auto` picks the fastest that works. */
  transport(kind: 'auto' | TransportKind, probe: StridedView): Promise<Transport>;
  close(): Promise<void>;
}
