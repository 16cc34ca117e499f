// Aliases in a VS Code session pair "Node under js-debug + lldb-dap attached to the same process" (the extension starts
// an `arraylens` attach session as a child of the js-debug session when the launch says "arraylensNative": true).
// Only one side can answer at a time (while lldb holds the process Node's inspector cannot; while Node is paused in
// JavaScript lldb is not stopped), so each side keeps its last listing, and an array's aliases are the other side's
// recorded arrays whose bytes overlap it (overlap.ts `overlapping`), named with where that side was stopped.
// No vscode import: the host wires the two sources.

import { parseDType } from '../core/dtype';
import { StridedView, byteExtent } from '../core/view';
import { ArrayAlias, ArraySummary, InspectArgs, InspectBody, KnownArray } from '../protocol/dap';
import { Language } from '../engine/target';
import { ArraySource } from '../engine/arraySource';
import { overlapping } from './overlap';

function viewOf(a: ArraySummary): StridedView {
  return { address: BigInt(a.address), dtype: parseDType(a.dtype), shape: a.shape.slice(), strides: a.strides.slice() };
}

/** One side's arrays at its last listing, and where that side was stopped then (`program.js:12`). */
export interface RecordedListing {
  language: Language;
  arrays: readonly ArraySummary[];
  at?: string;
}

/** `arrays` with, on each, the recorded arrays of the other side over some of the same bytes. */
export function withAliases(arrays: ArraySummary[], other: RecordedListing | null): ArraySummary[] {
  if (!other?.arrays.length) return arrays;
  const views = other.arrays.map((a) => ({ expr: a.expr, view: viewOf(a) }));
  return arrays.map((a) => {
    const v = viewOf(a);
    const found: ArrayAlias[] = views
      .filter((o) => overlapping(o.view, v))
      .map((o) => (other.at ? { language: other.language, expr: o.expr, recordedAt: other.at } : { language: other.language, expr: o.expr }));
    if (!found.length) return a;
    const seen = new Set((a.aliases ?? []).map((x) => `${x.language}:${x.expr}`));
    return { ...a, aliases: [...(a.aliases ?? []), ...found.filter((x) => !seen.has(`${x.language}:${x.expr}`))].slice(0, 64) };
  });
}

/** Where a listed array's bytes lie, for the other debugger to find pointers into it. */
export function knownArray(a: ArraySummary, language: Language): KnownArray {
  const v = viewOf(a);
  const e = byteExtent(v);
  return { language, expr: a.expr, address: `0x${(v.address + BigInt(e.lo)).toString(16)}`, nbytes: e.hi - e.lo };
}

/**
 * One side of the pair. Its listings are recorded (kept across continues: the other side needs them while this one
 * runs) and marked with the other side's recorded arrays; the native side also lists its bare pointers into the
 * JavaScript arrays (`imageData as float32[3072]`, the adapter's `known` argument). The inspector's array gets the
 * same marks.
 */
export class PairedArraySource implements ArraySource {
  /** This side's arrays at its last listing (without the other side's marks); null before any. */
  recorded: RecordedListing | null = null;

  constructor(
    private readonly inner: ArraySource,
    readonly language: Language,
    /** The other side's last listing, if that side exists and listed anything. */
    private readonly other: () => RecordedListing | null,
    /** Where this side is stopped in `frameId` (`addon.cc:37`), for the other side's marks. */
    private readonly where: (frameId: number) => Promise<string | undefined> = () => Promise.resolve(undefined),
  ) {}

  async listArrays(frameId: number): Promise<ArraySummary[]> {
    const other = this.other();
    const known = this.language === 'native' && other ? other.arrays.map((a) => knownArray(a, other.language)) : undefined;
    const arrays = await this.inner.listArrays(frameId, known);
    this.recorded = { language: this.language, arrays, at: await this.where(frameId).catch(() => undefined) };
    return withAliases(arrays, other);
  }

  async inspect(args: InspectArgs, signal?: AbortSignal): Promise<InspectBody> {
    const body = await this.inner.inspect(args, signal);
    return { ...body, array: withAliases([body.array], this.other())[0] };
  }

  invalidate(): void {
    this.inner.invalidate();
  }
}
