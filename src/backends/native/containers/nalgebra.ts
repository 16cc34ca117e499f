// nalgebra Matrix<T, R, C, S>: VecStorage/ArrayStorage (column-major, contiguous) and ViewStorage/ViewStorageMut
// (pointer, shape, and strides in elements from RStride/CStride); column vectors (C = Const<1>) as 1-D; Point (OPoint)
// as the vector in its `coords`.

import { ArrayLensError } from '../../../core/errors';
import type { ContainerRecogniser, Described, NativeDescriber, NativeValue } from '../describe';
import { parseAddressText, templateArgs } from '../types';

const CONST = /Const<\s*(\d+)\s*>\s*$/;

/** A dimension value: Const<N> from its type, Dyn(n) from its one field. */
async function dim(d: NativeDescriber, v: NativeValue, what: string): Promise<number> {
  const c = CONST.exec(v.type);
  if (c) return Number(c[1]);
  const kids = await d.dbg.children(v);
  const k = kids.find((x) => x.name === '__0') ?? kids[0];
  if (!k) throw new Error(`${what}: no value in ${v.type}`);
  return Number(d.integerOf(k, what));
}

async function kid(d: NativeDescriber, v: NativeValue, name: string): Promise<NativeValue> {
  const k = (await d.dbg.children(v)).find((x) => x.name === name);
  if (!k) throw new Error(`no member '${name}' in ${v.type}`);
  return k;
}

async function pair(d: NativeDescriber, v: NativeValue, what: string): Promise<[number, number]> {
  const kids = await d.dbg.children(v);
  if (kids.length < 2) throw new Error(`${what}: ${v.type} is not a pair`);
  return [await dim(d, kids[0], what), await dim(d, kids[1], what)];
}

async function describeMatrix(d: NativeDescriber, expr: string, v: NativeValue, args: string[], type: string): Promise<Described> {
  const [element, R, C, S] = args;
  const dt = await d.dtypeOf(expr, element);
  const storageBase = templateArgs(S ?? '')?.base ?? S ?? '';
  const storage = await kid(d, v, 'data');
  let address: bigint;
  let rows: number, cols: number, rs: number, cs: number;
  if (/VecStorage$/.test(storageBase)) {
    rows = await dim(d, await kid(d, storage, 'nrows'), 'nrows');
    cols = await dim(d, await kid(d, storage, 'ncols'), 'ncols');
    address = (await d.describeMember(`${expr}.data.data`, await kid(d, storage, 'data'))).address;
    [rs, cs] = [1, rows];
  } else if (/ArrayStorage$/.test(storageBase)) {
    const [r, c] = [CONST.exec(R), CONST.exec(C)];
    if (!r || !c) throw new Error(`ArrayStorage with dimensions ${R}, ${C}`);
    [rows, cols] = [Number(r[1]), Number(c[1])];
    address = await d.addressOf(expr, v);
    [rs, cs] = [1, rows];
  } else if (/ViewStorage(Mut)?$/.test(storageBase)) {
    const ptr = parseAddressText((await kid(d, storage, 'ptr')).value);
    if (ptr === null) throw new Error('unreadable ptr');
    address = ptr;
    [rows, cols] = await pair(d, await kid(d, storage, 'shape'), 'shape');
    [rs, cs] = await pair(d, await kid(d, storage, 'strides'), 'strides');
  } else throw new Error(`storage ${storageBase} is not one ArrayLens reads (VecStorage, ArrayStorage, ViewStorage)`);
  const b = dt.itemsize;
  if (CONST.exec(C)?.[1] === '1') return { address, dtype: dt, shape: [rows], strides: [rs * b], typeName: type };
  return { address, dtype: dt, shape: [rows, cols], strides: [rs * b, cs * b], typeName: type };
}

export const nalgebraMatrix: ContainerRecogniser = {
  name: 'nalgebra::Matrix',
  matches: (base, args) => /^nalgebra::(base::matrix::)?Matrix$/.test(base) && args.length === 4,
  async describe(d, expr, v, tpl, type) {
    try {
      return await describeMatrix(d, expr, v, tpl.args, type);
    } catch (e) {
      if (e instanceof ArrayLensError && e.code === 'unsupported-dtype') throw e;
      throw new ArrayLensError(
        'not-an-array',
        `'${expr}' is a ${type}, but its members are not the nalgebra layout ArrayLens reads (data: VecStorage {data, nrows, ncols}, ` +
          `ArrayStorage, ViewStorage {ptr, shape, strides}): ${(e as Error).message}. Give it a layout instead, e.g. 'PTR as float64[ROWS, COLS]'`,
      );
    }
  },
};

/** OPoint<T, D> (Point2/Point3/...): its `coords` is the SVector that holds the numbers. */
export const nalgebraPoint: ContainerRecogniser = {
  name: 'nalgebra::OPoint',
  matches: (base) => /^nalgebra::(geometry::point::)?OPoint$/.test(base),
  async describe(d, expr, v, _tpl, type) {
    const coords = (await d.dbg.children(v)).find((k) => k.name === 'coords');
    if (!coords)
      throw new ArrayLensError(
        'not-an-array',
        `'${expr}' is a ${type}, but it has no 'coords' member (the nalgebra layout ArrayLens reads): give it a layout, e.g. '&${expr} as float64[3]'`,
      );
    return { ...(await d.describeMember(`${expr}.coords`, coords)), typeName: type };
  },
};
