// The image crate's ImageBuffer<P, Vec<S>> (Rgb, Rgba, Luma, LumaA of u8/u16/f32): [height, width, channels], C order.

import { ArrayLensError } from '../../../core/errors';
import type { ContainerRecogniser, Described, NativeDescriber, NativeValue } from '../describe';
import { templateArgs } from '../types';

const CHANNELS: Record<string, number> = { Luma: 1, LumaA: 2, Rgb: 3, Rgba: 4 };

async function describeImage(d: NativeDescriber, expr: string, v: NativeValue, args: string[], type: string): Promise<Described> {
  const pixel = templateArgs(args[0] ?? '');
  const name = pixel?.base.replace(/^.*::/, '') ?? '';
  const channels = CHANNELS[name];
  if (!pixel || !channels) throw new Error(`pixel type ${args[0]} is not Luma, LumaA, Rgb or Rgba`);
  const kids = await d.dbg.children(v);
  const get = (n: string): NativeValue => {
    const k = kids.find((x) => x.name === n);
    if (!k) throw new Error(`no member '${n}'`);
    return k;
  };
  const width = Number(d.integerOf(get('width'), 'width'));
  const height = Number(d.integerOf(get('height'), 'height'));
  const data = await d.describeMember(`${expr}.data`, get('data'));
  if (data.shape[0] < width * height * channels) throw new Error(`${data.shape[0]} samples for ${height}x${width}x${channels}`);
  return { address: data.address, dtype: data.dtype, shape: [height, width, channels], typeName: type };
}

export const imageBuffer: ContainerRecogniser = {
  name: 'image::ImageBuffer',
  matches: (base) => /^image::(images::buffer::|buffer::)?ImageBuffer$/.test(base),
  async describe(d, expr, v, tpl, type) {
    try {
      return await describeImage(d, expr, v, tpl.args, type);
    } catch (e) {
      throw new ArrayLensError(
        'not-an-array',
        `'${expr}' is a ${type}, but its members are not the image crate layout ArrayLens reads (width, height, data: Vec): ` +
          `${(e as Error).message}. Give it a layout instead, e.g. 'PTR as uint8[HEIGHT, WIDTH, CHANNELS]'`,
      );
    }
  },
};
