// Aliases in a VS Code session pair "Node under js-debug + lldb-dap attached to the same process" (the extension starts
// an `arraylens` attach session as a child of the js-debug session when the launch says "arraylensNative": true).
// As in node/mixed.ts: while lldb holds the process, Node's inspector cannot answer, so the JavaScript side is the
// listing recorded at the last JavaScript stop, and a native array's aliases are the recorded arrays whose bytes
// overlap it (node/mixed.ts `overlapping`). No vscode import: the host wires the two sources.

import { parseDType } from '../../core/dtype';
import { StridedView } from '../../core/view';
import { ArraySummary, InspectArgs, InspectBody } from '../../protocol/dap';
import { ArraySource } from '../session';
import { overlapping } from './mixed';

function viewOf(a: ArraySummary): StridedView {
  return { address: BigInt(a.address), dtype: parseDType(a.dtype), shape: a.shape.slice(), strides: a.strides.slice() };
}

/** `native` with, on each array, the JavaScript arrays of `js` over some of the same bytes (language "node"). */
export function withNodeAliases(native: ArraySummary[], js: readonly ArraySummary[]): ArraySummary[] {
  if (!js.length) return native;
  const jsViews = js.map((a) => ({ expr: a.expr, view: viewOf(a) }));
  return native.map((a) => {
    const v = viewOf(a);
    const found = jsViews.filter((j) => overlapping(j.view, v)).map((j) => ({ language: 'node' as const, expr: j.expr }));
    if (!found.length) return a;
    const seen = new Set((a.aliases ?? []).map((x) => `${x.language}:${x.expr}`));
    return { ...a, aliases: [...(a.aliases ?? []), ...found.filter((x) => !seen.has(`node:${x.expr}`))].slice(0, 64) };
  });
}

/** A JavaScript session's source that keeps its last listing (the arrays at the last JavaScript stop). */
export class RecordingArraySource implements ArraySource {
  /** The arrays listed at the last JavaScript stop; kept across continues (the native side needs them then). */
  recorded: ArraySummary[] = [];

  constructor(private readonly inner: ArraySource) {}

  async listArrays(frameId: number): Promise<ArraySummary[]> {
    const arrays = await this.inner.listArrays(frameId);
    this.recorded = arrays;
    return arrays;
  }

  inspect(args: InspectArgs, signal?: AbortSignal): Promise<InspectBody> {
    return this.inner.inspect(args, signal);
  }

  invalidate(): void {
    this.inner.invalidate();
  }
}

/** The native (attach) session's source, its listings marked with the JavaScript arrays recorded by `js()`. */
export class NodeAliasingArraySource implements ArraySource {
  constructor(
    private readonly inner: ArraySource,
    private readonly js: () => readonly ArraySummary[],
  ) {}

  async listArrays(frameId: number): Promise<ArraySummary[]> {
    return withNodeAliases(await this.inner.listArrays(frameId), this.js());
  }

  inspect(args: InspectArgs, signal?: AbortSignal): Promise<InspectBody> {
    return this.inner.inspect(args, signal);
  }

  invalidate(): void {
    this.inner.invalidate();
  }
}
