// C++ standard library containers: std::vector (libstdc++ and libc++ members) and std::array.

import { ArrayLensError } from '../../../core/errors';
import type { ContainerRecogniser, Described, NativeDescriber, NativeValue } from '../describe';
import { elementDType, hex, parseAddressText } from '../types';

async function describeStdArray(d: NativeDescriber, expr: string, v: NativeValue, args: string[], type: string): Promise<Described> {
  const n = Number((args[1] ?? '').replace(/[^\d]/g, ''));
  if (!Number.isSafeInteger(n)) throw new ArrayLensError('not-an-array', `'${expr}': cannot read the length of ${type}`);
  const inner = await d.describeFixed(expr, v, { element: args[0], dims: [n] });
  return { ...inner, typeName: type };
}

async function describeStdVector(d: NativeDescriber, expr: string, element: string, type: string): Promise<Described> {
  const dt = elementDType(element) ?? (element === 'bool' ? null : await d.dtypeOf(expr, element));
  if (!dt || element === 'bool')
    throw new ArrayLensError('not-an-array', `'${expr}' is a std::vector<bool>, which packs bits: ArrayLens shows arrays of whole elements`);
  for (const [begin, end] of [
    ['_M_impl._M_start', '_M_impl._M_finish'],
    ['__begin_', '__end_'],
  ]) {
    let start: NativeValue;
    let finish: NativeValue;
    try {
      start = await d.dbg.evaluate(`(${expr}).${begin}`);
      finish = await d.dbg.evaluate(`(${expr}).${end}`);
    } catch {
      continue;
    }
    const a = parseAddressText(start.value);
    const b = parseAddressText(finish.value);
    if (a === null || b === null) continue;
    const n = Number(b - a) / dt.itemsize;
    if (!Number.isSafeInteger(n) || n < 0) throw new ArrayLensError('unreadable', `'${expr}' looks corrupt: begin ${hex(a)}, end ${hex(b)}`);
    return { address: a, dtype: dt, shape: [n], typeName: type };
  }
  throw new ArrayLensError('not-an-array', `'${expr}' (${type}): neither libstdc++ nor libc++ members found in the debug info`);
}

export const stdVector: ContainerRecogniser = {
  name: 'std::vector',
  matches: (base) => base === 'std::vector',
  describe: (d, expr, _v, tpl, type) => describeStdVector(d, expr, tpl.args[0], type),
};

export const stdArray: ContainerRecogniser = {
  name: 'std::array',
  matches: (base) => base === 'std::array',
  describe: (d, expr, v, tpl, type) => describeStdArray(d, expr, v, tpl.args, type),
};
