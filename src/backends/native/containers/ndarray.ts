// Rust ndarray (0.15 .. 0.17): ArrayBase/ArrayRef/LayoutRef/RawRef with ptr, dim and strides in the debug info.

import { ArrayLensError } from '../../../core/errors';
import type { ContainerRecogniser, Described, NativeDescriber, NativeValue } from '../describe';
import { asSigned64, pointeeType } from '../types';

async function describeNdarray(d: NativeDescriber, expr: string, v: NativeValue, type: string): Promise<Described> {
  const ptr = await d.member(v, 'ptr');
  const dim = await d.member(v, 'dim');
  const strides = await d.member(v, 'strides');
  if (!ptr || !dim || !strides) throw new ArrayLensError('not-an-array', `'${expr}' (${type}): ptr/dim/strides not found in the debug info`);
  const ptrType = await d.pointerType(ptr);
  const element = ptrType ? pointeeType(ptrType) : null;
  if (!element) throw new ArrayLensError('not-an-array', `'${expr}': cannot find the element type of ${ptr.type}`);
  const dt = await d.dtypeOf(expr, element);
  const address = await d.nonNullPointer(ptr);
  if (address === null) throw new ArrayLensError('not-an-array', `'${expr}': cannot read its data pointer`);
  const shape = (await d.integers(dim, `'${expr}' dim`)).map(Number);
  const elemStrides = (await d.integers(strides, `'${expr}' strides`)).map(asSigned64);
  if (shape.length !== elemStrides.length) throw new ArrayLensError('not-an-array', `'${expr}': ${shape.length} dims but ${elemStrides.length} strides`);
  return {
    address,
    dtype: dt,
    shape,
    strides: elemStrides.map((s) => Number(s * BigInt(dt.itemsize))),
    typeName: type,
  };
}

export const ndarray: ContainerRecogniser = {
  name: 'ndarray',
  matches: (base) => /^ndarray::(ArrayBase|ArrayRef|LayoutRef|RawRef)$/.test(base),
  describe: (d, expr, v, _tpl, type) => describeNdarray(d, expr, v, type),
};
