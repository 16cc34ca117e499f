// `arraylens mcp`: a Model Context Protocol server over stdio (the official TypeScript SDK) that lets a coding agent
// launch programs to breakpoints, list and inspect their arrays, continue, and run leak checks, with the CLI's JSON.

import * as fs from 'fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, CallToolResult, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { toJson } from '../core/decode';
import { isArrayLensError } from '../core/errors';
import { parseIndex, sliceView } from '../core/indexing';
import { elementCount } from '../core/view';
import { inspectArray } from '../engine/engine';
import { DebugTarget } from '../engine/target';
import { listingAliases } from '../pairing/sameBytes';
import { ArrayAlias } from '../protocol/dap';
import { InspectResult } from '../protocol/cli';
import { McpOptions, parseBreak } from '../cli/args';
import { cmdLeaks } from '../cli/leaks';
import { ListingRow } from '../cli/listing';
import { McpSessions } from './sessions';
import { InspectToolArgs, TOOLS, ToolArgs, ToolName, readInspectArgs, valuesOmitted } from './tools';

const VERSION: string = (JSON.parse(fs.readFileSync(`${__dirname}/../../../package.json`, 'utf8')) as { version: string }).version;

/** A row of list_arrays: the CLI's `--list --json` row with the view's strides and byte order. */
export interface ArrayRow extends ListingRow {
  byteOrder: 'little' | 'big' | null;
  strides: number[] | null;
}

export async function listArrays(target: DebugTarget): Promise<{ pid: number | null; arrays: ArrayRow[] }> {
  const arrays = await target.listArrays();
  const aliases = listingAliases(arrays);
  const rows = arrays.map((a, i): ArrayRow => {
    if (a.onRequest)
      return { expr: a.expr, language: a.language, type: a.typeName, dtype: null, byteOrder: null, shape: null, strides: null, size: null, address: null, onRequest: a.onRequest };
    const same: ArrayAlias[] = aliases[i];
    return {
      expr: a.expr,
      language: a.language,
      type: a.typeName,
      dtype: a.view.dtype.name,
      byteOrder: a.view.dtype.byteOrder,
      shape: [...a.view.shape],
      strides: [...a.view.strides],
      size: elementCount(a.view.shape),
      address: `0x${a.view.address.toString(16)}`,
      ...(same.length ? { aliases: same } : {}),
    };
  });
  return { pid: target.pid ?? null, arrays: rows };
}

/** `arraylens inspect --json` of one array, values left out (and why said) beyond max_values. */
export async function inspectTool(target: DebugTarget, a: InspectToolArgs): Promise<InspectResult & { max_values?: number; values_omitted?: string }> {
  if (a.slice) parseIndex(a.slice); // a malformed slice is refused before the debuggee is asked anything
  let omitted: string | null = null;
  if (a.values) {
    const h = await target.resolve(a.expr);
    omitted = valuesOmitted((a.slice ? sliceView(h.view, a.slice) : h.view).shape, a.maxValues);
  }
  const r = await inspectArray(target, a.expr, {
    slice: a.slice,
    values: a.values && !omitted,
    stats: a.stats,
    bins: a.bins,
    transport: a.transport,
    maxValues: a.maxValues,
  });
  return { ...r, ...(a.values ? { max_values: a.maxValues } : {}), ...(omitted ? { values_omitted: omitted } : {}) };
}

/** Plain JSON for structuredContent (no BigInt): integers past 2^53 as strings, NaN/Inf as the CLI writes them. */
function plain(x: unknown): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(x, (_k, v: unknown) => {
      if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
      if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
      return v;
    }),
  ) as Record<string, unknown>;
}

function answer(result: unknown): CallToolResult {
  return { content: [{ type: 'text', text: toJson(result) }], structuredContent: plain(result) };
}

/** A tool error: the one line the CLI prints after `arraylens: `. */
export function errorLine(e: unknown): string {
  const msg = isArrayLensError(e) ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
  return msg.replace(/\s*\n\s*/g, ' ');
}

function properties(name: ToolName): Record<string, unknown> {
  return TOOLS.find((t) => t.name === name)!.inputSchema.properties as Record<string, unknown>;
}

export class ArrayLensMcp {
  readonly sessions = new McpSessions();

  constructor(private readonly defaults: McpOptions) {}

  async call(name: string, raw: unknown): Promise<unknown> {
    const tool = TOOLS.find((t) => t.name === name);
    if (!tool) throw new Error(`unknown tool '${name}' (${TOOLS.map((t) => t.name).join(', ')})`);
    const a = new ToolArgs(name, raw, properties(tool.name));
    switch (tool.name) {
      case 'launch': {
        const program = a.strings('program', 'as a list, e.g. ["python3", "script.py"]');
        const breakpoints = a.strings('breakpoints', 'as a list of "FILE:LINE"').map((b) => parseBreak(b, 'break'));
        return this.sessions.launch({
          program,
          breakpoints,
          python: a.string('python') ?? this.defaults.python,
          debugger: a.choice('debugger', 'debugger', ['lldb', 'gdb'] as const, 'lldb'),
          mixed: a.boolean('mixed'),
          lldbDap: this.defaults.lldbDap,
          gdb: this.defaults.gdb,
          timeoutMs: a.present('timeout_s') ? a.timeoutMs() : this.defaults.timeoutMs,
        });
      }
      case 'list_arrays':
        return this.sessions.withTarget(a.string('session', true), listArrays);
      case 'inspect': {
        const id = a.string('session', true);
        const ia = readInspectArgs(a);
        return this.sessions.withTarget(id, (t) => inspectTool(t, ia));
      }
      case 'continue':
        return this.sessions.continue(a.string('session', true), a.present('timeout_s') ? a.timeoutMs() : this.defaults.timeoutMs);
      case 'leaks': {
        const text = await cmdLeaks({
          program: a.strings('program', 'as a list, e.g. ["python3", "script.py"]'),
          from: a.location('from', 'from'),
          to: a.location('to', 'to'),
          minBytes: a.integer('min_bytes', 'min-bytes', 1024, 0),
          python: a.string('python') ?? this.defaults.python,
          debugger: 'lldb',
          lldbDap: this.defaults.lldbDap,
          timeoutMs: a.present('timeout_s') ? a.timeoutMs() : this.defaults.timeoutMs,
          json: true,
        });
        return JSON.parse(text) as unknown;
      }
      case 'close':
        return this.sessions.close(a.string('session', true));
    }
  }
}

/** Pids of every process under this one (debuggers and the programs they run), deepest last. */
function descendants(): number[] {
  const parent = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, p] of parent) {
      if (p !== pid || out.includes(child)) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(process.pid);
  return out;
}

/** Last resort when the client is gone: whatever a close left behind (a launch still starting, a leak check). */
function killDescendants(): void {
  if (process.platform !== 'linux') return;
  for (const pid of descendants()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Serves until the client closes stdin; then every session's program and debugger end. */
export async function runMcpServer(o: McpOptions): Promise<void> {
  const mcp = new ArrayLensMcp(o);
  const server = new Server({ name: 'arraylens', version: VERSION }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS.map((t) => ({ ...t })) }));
  server.setRequestHandler(CallToolRequestSchema, async (req): Promise<CallToolResult> => {
    try {
      return answer(await mcp.call(req.params.name, req.params.arguments));
    } catch (e) {
      return { content: [{ type: 'text', text: errorLine(e) }], isError: true };
    }
  });
  const onExit = (): void => {
    mcp.sessions.killAll();
    killDescendants();
  };
  process.on('exit', onExit);
  const gone = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  await gone;
  // Closing asks each debugger to end its program; whatever does not end within a few seconds is killed.
  await Promise.race([mcp.sessions.closeAll(), new Promise((r) => setTimeout(r, 5000).unref())]);
  mcp.sessions.killAll();
  killDescendants();
  process.off('exit', onExit);
}
