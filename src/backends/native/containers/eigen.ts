// Eigen 3 dense objects: Matrix/Array (dynamic and fixed, column- and row-major, vectors) from their DenseStorage,
// Map/Ref from MapBase's m_data, m_rows/m_cols and m_stride (inner and outer strides, compile-time or dynamic).

import { ArrayLensError } from '../../../core/errors';
import type { ContainerRecogniser, Described, NativeDescriber } from '../describe';
import { templateArgs } from '../types';

const ROW_MAJOR = 1;

function int(s: string | undefined, what: string): number {
  const n = Number((s ?? '').trim());
  if (!Number.isSafeInteger(n)) throw new Error(`${what} '${s}' is not an integer`);
  return n;
}

/** Element strides (rows, cols) -> the array: 1-D for vectors known at compile time, 2-D otherwise. */
function laid(address: bigint, d: Described['dtype'], rows: number, cols: number, rs: number, cs: number, vector: boolean, typeName: string): Described {
  const b = d.itemsize;
  if (vector) return { address, dtype: d, shape: [rows * cols], strides: [(rows === 1 ? cs : rs) * b], typeName };
  return { address, dtype: d, shape: [rows, cols], strides: [rs * b, cs * b], typeName };
}

/** Matrix<T, R, C, Options>, Array<...> and their typedefs: `m_storage` is DenseStorage<T, Size, R, C, Options>. */
async function describePlain(d: NativeDescriber, expr: string, type: string): Promise<Described> {
  const storage = await d.dbg.evaluate(`(${expr}).m_storage`);
  const st = templateArgs(storage.type.trim());
  if (!st || !/DenseStorage$/.test(st.base) || st.args.length < 5) throw new Error(`m_storage is ${storage.type}, not a DenseStorage<T, Size, Rows, Cols, Options>`);
  const [element, , R, C, O] = st.args;
  const dt = await d.dtypeOf(expr, element);
  const r = int(R, 'rows'), c = int(C, 'cols'), opts = int(O, 'options');
  const rows = r >= 0 ? r : Number(await d.evaluateInteger(`(${expr}).m_storage.m_rows`));
  const cols = c >= 0 ? c : Number(await d.evaluateInteger(`(${expr}).m_storage.m_cols`));
  const address = await d.evaluateAddress(r >= 0 && c >= 0 ? `(${expr}).m_storage.m_data.array` : `(${expr}).m_storage.m_data`);
  const rowMajor = (opts & ROW_MAJOR) !== 0;
  return laid(address, dt, rows, cols, rowMajor ? cols : 1, rowMajor ? 1 : rows, r === 1 || c === 1, type);
}

/** Map<Plain, MapOptions, Stride<Outer, Inner>> and Ref<Plain, Options, Stride>: a data pointer with strides. */
async function describeMap(d: NativeDescriber, expr: string, args: string[], type: string): Promise<Described> {
  const plain = templateArgs(args[0] ?? '');
  if (!plain || plain.args.length < 3) throw new Error(`cannot read the matrix type ${args[0]}`);
  const dt = await d.dtypeOf(expr, plain.args[0]);
  const r = int(plain.args[1], 'rows'), c = int(plain.args[2], 'cols'), opts = int(plain.args[3] ?? '0', 'options'); // lldb leaves out default arguments
  const rows = r >= 0 ? r : Number(await d.evaluateInteger(`(${expr}).m_rows.m_value`));
  const cols = c >= 0 ? c : Number(await d.evaluateInteger(`(${expr}).m_cols.m_value`));
  const address = await d.evaluateAddress(`(${expr}).m_data`);
  // OuterStride<N> = Stride<N, 0>, InnerStride<N> = Stride<0, N>; Ref's default is OuterStride<>; 0 means "the default".
  const defaultStride = /^Eigen::Ref$/.test(templateArgs(type)?.base ?? '') ? 'Eigen::OuterStride<-1>' : 'Eigen::Stride<0, 0>';
  const s = templateArgs(args[2] ?? defaultStride);
  let outerC = 0, innerC = 0;
  if (s?.base === 'Eigen::OuterStride') outerC = int(s.args[0] ?? '-1', 'outer stride');
  else if (s?.base === 'Eigen::InnerStride') innerC = int(s.args[0] ?? '-1', 'inner stride');
  else if (s?.base === 'Eigen::Stride') [outerC, innerC] = [int(s.args[0], 'outer stride'), int(s.args[1], 'inner stride')];
  else throw new Error(`unrecognised stride type ${args[2]}`);
  const inner = innerC === 0 ? 1 : innerC > 0 ? innerC : Number(await d.evaluateInteger(`(${expr}).m_stride.m_inner.m_value`));
  const rowMajor = (opts & ROW_MAJOR) !== 0;
  const vector = r === 1 || c === 1;
  const innerSize = vector ? rows * cols : rowMajor ? cols : rows;
  const outer = outerC === 0 ? innerSize * inner : outerC > 0 ? outerC : Number(await d.evaluateInteger(`(${expr}).m_stride.m_outer.m_value`));
  if (vector) return laid(address, dt, rows, cols, inner, inner, true, type);
  return laid(address, dt, rows, cols, rowMajor ? outer : inner, rowMajor ? inner : outer, false, type);
}

export const eigen: ContainerRecogniser = {
  name: 'Eigen',
  matches: (base) => /^Eigen::(Matrix|Array|Map|Ref|(Row)?Vector)\w*$/.test(base),
  async describe(d, expr, _v, tpl, type) {
    try {
      return /^Eigen::(Map|Ref)$/.test(tpl.base) ? await describeMap(d, expr, tpl.args, type) : await describePlain(d, expr, type);
    } catch (e) {
      if (e instanceof ArrayLensError && e.code === 'unsupported-dtype') throw e;
      throw new ArrayLensError(
        'not-an-array',
        `'${expr}' is an ${type}, but its members are not the Eigen 3 layout ArrayLens reads (m_storage.m_data/m_rows/m_cols; ` +
          `Map/Ref: m_data, m_rows, m_cols, m_stride): ${(e as Error).message}. Give it a layout instead, e.g. 'PTR as float32[ROWS, COLS]'`,
      );
    }
  },
};
