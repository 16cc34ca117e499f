// Soak (issue 18): N cycles of stop -> list arrays -> inspect with stats and values -> continue, on a real debugpy
// program and on a C program under lldb-dap, each with an inspector panel's host open (InspectorHost answering the
// requests a webview sends); samples this host's RSS, heap and fds and the debuggee's RSS; `run()` does 200 of each.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { execFileSync, spawn } from 'child_process';
import { PythonTarget } from '../src/backends/python/target';
import { findLldbDap, lldbDapAdapter, lldbLaunchArguments } from '../src/backends/native/lldb';
import { backendById } from '../src/backends/registry';
import { inspectArray } from '../src/engine/engine';
import { ArraySource, EngineArraySource } from '../src/engine/arraySource';
import type { DebugTarget } from '../src/engine/target';
import { InspectorHost } from '../src/inspector/inspectorHost';
import type { HostMessage } from '../src/protocol/webview';
import { DapStops } from '../src/mcp/stops';
import { isFlat, summarize, type SoakSample } from './soakSummary';

export { summarize, isFlat, WARMUP_CYCLES, type SoakSample, type SoakSummary } from './soakSummary';

const ROOT = path.resolve(__dirname, '..', '..');
export const SOAK_PROGRAM = path.join(ROOT, 'bench', 'fixtures', 'soak.py');
export const SOAK_NATIVE_SOURCE = path.join(ROOT, 'bench', 'fixtures', 'soak_native.c');

export interface SoakResult {
  samples: SoakSample[];
  debuggeePid: number;
  /** True when the debuggee's /proc entry was gone (or a zombie) after close. */
  debuggeeGone: boolean;
  /** Children of this process (adapters) still running after close. */
  leftoverChildren: number[];
}

// A full collection before each sample, so that RSS and heap compare live data and not how lazy the collector was.
v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc') as () => void;

function rssOf(pid: number | 'self'): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function processGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** The line marked `BREAK` in a fixture. */
function breakLine(file: string): number {
  const line = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('BREAK')) + 1;
  if (line === 0) throw new Error(`${file} has no line marked BREAK`);
  return line;
}

/** Children of this process still running (not zombies): adapters or debuggees that close() left behind. */
export function liveChildren(): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const rest = st.slice(st.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[1]) === process.pid && rest[0] !== 'Z') out.push(Number(e));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** What one soak drives: a program held at a stop that can run on to the next one. */
interface SoakDriver {
  pid: number;
  /** Runs to the next stop at the breakpoint. */
  advance(): Promise<void>;
  /** The current stop: a target for listing/inspecting and the source an inspector panel reads through. */
  at(): { target: DebugTarget; source: ArraySource; frameId: number; done(): Promise<void> };
  close(): Promise<void>;
}

interface SoakPlan {
  /** Must be in the frame's listing at every stop ('' for a control run: nothing listed, inspected or read). */
  listed: string;
  stats: string[];
  valuesSlice: string;
  /** What the inspector panel shows, and the requests its webview sends at each stop. */
  inspector: { tile: string; overview: string; factor: number } | null;
}

/** A webview's requests at one stop (a tile, an overview, stats), through the host's own validation; throws on an error answer. */
async function driveInspector(host: InspectorHost, answers: HostMessage[], stop: number, p: NonNullable<SoakPlan['inspector']>): Promise<void> {
  let id = stop * 10;
  const requests = [
    { method: 'readTile', params: { stop, index: p.tile, transpose: false } },
    { method: 'readOverview', params: { stop, index: p.overview, transpose: false, factor: p.factor, mode: 'mean' } },
    { method: 'stats', params: { stop, bins: 64 } },
  ];
  for (const r of requests) {
    answers.length = 0;
    await host.handle({ type: 'request', id: id++, ...r });
    const bad = answers.find((m) => m.type === 'response' && !m.ok) ?? (answers.length === 0 ? { none: r.method } : null);
    if (bad) throw new Error(`inspector ${r.method} at stop ${stop}: ${JSON.stringify(bad).slice(0, 300)}`);
  }
  answers.length = 0; // discard what was posted, as a webview that drew it would
}

async function soak(driver: SoakDriver, plan: SoakPlan, cycles: number, onCycle?: (s: SoakSample) => void): Promise<SoakResult> {
  const pid = driver.pid;
  const samples: SoakSample[] = [];
  const answers: HostMessage[] = [];
  const problems: string[] = [];
  let host: InspectorHost | null = null;
  try {
    if (plan.inspector) {
      host = new InspectorHost((m) => answers.push(m), plan.listed, 'soak', null, (why) => problems.push(why));
      await host.handle({ type: 'notify', method: 'ready', params: {} });
    }
    for (let cycle = 1; cycle <= cycles; cycle++) {
      if (cycle > 1) await driver.advance();
      const at = driver.at();
      if (plan.listed) {
        const listed = await at.target.listArrays();
        if (!listed.some((h) => h.expr === plan.listed)) throw new Error(`cycle ${cycle}: '${plan.listed}' not listed (${listed.map((h) => h.expr).join(', ')})`);
        for (const expr of plan.stats) await inspectArray(at.target, expr, { stats: true });
        await inspectArray(at.target, plan.listed, { slice: plan.valuesSlice, values: true });
      }
      if (host && plan.inspector) {
        const state = await host.stopped({ source: at.source, frameId: at.frameId });
        if (state.error !== null) throw new Error(`cycle ${cycle}: the inspector could not read ${plan.listed}: ${state.error}`);
        await driveInspector(host, answers, state.stop, plan.inspector);
        if (problems.length) throw new Error(`cycle ${cycle}: the inspector host reported: ${problems.join('; ')}`);
      }
      await at.done();
      fullGc();
      const s: SoakSample = {
        cycle,
        hostRss: rssOf('self'),
        hostFds: fs.readdirSync('/proc/self/fd').length,
        hostHeapUsed: process.memoryUsage().heapUsed,
        hostHeapTotal: process.memoryUsage().heapTotal,
        hostExternal: process.memoryUsage().external,
        debuggeeRss: rssOf(pid),
      };
      samples.push(s);
      onCycle?.(s);
      const snapAt = process.env.ARRAYLENS_SOAK_HEAPSNAP; // a directory: heap snapshots at cycles 50 and the last
      if (snapAt && (cycle === Math.min(50, cycles) || cycle === cycles)) v8.writeHeapSnapshot(path.join(snapAt, `soak-${process.pid}-${cycle}.heapsnapshot`));
    }
  } finally {
    await driver.close();
  }
  // Give the kernel a moment to reap what close() killed.
  let gone = processGone(pid);
  for (let i = 0; i < 50 && (!gone || liveChildren().length > 0); i++) {
    await new Promise((r) => setTimeout(r, 100));
    gone = processGone(pid);
  }
  return { samples, debuggeePid: pid, debuggeeGone: gone, leftoverChildren: liveChildren() };
}

/** Runs `cycles` stop/list/inspect/continue cycles on the debugpy fixture; `inspector` keeps a panel's host open. */
export async function soakPython(
  /** `control`: stop and continue only, nothing listed or read: what debugpy's stops alone do to the debuggee. */
  opts: { cycles: number; python?: string; env?: Record<string, string>; inspector?: boolean; control?: boolean },
  onCycle?: (s: SoakSample) => void,
): Promise<SoakResult> {
  const program = SOAK_PROGRAM;
  const line = breakLine(program);
  const target = await PythonTarget.launch({
    python: opts.python ?? path.join(ROOT, '.venv', 'bin', 'python'),
    program,
    args: [String(opts.cycles)],
    breakpoint: { file: program, line },
    ...(opts.env ? { env: opts.env } : {}),
  });
  const pid = target.pid;
  if (pid === undefined) {
    await target.close();
    throw new Error('debugpy did not report the debuggee pid: the soak needs it to measure the debuggee');
  }
  const driver: SoakDriver = {
    pid,
    advance: () => target.continueTo(program, line),
    // The engine's source over the one target, fresh at each stop as the extension's is after a continue.
    at: () => ({ target, source: new EngineArraySource(() => target), frameId: 0, done: async () => undefined }),
    close: () => target.close(),
  };
  const plan: SoakPlan = opts.control
    ? { listed: '', stats: [], valuesSlice: '', inspector: null }
    : {
        listed: 'image',
        stats: ['image', 'counts', 'strided'],
        valuesSlice: '[:4, :8]',
        inspector: opts.inspector ? { tile: '[0:64, 0:128]', overview: '[0:512, 0:512]', factor: 4 } : null,
      };
  return soak(driver, plan, opts.cycles, onCycle);
}

/** The same on bench/fixtures/soak_native.c, built with cc -g -O0 into a temp dir and run under lldb-dap. */
export async function soakNative(opts: { cycles: number; lldbDap?: string; inspector?: boolean }, onCycle?: (s: SoakSample) => void): Promise<SoakResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-soak-'));
  try {
    const exe = path.join(dir, 'soak_native');
    execFileSync('cc', ['-g', '-O0', '-o', exe, SOAK_NATIVE_SOURCE], { stdio: 'pipe' });
    const breakpoint = { file: SOAK_NATIVE_SOURCE, line: breakLine(SOAK_NATIVE_SOURCE) };
    const timeoutMs = 60000;
    // As the MCP server's native sessions: every breakpoint held, each continue runs to the next stop.
    const { stops } = await DapStops.launch(lldbDapAdapter(findLldbDap(opts.lldbDap)), lldbLaunchArguments({ program: exe, args: [String(opts.cycles)] }), [breakpoint], {
      timeoutMs,
      launchRule: 'breakpoint',
      unresolvedIn: path.basename(exe),
    });
    const pid = stops.pid;
    if (pid === undefined) {
      await stops.close();
      throw new Error('lldb-dap did not report the debuggee pid: the soak needs it to measure the debuggee');
    }
    const attach = backendById('native').attach({ channel: stops.debuggee.client, pid: () => stops.pid });
    // One source for the panel across stops, dropped at each stop as the extension does on a continue.
    const source = new EngineArraySource(attach);
    const driver: SoakDriver = {
      pid,
      advance: async () => {
        const r = await stops.continue(timeoutMs);
        if ('ended' in r) throw new Error(`the native soak program ended early (exit code ${r.exitCode})`);
        if (r.at.reason !== 'breakpoint') throw new Error(`the native soak program stopped for ${r.at.reason}: ${r.at.description ?? ''}`);
      },
      at: () => {
        source.invalidate();
        const frameId = stops.debuggee.frameId;
        const target = attach(frameId);
        return { target, source, frameId, done: () => target.close() };
      },
      close: () => stops.close(),
    };
    const plan: SoakPlan = {
      listed: 'image',
      stats: ['image', 'counts'],
      valuesSlice: '[:4, :8]',
      inspector: opts.inspector ? { tile: '[0:64, 0:128]', overview: '[0:256, 0:256]', factor: 4 } : null,
    };
    return await soak(driver, plan, opts.cycles, onCycle);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function report(name: string, cycles: number, what: string, go: (onCycle: (s: SoakSample) => void) => Promise<SoakResult>): Promise<void> {
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log(`--- ${name}: ${cycles} cycles (${what})`);
  const t0 = performance.now();
  const r = await go((s) => {
    if (s.cycle === 1 || s.cycle % 25 === 0)
      console.log(`cycle ${String(s.cycle).padStart(4)}: host RSS ${mib(s.hostRss)} MiB, heap ${mib(s.hostHeapUsed)} MiB, external ${mib(s.hostExternal)} MiB, host fds ${s.hostFds}, debuggee RSS ${mib(s.debuggeeRss)} MiB`);
  });
  const sum = summarize(r.samples, 50);
  const raw = summarize(r.samples, 50, 0);
  const w = sum.window;
  const after = r.samples.slice(sum.warmup);
  const min = Math.min(...after.map((s) => s.hostRss));
  const max = Math.max(...after.map((s) => s.hostRss));
  const kib = (b: number) => (b / 1024).toFixed(1);
  const windows = `cycles ${sum.warmup + 1}-${sum.warmup + w} vs ${cycles - w + 1}-${cycles}`;
  console.log(`${name}: ${cycles} cycles in ${((performance.now() - t0) / 1000).toFixed(1)} s; the first ${sum.warmup} are warm-up (host RSS ${mib(r.samples[0].hostRss)} MiB at cycle 1)`);
  console.log(`${name}: host RSS median, ${windows}: ${mib(sum.first.hostRss)} -> ${mib(sum.last.hostRss)} MiB (x${sum.hostRssRatio.toFixed(3)}; min ${mib(min)}, max ${mib(max)} after the warm-up)`);
  console.log(`${name}: host RSS trend after the warm-up: ${kib(sum.hostRssSlope)} KiB a cycle; with the warm-up in the first window (cycles 1-${raw.window}): x${raw.hostRssRatio.toFixed(3)}`);
  console.log(
    `${name}: host RSS less V8's committed heap, median ${windows}: ${mib(sum.first.hostRssOutsideHeap)} -> ${mib(sum.last.hostRssOutsideHeap)} MiB (x${sum.hostRssOutsideHeapRatio.toFixed(3)}; ` +
      `committed heap ${mib(sum.first.hostHeapTotal)} -> ${mib(sum.last.hostHeapTotal)} MiB)`,
  );
  console.log(`${name}: host V8 heap after GC, median ${windows}: ${mib(sum.first.hostHeapUsed)} -> ${mib(sum.last.hostHeapUsed)} MiB, external ${mib(sum.first.hostExternal)} -> ${mib(sum.last.hostExternal)} MiB`);
  console.log(`${name}: host fds median, ${windows}: ${sum.first.hostFds} -> ${sum.last.hostFds}`);
  console.log(`${name}: debuggee RSS median, ${windows}: ${mib(sum.first.debuggeeRss)} -> ${mib(sum.last.debuggeeRss)} MiB (x${sum.debuggeeRssRatio.toFixed(3)}; trend ${kib(sum.debuggeeRssSlope)} KiB a cycle)`);
  console.log(
    `${name}: host RSS flat within 10 %: ${isFlat(sum) ? 'yes' : 'NO'}; debuggee gone after close: ${r.debuggeeGone ? 'yes' : 'NO'}; ` +
      `leftover child processes: ${r.leftoverChildren.length === 0 ? 'none' : r.leftoverChildren.join(', ')}`,
  );
}

/**
 * V8's young generation (semi-spaces) grows in steps while a process runs, up to a fixed maximum (16 MiB per semi-space
 * in Node 20), whenever enough objects have survived scavenges since the last step: a long-lived host (VS Code's
 * extension host after minutes of use) is at that maximum, and a fresh bench process crosses the steps somewhere in
 * its 200 cycles, which moves RSS by 8-16 MiB without anything being kept. So `run()` measures in a child started at
 * that maximum (`--min-semi-space-size=16 --max-semi-space-size=16`), where RSS growth is the host's own;
 * `ARRAYLENS_SOAK_YOUNG=default` runs in this process with V8's default sizing instead (the steps then show).
 */
const PINNED_YOUNG = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

function inPinnedChild(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...PINNED_YOUNG, __filename], {
      stdio: 'inherit',
      env: { ...process.env, ARRAYLENS_SOAK_CHILD: '1' },
    });
    child.on('error', reject);
    child.on('exit', (code, sig) => (code === 0 ? resolve() : reject(new Error(`soak child exited with ${sig ?? code}`))));
  });
}

export async function run(): Promise<void> {
  if (process.env.ARRAYLENS_SOAK_YOUNG !== 'default' && process.env.ARRAYLENS_SOAK_CHILD !== '1') {
    console.log(`V8 young generation pinned at its maximum from the start (${PINNED_YOUNG.join(' ')}; ARRAYLENS_SOAK_YOUNG=default for V8's own sizing)`);
    return inPinnedChild();
  }
  const cycles = Number(process.env.ARRAYLENS_SOAK_CYCLES ?? 200);
  const only = process.env.ARRAYLENS_SOAK_ONLY; // 'python' or 'native' to run one of the two
  const what = 'stop, list, inspect --stats, a values slice, inspector panel: stopped + readTile + readOverview + stats, continue';
  if (only !== 'native') await report('python (debugpy)', cycles, what, (on) => soakPython({ cycles, inspector: true }, on));
  // The same debugpy program stopped and continued as often with nothing inspected: the debuggee's own growth under
  // debugpy, to tell apart from what inspection adds.
  if (only !== 'native' && process.env.ARRAYLENS_SOAK_CONTROL !== '0')
    await report('python control (debugpy, nothing inspected)', cycles, 'stop, continue', (on) => soakPython({ cycles, control: true }, on));
  if (only !== 'python') await report('native (lldb-dap, C)', cycles, what, (on) => soakNative({ cycles, inspector: true }, on));
}

if (require.main === module) run().catch((e) => (console.error(e), process.exit(1)));
