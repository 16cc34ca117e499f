// Python expressions that read an array's bytes in the debuggee: a C-contiguous copy of a strided view, sent back
// through a memfd or as base64 (the Python transports of src/backends/python/transport.ts).

import { ArrayLensError } from '../../core/errors';
import { StridedView } from '../../core/view';

function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`;
}

/**
 * Evaluates to a C-contiguous NumPy copy of the raw strided view (bytes as void items), built through the
 * array interface from integers the engine computed and validated against the array's own extent.
 */
export function contiguousCopyExpression(v: StridedView): string {
  for (const x of [...v.shape, ...v.strides]) if (!Number.isSafeInteger(x)) throw new ArrayLensError('bad-argument', 'bad view');
  return (
    `__import__('numpy').ascontiguousarray(__import__('numpy').asarray(type('ArrayLensView', (), {'__array_interface__': ` +
    `{'version': 3, 'data': (${v.address.toString()}, True), 'shape': ${pyTuple(v.shape)}, ` +
    `'strides': ${pyTuple(v.strides)}, 'typestr': '|V${v.dtype.itemsize}'}})()))`
  );
}

export function memfdWriteExpression(v: StridedView): string {
  return (
    `(lambda os, b: (lambda fd: str(fd) + ':' + str(os.write(fd, b)))(os.memfd_create('arraylens', os.MFD_CLOEXEC)))` +
    `(__import__('os'), ${contiguousCopyExpression(v)}.data)`
  );
}

export function memfdCloseExpression(fd: number): string {
  if (!Number.isSafeInteger(fd) || fd < 0) throw new ArrayLensError('bad-argument', 'bad fd');
  return `__import__('os').close(${fd})`;
}

export function base64Expression(v: StridedView): string {
  return `__import__('binascii').b2a_base64(${contiguousCopyExpression(v)}.data, newline=False).decode('ascii')`;
}
