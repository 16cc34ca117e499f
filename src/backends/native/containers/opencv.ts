// OpenCV cv::Mat and cv::Mat_<T>: depth and channels from `flags`, N-d shape and byte steps from size.p/step.p
// (ROIs and non-continuous mats included), channels as the last axis when there is more than one.

import { DType, dtype } from '../../../core/dtype';
import { ArrayLensError } from '../../../core/errors';
import type { ContainerRecogniser, Described, NativeDescriber } from '../describe';

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
