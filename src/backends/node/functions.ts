// JavaScript the Node backend runs in the paused debuggee (Runtime.callFunctionOn on a remote object): fixed
// source, arguments passed as CDP values, never user text spliced in. Which of them V8 lets run under
// `throwOnSideEffect` is measured, not assumed: the notes say why each one runs checked or unchecked.

import { DType, dtype } from '../../core/dtype';

/** TypedArray constructor names (the intrinsic one at the bottom of a subclass's prototype chain) to dtypes. */
export const TYPED_ARRAY_DTYPES: Record<string, DType> = {
  Int8Array: dtype('int8'),
  Uint8Array: dtype('uint8'),
  Uint8ClampedArray: dtype('uint8'),
  Int16Array: dtype('int16'),
  Uint16Array: dtype('uint16'),
  Int32Array: dtype('int32'),
  Uint32Array: dtype('uint32'),
  Float16Array: dtype('float16'),
  Float32Array: dtype('float32'),
  Float64Array: dtype('float64'),
  BigInt64Array: dtype('int64'),
  BigUint64Array: dtype('uint64'),
};

export interface ViewDescription {
  /** Intrinsic TypedArray name (`Uint8Array` for a Buffer), or `DataView`. */
  element: string;
  byteOffset: number;
  byteLength: number;
  length: number;
}

/**
 * Runs checked (throwOnSideEffect). The element type comes from walking prototypes to an intrinsic constructor:
 * V8 does not allow the `Symbol.toStringTag` getter in side-effect-free evaluation (measured on Node 20 and 24).
 */
export const DESCRIBE_TYPED_ARRAY = `function () {
  const names = ${JSON.stringify(Object.keys(TYPED_ARRAY_DTYPES))};
  let p = Object.getPrototypeOf(this);
  let element = '';
  for (let depth = 0; p && depth < 64; depth++) {
    const c = Object.getOwnPropertyDescriptor(p, 'constructor');
    const name = c && typeof c.value === 'function' ? c.value.name : '';
    if (names.indexOf(name) >= 0) { element = name; break; }
    p = Object.getPrototypeOf(p);
  }
  return { element: element, byteOffset: this.byteOffset, byteLength: this.byteLength, length: this.length };
}`;

/** Runs checked. */
export const DESCRIBE_DATA_VIEW = `function () {
  return { element: 'DataView', byteOffset: this.byteOffset, byteLength: this.byteLength, length: this.byteLength };
}`;

/** Runs checked; returns the view's ArrayBuffer or SharedArrayBuffer (as a remote object). */
export const BUFFER_OF_VIEW = `function () { return this.buffer; }`;

/**
 * Loads the address probe addon (see probe/arraylens_probe.c) and returns its exports, kept as a remote object:
 * nothing is added to the program's globals or require cache. Unchecked: loading an addon is a side effect.
 */
export const LOAD_PROBE = `function (file) {
  const m = { exports: {} };
  process.dlopen(m, file);
  return m.exports;
}`;

/**
 * Called on the probe's exports with an ArrayBuffer/SharedArrayBuffer argument: the address of its first byte as
 * a decimal string ("0" for an empty buffer). Unchecked (a native call); it allocates one Uint8Array.
 */
export const BUFFER_ADDRESS = `function (buffer) {
  if (buffer.byteLength === 0) return '0';
  return String(this.dataAddress(new Uint8Array(buffer)));
}`;

/**
 * Called on an ArrayBuffer/SharedArrayBuffer: bytes [offset, offset + length) as base64. Unchecked: under
 * throwOnSideEffect V8 refuses Buffer#toString, and a pure-JS encoder that it accepts ran at ~1 MB/s (measured)
 * against ~30 MB/s for this. It only creates a view on the buffer and encodes it.
 */
export const READ_BASE64 = `function (offset, length) {
  return Buffer.from(this, offset, length).toString('base64');
}`;
