// node-addon-api's typed array views (Napi::TypedArrayOf<T>, Napi::Buffer<T>).

import { ArrayLensError } from '../../../core/errors';
import type { ContainerRecogniser, Described, NativeDescriber } from '../describe';

/**
 * node-addon-api wrappers hold their view in members: TypedArrayOf<T> has `_data` (T*) and `_length` (elements);
 * Buffer<T> is a Uint8Array whose `_length` counts bytes (Buffer<T>::Length() is ByteLength() / sizeof(T)).
 */
async function describeNapiTypedArray(d: NativeDescriber, expr: string, element: string, type: string, isBuffer: boolean): Promise<Described> {
  const dt = await d.dtypeOf(expr, element);
  const address = await d.evaluateAddress(`(${expr})._data`);
  const length = Number(await d.evaluateInteger(`(${expr})._length`));
  const n = isBuffer ? Math.floor(length / dt.itemsize) : length;
  if (!Number.isSafeInteger(n) || n < 0) throw new ArrayLensError('unreadable', `'${expr}' looks uninitialised: _length ${length}`);
  return { address, dtype: dt, shape: [n], typeName: type };
}

export const napiTypedArray: ContainerRecogniser = {
  name: 'Napi::TypedArrayOf',
  matches: (base) => base === 'Napi::TypedArrayOf' || base === 'Napi::Buffer',
  describe: (d, expr, _v, tpl, type) => describeNapiTypedArray(d, expr, tpl.args[0], type, tpl.base === 'Napi::Buffer'),
};
