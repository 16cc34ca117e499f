// The pure half of the Leaks view: which sessions it follows and how (the launches that preload the allocation tracker,
// what to say when a process has none), the sections of a ledger comparison (src/leaks/liveLedger.ts, the CLI's ledger:
// NumPy census and tracker table) as rows, and `file:line` sites split for opening. No vscode import: unit-tested
// directly.

import type { LedgerStopSummary } from '../src/leaks/liveLedger';
import type { GrownGroup, LeakGroup, LeaksReport } from '../src/leaks/report';

export interface SiteGroup {
  /**
   * `file:line` of the allocation (innermost user frame); for arrays allocated before tracing began, the stop compared
   * against (`stop 2`), or null.
   */
  site: string | null;
  count: number;
  bytes: number;
}

/** `/a/b.py:12` -> file and 1-based line; null for anything else. */
export function parseSite(site: string | null): { file: string; line: number } | null {
  const m = site ? /^(.+):(\d+)$/.exec(site) : null;
  if (!m) return null;
  const line = Number(m[2]);
  return line >= 1 ? { file: m[1], line } : null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
}

/** The label and description of a site group in the view. */
export function describeGroup(g: SiteGroup, baseName: (file: string) => string): { label: string; description: string } {
  const at = parseSite(g.site);
  const label = at ? `${baseName(at.file)}:${at.line}` : `(allocated before ${g.site ?? 'the first stop'})`;
  return { label, description: `${g.count} × · ${formatBytes(g.bytes)}` };
}

/** Whether an `arraylens` launch configuration runs a Python program (the view adds the NumPy census to its ledger). */
export function isPythonConfiguration(c: { readonly [key: string]: unknown }): boolean {
  return typeof c.module === 'string' || (typeof c.program === 'string' && /\.pyw?$/i.test(c.program));
}

// ---- Every followed session: the ledger of its process (src/leaks/liveLedger.ts), the census too for Python. ----

/** Blocks smaller than this are not recorded by the tracker the launches preload (the CLI's default too). */
export const LEAK_TRACKER_MIN_BYTES = 1024;

const TRACKER_BASENAME = 'libarraylens_leaktracker.so';

type Env = { readonly [key: string]: unknown };

/** Whether a launch configuration's environment preloads the allocation tracker. */
export function preloadsTracker(env: unknown): boolean {
  const pre = env && typeof env === 'object' ? (env as Env).LD_PRELOAD : undefined;
  return typeof pre === 'string' && pre.split(/[:\s]+/).some((p) => p.endsWith('/' + TRACKER_BASENAME) || p === TRACKER_BASENAME);
}

/**
 * A launch configuration's `env` with the tracker preloaded (first, before any LD_PRELOAD of the configuration or, when
 * it has none, of the environment the debuggee inherits), and the tracker's size threshold.
 */
export function withTrackerEnv(env: unknown, tracker: string, inheritedPreload: string | undefined, minBytes = LEAK_TRACKER_MIN_BYTES): Record<string, string> {
  const out: Record<string, string> = {};
  if (env && typeof env === 'object') for (const [k, v] of Object.entries(env as Env)) if (v !== null && v !== undefined) out[k] = String(v);
  if (preloadsTracker(out)) return out;
  const rest = out.LD_PRELOAD ?? inheritedPreload;
  out.LD_PRELOAD = rest ? `${tracker}:${rest}` : tracker;
  out.ARRAYLENS_LEAK_MIN_BYTES ??= String(minBytes);
  return out;
}

/** Other extensions' debug types whose sessions the Leaks view follows: their Python or native program's ledger. */
export const RIDDEN_PYTHON_TYPES: readonly string[] = ['debugpy', 'python'];
export const RIDDEN_NATIVE_TYPES: readonly string[] = ['lldb-dap', 'gdb'];

/**
 * Which launches get the tracker. It wraps malloc and its family in the program, which changes its timing, so it is
 * opt-in per launch: "leakTracker": true in an `arraylens` configuration (Python, native, mixed) or a Node one with
 * "arraylensNative", or the arraylens.leakTracker setting (`settingOn`) for those; in the debug types ArrayLens rides
 * (debugpy, python, lldb-dap, gdb) only "arraylensLeakTracker": true, as someone else's configuration is not changed
 * unasked. "leakTracker": false always wins.
 */
export function wantsTracker(type: string, c: Env, settingOn = false): boolean {
  if (c.request !== 'launch' || c.leakTracker === false) return false;
  if (RIDDEN_PYTHON_TYPES.includes(type) || RIDDEN_NATIVE_TYPES.includes(type)) return c.arraylensLeakTracker === true || c.leakTracker === true;
  const asked = c.leakTracker === true || settingOn;
  if (type === 'arraylens') return asked;
  return asked && (type === 'node' || type === 'pwa-node') && c.arraylensNative === true && !('__pendingTargetId' in c);
}

/**
 * Where a debug type's launch configuration puts the tracker: `env` (an object; lldb-dap's may also be a list of
 * "NAME=value"), or for gdb (CDT's adapter, whose `environment` is gdb's own) `set environment` commands that reach
 * only the program. Returns the fields to assign to the configuration.
 */
export function trackerFields(type: string, c: Env, tracker: string, inheritedPreload: string | undefined): Record<string, unknown> {
  if (type === 'gdb') {
    const init = Array.isArray(c.initCommands) ? c.initCommands.map(String) : [];
    if (init.some((x) => /^set\s+env(ironment)?\s+LD_PRELOAD\b/.test(x) && x.includes(TRACKER_BASENAME))) return {};
    const env = withTrackerEnv(undefined, tracker, inheritedPreload);
    return { initCommands: [...init, `set environment LD_PRELOAD=${env.LD_PRELOAD}`, `set environment ARRAYLENS_LEAK_MIN_BYTES=${env.ARRAYLENS_LEAK_MIN_BYTES}`] };
  }
  if (Array.isArray(c.env)) {
    const asObject: Record<string, string> = {};
    for (const kv of c.env.map(String)) {
      const i = kv.indexOf('=');
      if (i > 0) asObject[kv.slice(0, i)] = kv.slice(i + 1);
    }
    if (preloadsTracker(asObject)) return {};
    return { env: Object.entries(withTrackerEnv(asObject, tracker, inheritedPreload)).map(([k, v]) => `${k}=${v}`) };
  }
  if (preloadsTracker(c.env)) return {};
  return { env: withTrackerEnv(c.env, tracker, inheritedPreload) };
}

export interface SessionFacts {
  type: string;
  configuration: Env;
  /** The parent session, its parent, …: a Node process's session and the launch it came from. */
  ancestors: { type: string; configuration: Env }[];
}

export type LeakSource =
  /**
   * The ledger of the session's process (for 'python', with the NumPy census the view takes through the debugger);
   * `noTracker` says why the native blocks are missing when the snapshot finds no tracker.
   */
  | { kind: 'ledger'; program: 'python' | 'native' | 'mixed' | 'node'; attached: boolean; noTracker: string }
  | { kind: 'unsupported'; message: string; tooltip: string };

const NODE = new Set(['node', 'pwa-node']);

/** What the Leaks view can show for a session, and what to say when the process has no tracker. */
export function leakSourceOf(s: SessionFacts): LeakSource {
  const c = s.configuration;
  const node = [s, ...s.ancestors].find((x) => NODE.has(x.type) && x.configuration.arraylensNative === true);
  const offHint = 'The allocation tracker is opt-in (it wraps malloc, which changes timing): add "leakTracker": true to the launch configuration or turn on the arraylens.leakTracker setting, then restart the session.';
  if (s.type === 'arraylens' && c.request === 'attach') {
    if (node)
      return {
        kind: 'ledger',
        program: 'node',
        attached: true,
        noTracker: `No allocation tracker in this Node process. ${offHint}`,
      };
    return {
      kind: 'ledger',
      program: 'native',
      attached: true,
      noTracker:
        'No allocation tracker in this process: it was attached to, not launched by ArrayLens, so nothing recorded its allocations. Launch it with an "arraylens" launch configuration (or start it with LD_PRELOAD of the tracker) to see its native blocks.',
    };
  }
  if (s.type === 'arraylens') {
    if (c.mixed !== true && isPythonConfiguration(c))
      return {
        kind: 'ledger',
        program: 'python',
        attached: false,
        noTracker: `No native blocks: no allocation tracker in this Python process, so what C extensions allocate is not listed (the NumPy arrays are). ${offHint}`,
      };
    return { kind: 'ledger', program: c.mixed === true ? 'mixed' : 'native', attached: false, noTracker: `No allocation tracker in this process. ${offHint}` };
  }
  const askHint = 'Add "arraylensLeakTracker": true to this launch configuration to preload the tracker.';
  const attachHint = `It was not launched through a configuration: start it with LD_PRELOAD=<the ArrayLens extension's folder>/src/leaks/tracker/build/${TRACKER_BASENAME} to see its native blocks.`;
  if (RIDDEN_PYTHON_TYPES.includes(s.type)) {
    const attached = c.request === 'attach';
    return {
      kind: 'ledger',
      program: 'python',
      attached,
      noTracker: `No native blocks: no allocation tracker in this Python process, so what C extensions allocate is not listed (the NumPy arrays are). ${attached ? attachHint : askHint}`,
    };
  }
  if (RIDDEN_NATIVE_TYPES.includes(s.type)) {
    const attached = c.request === 'attach';
    return { kind: 'ledger', program: 'native', attached, noTracker: `No allocation tracker in this process. ${attached ? attachHint : askHint}` };
  }
  if (NODE.has(s.type)) {
    if (node) return { kind: 'ledger', program: 'node', attached: false, noTracker: `No allocation tracker in this Node process. ${offHint}` };
    return {
      kind: 'unsupported',
      message: 'Leaks of Node programs: add "arraylensNative": true to the launch configuration',
      tooltip:
        'With "arraylensNative": true in a "node" launch configuration ArrayLens preloads its allocation tracker into the Node process and attaches lldb to its addons; the Leaks view then lists the native blocks per allocation site at each stop.',
    };
  }
  return {
    kind: 'unsupported',
    message: `Leaks: '${s.type}' sessions are not followed`,
    tooltip:
      'The Leaks view works for "type": "arraylens" configurations (Python, C/C++/Rust, mixed), debugpy, lldb-dap and gdb sessions, and Node launches with "arraylensNative": true. For other programs use `arraylens leaks` on the command line.',
  };
}

/** One row of the ledger in the view: a site group (clicking it opens `site`) or a dangling view. */
export interface LedgerRow {
  label: string;
  description: string;
  tooltip: string;
  site: string | null;
}

export interface LedgerSection {
  id: 'new' | 'grown' | 'freed' | 'unreferenced' | 'dangling' | 'refcount';
  label: string;
  description: string;
  rows: LedgerRow[];
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** Groups as `N arrays · M blocks · size` (NumPy arrays and native blocks counted apart), or `none`. */
function totals(groups: readonly LeakGroup[]): string {
  if (!groups.length) return 'none';
  const count = (py: boolean): number => groups.reduce((k, g) => k + ((g.language === 'python') === py ? g.count : 0), 0);
  const parts = [count(true) ? plural(count(true), 'array') : '', count(false) ? plural(count(false), 'block') : ''].filter(Boolean);
  return `${parts.join(' · ')} · ${formatBytes(groups.reduce((k, g) => k + g.bytes, 0))}`;
}

/** Blocks alive at both stops that grew (realloc, mremap, ndarray.resize): growth and sizes per site. */
function grownSection(r: LeaksReport, since: string, baseName: (file: string) => string): LedgerSection[] {
  const grown: GrownGroup[] = r.grown ?? [];
  const bytes = grown.reduce((k, g) => k + g.bytes, 0);
  const n = grown.reduce((k, g) => k + g.count, 0);
  return [
    {
      id: 'grown',
      label: `Grown since ${since}`,
      description: grown.length ? `${n} block${n === 1 ? '' : 's'} · +${formatBytes(bytes)}` : 'none',
      rows: grown.map((g) => {
        const at = parseSite(g.site);
        const sizes = ` (${formatBytes(g.from_bytes)} → ${formatBytes(g.to_bytes)})`;
        return {
          label: at ? `${baseName(at.file)}:${at.line}` : g.site,
          description: `${g.count} × · +${formatBytes(g.bytes)}${sizes}${g.language !== 'native' ? ` · ${g.language}` : ''}`,
          tooltip: `Alive at ${since} and grown since (first allocated here): ${g.count} block(s), +${g.bytes} bytes\n${g.site}`,
          site: g.site,
        };
      }),
    },
  ];
}

/** The sections the view shows for a comparison of two stops of a process (`pinned`: `from` is the pinned stop). */
export function ledgerSections(r: LeaksReport, from: number, pinned: boolean, baseName: (file: string) => string): LedgerSection[] {
  const since = `${pinned ? 'pinned ' : ''}stop ${from}`;
  const rows = (groups: readonly LeakGroup[], what: string): LedgerRow[] =>
    groups.map((g) => {
      const d = describeGroup(g, baseName);
      const layout = g.dtype ? ` ${g.dtype}${g.shape ? `[${g.shape.join(', ')}]` : ''}` : '';
      return {
        label: d.label,
        description: `${d.description}${g.language !== 'native' ? ` · ${g.language}` : ''}${layout}`,
        tooltip: `${what}: ${g.count} ${g.language === 'python' ? 'array' : 'block'}(s), ${g.bytes} bytes\n${g.site}`,
        site: g.site,
      };
    });
  const sections: LedgerSection[] = [
    { id: 'new', label: `New since ${since}`, description: totals(r.new), rows: rows(r.new, `Allocated since ${since} and still alive`) },
    ...grownSection(r, since, baseName),
    { id: 'freed', label: `Freed since ${since}`, description: totals(r.freed), rows: rows(r.freed, `Alive at ${since}, freed since`) },
    {
      id: 'unreferenced',
      label: 'Unreferenced',
      description: totals(r.unreferenced),
      rows: rows(r.unreferenced, 'Alive, and no pointer in the stacks, globals or reachable blocks points to it (leaked)'),
    },
    {
      id: 'dangling',
      label: 'Dangling views',
      description: r.dangling.length ? `${r.dangling.length}` : 'none',
      rows: r.dangling.map((v) => {
        const at = parseSite(v.site);
        return {
          label: v.expr ?? '(unnamed view)',
          description: `${formatBytes(v.bytes)} at ${v.address}: memory ${v.reason}${at ? ` · ${baseName(at.file)}:${at.line}` : ''}`,
          tooltip: `A view over memory it does not own, now ${v.reason === 'freed' ? `freed since ${since}` : 'unmapped'}\n${v.site}`,
          site: v.site,
        };
      }),
    },
  ];
  if (r.refcount.length)
    sections.push({
      id: 'refcount',
      label: 'References grown',
      description: `+${plural(r.refcount.reduce((k, e) => k + e.delta, 0), 'reference')}`,
      rows: r.refcount.map((e) => {
        const at = parseSite(e.site);
        return {
          label: `+${e.delta} ${e.expr ?? '(unnamed array)'}`,
          description: `${at ? `${baseName(at.file)}:${at.line}` : `allocated before ${e.site}`}${e.call ? ` · ${e.call}` : ''}`,
          tooltip: `References no Python object explains grew by ${e.delta} (held by native code, or leaked)${e.call ? `, taken by ${e.call}` : ''}\n${e.site}`,
          site: e.site,
        };
      }),
    });
  return sections;
}

/** The first snapshot of a process, before there is anything to compare: what it holds. */
export function snapshotLine(sum: LedgerStopSummary): string {
  const parts: string[] = [];
  if (sum.census) parts.push(sum.census.numpy ? `${sum.census.arrays} arrays` : 'NumPy not loaded');
  if (sum.tracker) parts.push(`${sum.blocks} native blocks · ${formatBytes(sum.bytes)}`);
  return `Snapshot taken at stop ${sum.stop}: ${parts.join(' · ')}`;
}

/** The line under the sections: which stops, and what the scan read. */
export function ledgerFootnote(r: LeaksReport, from: number, to: number, pinned: boolean): string {
  const dropped = r.notes.trackerDropped ? ` · ${r.notes.trackerDropped} allocations not recorded (tracker table full)` : '';
  return `Stop ${to} compared with ${pinned ? 'pinned ' : ''}stop ${from} · blocks of ${formatBytes(r.notes.minBytes)}+ · scanned ${(r.notes.scannedBytes / 1e6).toFixed(1)} MB in ${r.notes.scanMs} ms${dropped}`;
}
