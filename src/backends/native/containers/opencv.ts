// OpenCV cv::Mat and cv::Mat_<T>: depth and channels from `flags`, N-d shape and byte steps from size.p/step.p
// (ROIs and non-continuous mats included), channels as the last axis when there is more than one. cv::Matx<T, m, n>
// (row-major m x n) and cv::Vec<T, n> / cv::Scalar_ (1-D) from their `val` array.

import { DType, dtype } from '../../../core/dtype';
import { ArrayLensError } from '../../../core/errors';
import type { ContainerRecogniser, Described, NativeDescriber } from '../describe';
import { parseArrayType, templateArgs } from '../types';

/** CV_8U .. CV_16F, the depth in the low 3 bits of flags. */
const DEPTHS: DType['name'][] = ['uint8', 'int8', 'uint16', 'int16', 'int32', 'float32', 'float64', 'float16'];
const MAGIC_MASK = 0xffff0000;
const MAGIC_VAL = 0x42ff0000;

async function describeMat(d: NativeDescriber, expr: string, type: string): Promise<Described> {
  const flags = Number(BigInt.asUintN(32, await d.evaluateInteger(`(${expr}).flags`)));
  if ((flags & MAGIC_MASK) >>> 0 !== MAGIC_VAL) throw new Error(`flags 0x${flags.toString(16)} lack cv::Mat's magic value`);
  const dt = dtype(DEPTHS[flags & 7]);
  const channels = ((flags >>> 3) & 511) + 1;
  const dims = Number(await d.evaluateInteger(`(${expr}).dims`));
  if (dims < 0 || dims > 32) throw new Error(`dims ${dims}`);
  const address = await d.evaluateAddress(`(${expr}).data`);
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < dims; i++) {
    shape.push(Number(await d.evaluateInteger(`(${expr}).size.p[${i}]`)));
    strides.push(Number(await d.evaluateInteger(`(${expr}).step.p[${i}]`)));
  }
  if (address === 0n) return { address, dtype: dt, shape: shape.map(() => 0), strides: shape.map(() => 0), typeName: type };
  if (channels > 1) {
    shape.push(channels);
    strides.push(dt.itemsize);
  }
  return { address, dtype: dt, shape, strides, typeName: `${type} (${channels} channel${channels > 1 ? 's' : ''} of ${dt.name})` };
}

export const opencvMat: ContainerRecogniser = {
  name: 'cv::Mat',
  matches: (base) => base === 'cv::Mat' || base === 'cv::Mat_',
  async describe(d, expr, _v, _tpl, type) {
    try {
      return await describeMat(d, expr, type);
    } catch (e) {
      throw new ArrayLensError(
        'not-an-array',
        `'${expr}' is a ${type}, but its members are not the cv::Mat layout ArrayLens reads (flags, dims, data, size.p, step.p): ` +
          `${(e as Error).message}. Give it a layout instead, e.g. '(${expr}).data as uint8[ROWS, COLS, CHANNELS]'`,
      );
    }
  },
};

/** Matx's rows and columns: from `cv::Matx<T, m, n>`, from the typedef name (Matx33f, Matx16d), or the canonical type. */
async function matxShape(d: NativeDescriber, base: string, args: string[], type: string): Promise<[number, number]> {
  const fromArgs = (a: string[]): [number, number] | null => {
    const [m, n] = [Number(a[1]), Number(a[2])];
    return Number.isSafeInteger(m) && Number.isSafeInteger(n) && m > 0 && n > 0 ? [m, n] : null;
  };
  const direct = fromArgs(args);
  if (direct) return direct;
  const named = /^cv::Matx(\d)(\d)[bswifd]$/.exec(base);
  if (named) return [Number(named[1]), Number(named[2])];
  const canon = await d.dbg.canonicalType(type).catch(() => null);
  const tpl = canon ? templateArgs(canon.replace(/^(const|volatile)\s+/, '')) : null;
  const viaCanon = tpl && /^cv::Matx$/.test(tpl.base) ? fromArgs(tpl.args) : null;
  if (!viaCanon) throw new Error(`cannot tell its rows and columns from the type name ${type}`);
  return viaCanon;
}

async function describeMatx(d: NativeDescriber, expr: string, base: string, args: string[], type: string): Promise<Described> {
  const val = await d.dbg.evaluate(`(${expr}).val`);
  const arr = parseArrayType(val.type.trim());
  if (!arr || arr.dims.length !== 1) throw new Error(`val is ${val.type}, not a T[m*n] array`);
  const dt = await d.dtypeOf(expr, arr.element);
  const address = await d.addressOf(`(${expr}).val`, val);
  const n = arr.dims[0];
  if (/^cv::(Vec|Scalar)/.test(base)) return { address, dtype: dt, shape: [n], typeName: type };
  const [rows, cols] = await matxShape(d, base, args, type);
  if (rows * cols !== n) throw new Error(`val holds ${n} elements, not ${rows}x${cols}`);
  return { address, dtype: dt, shape: [rows, cols], typeName: type };
}

export const opencvMatx: ContainerRecogniser = {
  name: 'cv::Matx',
  matches: (base) => /^cv::(Matx|Vec|Scalar_?)(\d\d?[bswifd])?$/.test(base),
  async describe(d, expr, _v, tpl, type) {
    try {
      return await describeMatx(d, expr, tpl.base, tpl.args, type);
    } catch (e) {
      if (e instanceof ArrayLensError && e.code === 'unsupported-dtype') throw e;
      throw new ArrayLensError(
        'not-an-array',
        `'${expr}' is a ${type}, but its members are not the cv::Matx/cv::Vec layout ArrayLens reads (val[m*n], row-major): ` +
          `${(e as Error).message}. Give it a layout instead, e.g. '(${expr}).val as float32[ROWS, COLS]'`,
      );
    }
  },
};
