// Language-model tools (vscode.lm): the arrays of the frame the user is stopped on, one array as `arraylens inspect`
// describes it, and its whole-array stats, so an agent in the editor can ask about what the user is looking at.

import * as vscode from 'vscode';
import { toJson, viewValues } from '../src/core/decode';
import { DTypeName, dtype } from '../src/core/dtype';
import { ArrayLensError, isArrayLensError } from '../src/core/errors';
import { sliceView } from '../src/core/indexing';
import { StridedView, cStrides } from '../src/core/view';
import { ToolArgs, readInspectArgs, valuesOmitted } from '../src/mcp/tools';
import { withListingAliases } from '../src/pairing/sameBytes';
import { ArraySummary, MAX_TILE_ELEMENTS } from '../src/protocol/dap';
import { ArraySource } from '../src/engine/arraySource';
import { SessionTracker } from './sessions';

/** The part of the vscode.lm API used here (finalised in VS Code 1.95; the types this extension builds with are older). */
interface LmToolApi {
  lm?: {
    registerTool(name: string, tool: { invoke(options: { input: unknown }, token: vscode.CancellationToken): Promise<unknown> }): vscode.Disposable;
  };
  LanguageModelToolResult: new (parts: unknown[]) => unknown;
  LanguageModelTextPart: new (text: string) => unknown;
}

const MAX_STATS_BINS = 4096;

/** The arguments each tool takes (package.json's languageModelTools inputSchema; `stats` is implied for stats). */
const INPUTS: Record<'inspect' | 'stats', Record<string, unknown>> = {
  inspect: { expr: {}, slice: {}, values: {}, max_values: {}, stats: {}, bins: {} },
  stats: { expr: {}, bins: {}, stats: {} },
};

interface Stopped {
  source: ArraySource;
  frameId: number;
  session: vscode.DebugSession;
}

async function stopped(tracker: SessionTracker): Promise<Stopped> {
  const stop = await tracker.currentStop(tracker.preferredSession());
  const t = stop && tracker.get(stop.session);
  if (!stop || !t)
    throw new ArrayLensError('bad-argument', 'no debug session is stopped: start one (Python, C/C++/Rust, Node) and stop at a breakpoint, then ask again');
  return { source: t.source, frameId: stop.frameId, session: stop.session };
}

function summaryView(a: ArraySummary): StridedView {
  return { address: BigInt(a.address), dtype: dtype(a.dtype as DTypeName, a.byteOrder), shape: a.shape.slice(), strides: a.strides.slice() };
}

function hex(a: bigint): string {
  return `0x${a.toString(16)}`;
}

export async function listArraysTool(tracker: SessionTracker): Promise<unknown> {
  const s = await stopped(tracker);
  const arrays = withListingAliases(await s.source.listArrays(s.frameId));
  return {
    session: s.session.name,
    arrays: arrays.map((a) => ({ expr: a.expr, language: a.language, type: a.typeName, dtype: a.dtype, byteOrder: a.byteOrder, shape: a.shape, strides: a.strides, size: a.size, address: a.address, ...(a.onRequest ? { onRequest: a.onRequest } : {}), ...(a.aliases?.length ? { aliases: a.aliases } : {}) })),
  };
}

/**
 * `arraylens inspect --json` of an array of the stopped frame. Values come as one tile of the session's source (at
 * most 2 dimensions after the slice); stats are always of the whole array, which the result says when a slice is given.
 */
export async function inspectTool(tracker: SessionTracker, input: unknown, statsOnly = false): Promise<Record<string, unknown>> {
  const name = statsOnly ? 'stats' : 'inspect';
  const a = readInspectArgs(new ToolArgs(name, statsOnly ? { ...(input as object), stats: true } : input, INPUTS[name]));
  if (a.stats && a.bins > MAX_STATS_BINS) throw new ArrayLensError('bad-argument', `--bins ${a.bins}: use an integer from 1 to ${MAX_STATS_BINS}`);
  const s = await stopped(tracker);
  const described = await s.source.inspect({ frameId: s.frameId, expr: a.expr, ...(a.stats ? { stats: { bins: a.bins } } : {}), transport: a.transport });
  const whole = summaryView(described.array);
  const view = a.slice ? sliceView(whole, a.slice) : whole;
  const result: Record<string, unknown> = {
    expr: a.expr,
    language: described.array.language,
    dtype: view.dtype.name,
    byteOrder: view.dtype.byteOrder,
    shape: view.shape,
    strides: view.strides,
    address: hex(view.address),
    slice: a.slice,
    transport: described.transport,
    typeName: described.array.typeName,
  };
  if (a.values && !statsOnly) {
    const omitted =
      valuesOmitted(view.shape, Math.min(a.maxValues, MAX_TILE_ELEMENTS)) ??
      (view.shape.length > 2 ? `a ${view.shape.length}-d view: values come by slices of at most 2 dimensions, e.g. slice "[0, ...]"` : null);
    result.max_values = a.maxValues;
    if (omitted) result.values_omitted = omitted;
    else {
      // The slice as the tile's index: every axis of the array, then the view's elements in C order.
      const tile = (await s.source.inspect({ frameId: s.frameId, expr: a.expr, tile: { index: a.slice ?? '[...]', transpose: false }, transport: a.transport })).tile!;
      const dt = dtype(tile.dtype as DTypeName, tile.byteOrder);
      const buf = Buffer.from(tile.base64, 'base64');
      result.values = viewValues(buf, { address: 0n, dtype: dt, shape: tile.shape, strides: cStrides(tile.shape, dt.itemsize) });
    }
  }
  if (described.stats) {
    // The session's answer writes integers past 2^53 as strings; the CLI's JSON has them as exact integers.
    const exact = (v: unknown): unknown => (typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : v);
    result.stats = { ...described.stats, min: exact(described.stats.min), max: exact(described.stats.max) };
    if (a.slice) result.stats_of = 'the whole array (the slice applies to shape, strides and values)';
  }
  return result;
}


/** Registers arraylens_list_arrays, arraylens_inspect and arraylens_stats where the editor has vscode.lm tools. */
export function registerLanguageModelTools(tracker: SessionTracker): vscode.Disposable {
  const api = vscode as unknown as LmToolApi;
  if (typeof api.lm?.registerTool !== 'function') return new vscode.Disposable(() => undefined);
  const text = (value: unknown) => new api.LanguageModelToolResult([new api.LanguageModelTextPart(toJson(value))]);
  // Errors reach the model as the CLI's one line (what to do next included), not a stack.
  const run = async (work: () => Promise<unknown>): Promise<unknown> => {
    try {
      return text(await work());
    } catch (e) {
      throw new Error(isArrayLensError(e) ? e.message : `internal error: ${(e as Error).message}`);
    }
  };
  const tools: [string, (input: unknown) => Promise<unknown>][] = [
    ['arraylens_list_arrays', () => listArraysTool(tracker)],
    ['arraylens_inspect', (input) => inspectTool(tracker, input)],
    ['arraylens_stats', (input) => inspectTool(tracker, input, true)],
  ];
  return vscode.Disposable.from(...tools.map(([name, work]) => api.lm!.registerTool(name, { invoke: (options) => run(() => work(options.input)) })));
}
