// Eigen 3 dense objects: Matrix/Array (dynamic and fixed, column- and row-major, vectors) from their DenseStorage,
// Map/Ref from MapBase's m_data, m_rows/m_cols and m_stride (inner and outer strides, compile-time or dynamic);
// Block/VectorBlock from m_data, m_rows/m_cols and the strides of the expression they cut from (m_xpr).

import { ArrayLensError } from '../../../core/errors';
import type { ContainerRecogniser, Described, NativeDescriber } from '../describe';
import { templateArgs } from '../types';

const ROW_MAJOR = 1;

function int(s: string | undefined, what: string): number {
  const n = Number((s ?? '').trim());
  if (!Number.isSafeInteger(n)) throw new Error(`${what} '${s}' is not an integer`);
  return n;
}

/** An Eigen object as a 2-D layout in elements, before vectors known at compile time are made 1-D. */
interface Layout {
  address: bigint;
  dtype: Described['dtype'];
  rows: number;
  cols: number;
  rowStride: number;
  colStride: number;
  vector: boolean;
}

/** Element strides (rows, cols) -> the array: 1-D for vectors known at compile time, 2-D otherwise. */
function laid(l: Layout, typeName: string): Described {
  const b = l.dtype.itemsize;
  if (l.vector) return { address: l.address, dtype: l.dtype, shape: [l.rows * l.cols], strides: [(l.rows === 1 ? l.colStride : l.rowStride) * b], typeName };
  return { address: l.address, dtype: l.dtype, shape: [l.rows, l.cols], strides: [l.rowStride * b, l.colStride * b], typeName };
}

/** `const Eigen::Matrix<...>`, `Eigen::Matrix<...> const &` (gdb) -> `Eigen::Matrix<...>`. */
function bareType(t: string): string {
  return t.trim().replace(/\s*&+$/, '').replace(/^(const|volatile)\s+/, '').replace(/\s+(const|volatile)$/, '').trim();
}

/** A block of an expression Eigen computes on demand (a sum, a product): there is no memory to show. */
class NotStored extends Error {}

/** Matrix<T, R, C, Options>, Array<...> and their typedefs: `m_storage` is DenseStorage<T, Size, R, C, Options>. */
async function describePlain(d: NativeDescriber, expr: string): Promise<Layout> {
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
  return { address, dtype: dt, rows, cols, rowStride: rowMajor ? cols : 1, colStride: rowMajor ? 1 : rows, vector: r === 1 || c === 1 };
}

/** Map<Plain, MapOptions, Stride<Outer, Inner>> and Ref<Plain, Options, Stride>: a data pointer with strides. */
async function describeMap(d: NativeDescriber, expr: string, args: string[], isRef: boolean): Promise<Layout> {
  const plain = templateArgs(bareType(args[0] ?? ''));
  if (!plain || plain.args.length < 3) throw new Error(`cannot read the matrix type ${args[0]}`);
  const dt = await d.dtypeOf(expr, plain.args[0]);
  const r = int(plain.args[1], 'rows'), c = int(plain.args[2], 'cols'), opts = int(plain.args[3] ?? '0', 'options'); // lldb leaves out default arguments
  const rows = r >= 0 ? r : Number(await d.evaluateInteger(`(${expr}).m_rows.m_value`));
  const cols = c >= 0 ? c : Number(await d.evaluateInteger(`(${expr}).m_cols.m_value`));
  const address = await d.evaluateAddress(`(${expr}).m_data`);
  // OuterStride<N> = Stride<N, 0>, InnerStride<N> = Stride<0, N>; Ref's default is OuterStride<>; 0 means "the default".
  const s = templateArgs(args[2] ?? (isRef ? 'Eigen::OuterStride<-1>' : 'Eigen::Stride<0, 0>'));
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
  if (vector) return { address, dtype: dt, rows, cols, rowStride: inner, colStride: inner, vector };
  return { address, dtype: dt, rows, cols, rowStride: rowMajor ? outer : inner, colStride: rowMajor ? inner : outer, vector };
}

/**
 * Block<Xpr, BlockRows, BlockCols, InnerPanel> over an expression with its data in memory: MapBase's m_data and
 * m_rows/m_cols, and the strides of the nested expression (m_xpr) it cuts from, read the same way. VectorBlock<V, Size>
 * (segment/head/tail) is a Block of one row or column of V.
 */
async function describeBlock(d: NativeDescriber, expr: string, tpl: { base: string; args: string[] }): Promise<Layout> {
  const xprType = bareType(tpl.args[0] ?? '');
  const nested = await layoutOf(d, `(${expr}).m_xpr`, xprType);
  const size = (s: string | undefined, member: string): Promise<number> | number => {
    const n = int(s ?? '-1', 'block size');
    return n >= 0 ? n : d.evaluateInteger(`(${expr}).${member}.m_value`).then(Number);
  };
  let rows: number, cols: number;
  if (/VectorBlock$/.test(tpl.base)) {
    const column = nested.cols === 1 && nested.rows !== 1;
    rows = column ? await size(tpl.args[1], 'm_rows') : 1;
    cols = column ? 1 : await size(tpl.args[1], 'm_cols');
  } else [rows, cols] = [await size(tpl.args[1], 'm_rows'), await size(tpl.args[2], 'm_cols')];
  const address = await d.evaluateAddress(`(${expr}).m_data`);
  // 1-D only when the block is a vector at compile time (a 1-row dynamic block stays 2-D, as a 1-row MatrixXf does).
  const vector = /VectorBlock$/.test(tpl.base) || tpl.args[1]?.trim() === '1' || tpl.args[2]?.trim() === '1';
  return { ...nested, address, rows, cols, vector };
}

/** The layout of an Eigen object by its type: plain, Map/Ref, Block; anything else is computed, not stored. */
async function layoutOf(d: NativeDescriber, expr: string, type: string): Promise<Layout> {
  const tpl = templateArgs(bareType(type));
  const base = tpl?.base ?? bareType(type);
  if (tpl && /^Eigen::(Map|Ref)$/.test(base)) return describeMap(d, expr, tpl.args, base === 'Eigen::Ref');
  if (tpl && /^Eigen::(Vector)?Block$/.test(base)) return describeBlock(d, expr, tpl);
  if (/^Eigen::(Matrix|Array|(Row)?Vector)\w*$/.test(base)) return describePlain(d, expr);
  throw new NotStored(base);
}

export const eigen: ContainerRecogniser = {
  name: 'Eigen',
  matches: (base) => /^Eigen::(Matrix|Array|Map|Ref|(Vector)?Block|(Row)?Vector)\w*$/.test(base),
  async describe(d, expr, _v, _tpl, type) {
    try {
      return laid(await layoutOf(d, expr, type), type);
    } catch (e) {
      if (e instanceof ArrayLensError && e.code === 'unsupported-dtype') throw e;
      if (e instanceof NotStored)
        throw new ArrayLensError(
          'not-an-array',
          `'${expr}' is an ${type}: a view of ${e.message}, an expression Eigen computes on demand, so the debug info has no data ` +
            `pointer or strides for it. Evaluate it into a matrix in the program (Eigen::MatrixXf copy = ...;) and inspect that`,
        );
      throw new ArrayLensError(
        'not-an-array',
        `'${expr}' is an ${type}, but its members are not the Eigen 3 layout ArrayLens reads (m_storage.m_data/m_rows/m_cols; ` +
          `Map/Ref/Block: m_data, m_rows, m_cols, m_stride, m_xpr): ${(e as Error).message}. Give it a layout instead, e.g. 'PTR as float32[ROWS, COLS]'`,
      );
    }
  },
};
