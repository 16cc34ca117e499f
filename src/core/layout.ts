// The raw layout syntax shared by the CLI and the UI: `PTR as DTYPE[D0,D1,...]` with optional ` strides [S0,...]`.

import { DType, parseDType } from './dtype';
import { ArrayLensError } from './errors';

export interface RawLayout {
  /** Expression of the frame giving the address of element 0. */
  pointer: string;
  dtype: DType;
  /** Each dimension: an integer literal or an expression of the frame. */
  dims: string[];
  /** Byte strides (literals or expressions); C order when absent. */
  strides: string[] | null;
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** Returns null when `text` is not a raw layout (a plain expression). */
export function parseRawLayout(text: string): RawLayout | null {
  const m = /^(.+?)\s+as\s+([A-Za-z_][\w:<>, ]*?)\s*\[(.*)\]\s*(?:strides\s*\[(.*)\])?\s*$/s.exec(text.trim());
  if (!m) return null;
  const pointer = m[1].trim();
  const dt = parseDType(m[2]);
  let dimsText = m[3];
  let stridesText = m[4] ?? null;
  // `[..] strides [..]` is greedy-matched into dims when present: split it back.
  const sm = /^(.*?)\]\s*strides\s*\[(.*)$/s.exec(dimsText);
  if (sm && stridesText === null) {
    dimsText = sm[1];
    stridesText = sm[2];
  }
  const dims = splitTopLevel(dimsText);
  if (dims.length === 0) throw new ArrayLensError('bad-expression', `raw layout '${text}' needs at least one dimension`);
  const strides = stridesText === null ? null : splitTopLevel(stridesText);
  // `[3, , 4]`: a blank part would reach the debugger as an empty expression (found by fuzzing, test/unit/fuzzCore).
  if ([...dims, ...(strides ?? [])].some((d) => d === ''))
    throw new ArrayLensError('bad-expression', `raw layout '${text}' has an empty dimension or stride between commas`);
  if (strides && strides.length !== dims.length)
    throw new ArrayLensError('bad-expression', `raw layout '${text}': ${dims.length} dimensions but ${strides.length} strides`);
  if (!pointer) throw new ArrayLensError('bad-expression', `raw layout '${text}' has no pointer expression`);
  return { pointer, dtype: dt, dims, strides };
}

export function isIntegerLiteral(s: string): boolean {
  return /^[+-]?(\d+|0x[0-9a-fA-F]+)$/.test(s.trim());
}
