// Arrays of one listing over the same bytes (torch.from_numpy(a) and a, a view and its base, a Rust ArrayView and the
// NumPy array it borrows in a mixed listing): each array's aliases are the others whose byte extents intersect its own.

import { parseDType } from '../core/dtype';
import { StridedView, byteExtent, elementCount } from '../core/view';
import { ArrayAlias, ArraySummary } from '../protocol/dap';
import { Language } from '../engine/target';

/** As many as the protocol carries on one array (ArraySummarySchema.aliases). */
const MAX_ALIASES = 64;

/**
 * For each view, the indices of the other views sharing at least one byte of extent with it (the test of overlap.ts:
 * like numpy.may_share_memory, `a[::2]` and `a[1::2]` count as sharing). Empty views share nothing. Sorted by where the
 * extents start and swept once, so a listing of thousands of arrays costs the pairs it has, not every pair.
 */
export function sameBytesIndex(views: readonly StridedView[], maxPerView = MAX_ALIASES): number[][] {
  const out: number[][] = views.map(() => []);
  const spans: { i: number; lo: bigint; hi: bigint }[] = [];
  views.forEach((v, i) => {
    if (elementCount(v.shape) === 0) return;
    const e = byteExtent(v);
    spans.push({ i, lo: v.address + BigInt(e.lo), hi: v.address + BigInt(e.hi) });
  });
  spans.sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : a.i - b.i));
  let open: typeof spans = [];
  for (const s of spans) {
    open = open.filter((o) => o.hi > s.lo);
    for (const o of open) {
      if (out[o.i].length < maxPerView) out[o.i].push(s.i);
      if (out[s.i].length < maxPerView) out[s.i].push(o.i);
    }
    open.push(s);
  }
  for (const l of out) l.sort((a, b) => a - b);
  return out;
}

/** An array as a listing names it: the DebugTarget's ArrayHandle, or anything with the same three fields. */
export interface PlacedArray {
  expr: string;
  language: Language;
  view: StridedView;
}

/** For each array of one listing, the others over some of its bytes, as aliases (the CLI's `--list`). */
export function listingAliases(arrays: readonly PlacedArray[]): ArrayAlias[][] {
  return sameBytesIndex(arrays.map((a) => a.view)).map((js) => js.map((j) => ({ language: arrays[j].language, expr: arrays[j].expr })));
}

/** A listed row's view (an on-request row's is an empty placeholder). */
export function summaryView(a: ArraySummary): StridedView {
  return { address: BigInt(a.address), dtype: parseDType(a.dtype), shape: a.shape.slice(), strides: a.strides.slice() };
}

/**
 * `arrays` (one listing, as the Arrays view gets it) with, on each, the other arrays of the listing over some of its
 * bytes added to its aliases. An array without its `language` is taken to be in `language`.
 */
export function withListingAliases(arrays: ArraySummary[], language: Language = 'python'): ArraySummary[] {
  const index = sameBytesIndex(arrays.map(summaryView));
  return arrays.map((a, i) => {
    if (!index[i].length) return a;
    const found = index[i].map((j): ArrayAlias => ({ language: arrays[j].language ?? language, expr: arrays[j].expr }));
    const seen = new Set((a.aliases ?? []).map((x) => `${x.language}:${x.expr}`));
    const added = found.filter((x) => !seen.has(`${x.language}:${x.expr}`));
    return added.length ? { ...a, aliases: [...(a.aliases ?? []), ...added].slice(0, MAX_ALIASES) } : a;
  });
}
