// The Leaks view's path through real sessions: the launch configuration resolved as the extension resolves it (the
// tracker preloaded), then the view's ProcessLedger (worker thread, the CLI's ledger) at each stop, its rows as the
// view shows them, pinned and previous baselines. Python (the adapter proxying debugpy): the census and the native-call
// watch evaluated in the paused frame with DAP `evaluate` (context clipboard), as extension/leaksView.ts does; the
// fixture keeps 5 arrays in a cache, its C extension loses a malloc'd buffer per call and keeps references, next to
// leak-free twins; without the tracker, the census part alone. Native C (the adapter over lldb-dap) and Node + addon
// (Node's inspector); and the message when a process has no tracker.

import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import { DapClient } from '../../src/rpc/dapClient';
import { NodeTarget } from '../../src/backends/node/target';
import { trackerLibrary } from '../../src/leaks/leakTable';
import { ProcessLedger, PythonEvaluate } from '../../src/leaks/liveLedger';
import type { LeaksReport } from '../../src/leaks/report';
import { LedgerSection, leakSourceOf, ledgerSections, preloadsTracker, snapshotLine, wantsTracker, withTrackerEnv } from '../../extension/leaksModel';
import { PYTHON, ROOT, assertUnreferencedAt, fixture, markerLine, waitNoProcess } from '../helpers/env';

const ADAPTER = path.join(ROOT, 'out', 'src', 'debugAdapter', 'server.js');
const PY = fixture('leaks', 'cache_leak.py');

/** A launch configuration as extension/extension.ts resolves it: the tracker preloaded when the launch wants it. */
function resolved(type: string, config: Record<string, unknown>): Record<string, unknown> {
  const tracker = trackerLibrary();
  assert.ok(tracker, 'the leak tracker is not built: bash scripts/setup.d/40-leak-tracker.sh');
  return wantsTracker(type, config) ? { ...config, env: withTrackerEnv(config.env, tracker, process.env.LD_PRELOAD) } : config;
}

/**
 * The view's sections: the section's label, then its rows (`label description`, indented), only those of `labels` when
 * given (the fixtures gain other sites over time; the ones a test is about must show exactly so).
 */
function shown(sections: LedgerSection[], labels?: string[]): Record<string, string[]> {
  return Object.fromEntries(
    sections.map((s) => [s.id, [s.label, ...s.rows.filter((r) => !labels || labels.includes(r.label)).map((r) => `  ${r.label} ${r.description}`)]]),
  );
}

const tag = (): string => `arraylens-leaksview-${process.pid}-${Math.random().toString(36).slice(2)}`;

/** An arraylens Python session as the view sees it: the adapter proxying debugpy, stopped at each of `lines` in turn. */
class PythonSession {
  readonly output: string[] = [];
  pid: number | undefined;
  private threadId = 0;

  private constructor(readonly dap: DapClient) {}

  static async launch(config: Record<string, unknown>, lines: number[]): Promise<PythonSession> {
    const s = new PythonSession(await DapClient.spawn('arraylens', process.execPath, [ADAPTER], { ...process.env }));
    s.dap.on('output', (b: { output?: string }) => s.output.push(b.output ?? ''));
    s.dap.on('process', (b: { systemProcessId?: number }) => (s.pid = b.systemProcessId ?? s.pid));
    await s.dap.request('initialize', { clientID: 'test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const initialized = s.dap.waitEvent('initialized', 90000);
    // debugpy answers `launch` after configurationDone.
    const launched = s.dap.request('launch', config, 90000);
    launched.catch(() => undefined);
    await initialized;
    const bp = await s.dap.request<{ breakpoints: { verified: boolean }[] }>('setBreakpoints', { source: { path: PY }, breakpoints: lines.map((line) => ({ line })) });
    assert.deepEqual(
      bp.breakpoints.map((b) => b.verified),
      lines.map(() => true),
    );
    const stopped = s.dap.waitEvent<{ threadId: number }>('stopped', 90000);
    await s.dap.request('configurationDone', {});
    await launched;
    s.threadId = (await stopped).threadId;
    assert.ok(s.pid, 'debugpy said which process runs the program');
    return s;
  }

  async next(): Promise<void> {
    const stopped = this.dap.waitEvent<{ threadId: number }>('stopped', 90000);
    await this.dap.request('continue', { threadId: this.threadId });
    this.threadId = (await stopped).threadId;
  }

  /** What the view's evaluatorAt gives the ledger: `evaluate` in the top frame of the stop, context clipboard. */
  async evaluator(): Promise<PythonEvaluate> {
    const st = await this.dap.request<{ stackFrames: { id: number }[] }>('stackTrace', { threadId: this.threadId, startFrame: 0, levels: 1 });
    const frameId = st.stackFrames[0].id;
    return async (expression) => (await this.dap.request<{ result: string }>('evaluate', { expression, frameId, context: 'clipboard' }, 120000)).result;
  }

  async close(): Promise<void> {
    await this.dap.close().catch(() => undefined);
    this.dap.kill();
  }
}

/** After a suite: its ledger disposed, its session closed, and no process with tag `t` left. */
function afterSuite(t: string, ledger: () => ProcessLedger | undefined, close: () => Promise<unknown> | undefined): void {
  after(async () => {
    await ledger()?.dispose();
    await close();
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });
}

describe('Leaks view: the ledger of an arraylens Python session (NumPy census + the tracker in a C extension)', () => {
  const EXT = fixture('leaks', 'refext.c');
  const py = (marker: string): string => `cache_leak.py:${markerLine(PY, marker)}`;
  const ext = (marker: string): string => `refext.c:${markerLine(EXT, marker)}`;
  let session: PythonSession | undefined;
  let ledger: ProcessLedger | undefined;
  const t = tag();
  afterSuite(t, () => ledger, () => session?.close());

  it('new and unreferenced native blocks of the extension by site, the cache by site, refcounts by call; nothing at the twins', { timeout: 240_000 }, async () => {
    assert.ok(fs.readdirSync(fixture('leaks', 'build')).some((f) => f.startsWith('refext')), 'refext is not built (scripts/setup.d/40-leak-tracker.sh)');
    const config = resolved('arraylens', { type: 'arraylens', request: 'launch', program: PY, args: ['refext', t], cwd: path.dirname(PY), python: PYTHON, leakTracker: true });
    assert.ok(preloadsTracker(config.env), 'a Python launch preloads the tracker');
    const source = leakSourceOf({ type: 'arraylens', configuration: config, ancestors: [] });
    assert.deepEqual(source.kind === 'ledger' && [source.program, source.attached], ['python', false]);

    // FROM, at refext.peek(lent) (after the loop and both keep() calls, before the scratch calls), TO: stops 1, 2, 3.
    session = await PythonSession.launch(config, [markerLine(PY, 'BREAK FROM'), markerLine(PY, 'refext.peek(lent)'), markerLine(PY, 'BREAK TO')]);
    ledger = new ProcessLedger(session.pid!, path.join(ROOT, 'out', 'src', 'leaks', 'ledgerWorker.js'));
    const first = await ledger.snapshot(await session.evaluator());
    assert.equal(first.tracker, true, 'the tracker table is found in the Python process');
    assert.ok(first.census?.numpy && first.census.arrays >= 2, `the census found held and lent: ${JSON.stringify(first.census)}`);
    assert.match(snapshotLine(first), /^Snapshot taken at stop 1: \d+ arrays · \d+ native blocks · /);
    assert.equal(await ledger.compare(), null, 'one snapshot: nothing to compare yet');
    assert.equal(ledger.pin(), 1);

    const ours = [py('SITE cache'), py('SITE temporary'), ext('SITE scratch'), ext('SITE scratch_ok'), '+1 held'];
    let report: LeaksReport | undefined;
    const rowsOf = async (): Promise<Record<string, string[]>> => {
      const c = await ledger!.compare();
      assert.ok(c, 'a comparison');
      report = c.report;
      return shown(ledgerSections(c.report, c.from, c.pinned, (f) => path.basename(f)), ours);
    };
    const cache = `  ${py('SITE cache')} 5 × · 19.5 KiB · python float32[10, 100]`;
    const keeps = [`  +1 held ${py('SITE first keep')} · refext.keep`, `  +1 held ${py('SITE second keep')} · refext.keep`];

    await session.next();
    await ledger.snapshot(await session.evaluator());
    let rows = await rowsOf();
    assert.deepEqual(rows.new, ['New since pinned stop 1', cache], 'the cache; no scratch call yet');
    assert.deepEqual(rows.refcount, ['References grown', ...keeps], 'the two keep() calls, each with its line');

    await session.next();
    const last = await ledger.snapshot(await session.evaluator());
    assert.equal(last.stop, 3);
    rows = await rowsOf();
    log(rows);
    const scratch = `  ${ext('SITE scratch')} 3 × · 146.5 KiB`;
    assert.deepEqual(rows.new, ['New since pinned stop 1', cache, scratch], 'against the pinned stop: the cache and the lost buffers');
    // The lost buffers, by the CLI's own evidence rule (a stale copy of the latest pointer may keep one referenced).
    assertUnreferencedAt(report!.unreferenced, `${EXT}:${markerLine(EXT, 'SITE scratch')}`, 3, 50000);
    assert.deepEqual(rows.unreferenced.slice(0, 1), ['Unreferenced']);
    assert.ok(!rows.unreferenced.some((r) => r.startsWith(`  ${py('SITE cache')} `)), 'the cached arrays are referenced');
    assert.deepEqual(rows.refcount, ['References grown', ...keeps], 'the watches of both intervals, merged');
    for (const marker of [py('SITE temporary'), ext('SITE scratch_ok')])
      assert.ok(!Object.values(rows).flat().some((r) => r.startsWith(`  ${marker} `)), `${marker} (a leak-free twin) appears nowhere`);

    ledger.unpin();
    rows = await rowsOf();
    assert.deepEqual(rows.new, ['New since stop 2', scratch], 'against the previous stop: only the scratch calls');
    assertUnreferencedAt(report!.unreferenced, `${EXT}:${markerLine(EXT, 'SITE scratch')}`, 3, 50000);
    assert.equal(rows.refcount, undefined, 'no reference taken since stop 2');
    assert.ok(!session.output.join('').includes('PYDEV DEBUGGER WARNING'), 'the census leaves no debugger warning in the debug console');
  });
});

describe('Leaks view: a Python session without the tracker ("leakTracker": false)', () => {
  let session: PythonSession | undefined;
  let ledger: ProcessLedger | undefined;
  const t = tag();
  afterSuite(t, () => ledger, () => session?.close());

  it('the census part of the ledger: the cached arrays by site, nothing for the freed temporaries; the view says why native blocks are missing', { timeout: 180_000 }, async () => {
    const config = resolved('arraylens', { type: 'arraylens', request: 'launch', program: PY, args: [t], cwd: path.dirname(PY), python: PYTHON, leakTracker: false });
    assert.ok(!preloadsTracker(config.env), 'no tracker when the launch says so');
    const source = leakSourceOf({ type: 'arraylens', configuration: config, ancestors: [] });
    assert.ok(source.kind === 'ledger' && source.program === 'python');
    assert.match(source.noTracker, /^No native blocks: no allocation tracker in this Python process/);
    session = await PythonSession.launch(config, [markerLine(PY, 'BREAK FROM'), markerLine(PY, 'BREAK TO')]);
    ledger = new ProcessLedger(session.pid!, path.join(ROOT, 'out', 'src', 'leaks', 'ledgerWorker.js'));
    const first = await ledger.snapshot(await session.evaluator());
    assert.deepEqual([first.tracker, first.census?.numpy], [false, true]);
    assert.match(snapshotLine(first), /^Snapshot taken at stop 1: \d+ arrays$/);
    await session.next();
    await ledger.snapshot(await session.evaluator());
    const c = await ledger.compare();
    assert.ok(c && !c.report.notes.tracker);
    const rows = shown(ledgerSections(c.report, c.from, c.pinned, (f) => path.basename(f)));
    log(rows);
    assert.deepEqual(rows.new, ['New since stop 1', `  cache_leak.py:${markerLine(PY, 'SITE cache')} 5 × · 19.5 KiB · python float32[10, 100]`], 'the cache, and not the freed temporaries');
    assert.deepEqual(rows.freed, ['Freed since stop 1']);
    assert.deepEqual(rows.unreferenced, ['Unreferenced'], 'no table: no native blocks');
    assert.equal(rows.refcount, undefined);
  });
});

describe('Leaks view: the tracker ledger of an arraylens native (lldb) session', () => {
  const C_SRC = fixture('leaks', 'lost_buffers.c');
  const C_EXE = fixture('leaks', 'build', 'lost_buffers');
  const line = (marker: string): number => markerLine(C_SRC, marker);
  let dap: DapClient | undefined;
  let ledger: ProcessLedger | undefined;
  const t = tag();
  afterSuite(t, () => ledger, async () => {
    await dap?.close().catch(() => undefined);
    dap?.kill();
  });

  it('per stop: blocks new since the previous or the pinned stop by site with counts, the lost ones unreferenced', { timeout: 180_000 }, async () => {
    assert.ok(fs.existsSync(C_EXE), `${C_EXE} is not built (scripts/setup.d/40-leak-tracker.sh)`);
    const config = resolved('arraylens', { type: 'arraylens', request: 'launch', name: 'lost_buffers', program: C_EXE, args: ['2', t], cwd: path.dirname(C_SRC), leakTracker: true });
    assert.ok(preloadsTracker(config.env), 'a native launch preloads the tracker');
    const source = leakSourceOf({ type: 'arraylens', configuration: config, ancestors: [] });
    assert.deepEqual(source.kind === 'ledger' && { program: source.program, attached: source.attached }, { program: 'native', attached: false });

    // The adapter as the extension starts it for a native program (lldb-dap from initialize on).
    dap = await DapClient.spawn('arraylens', process.execPath, [ADAPTER], { ...process.env, ARRAYLENS_ADAPTER_BACKEND: 'lldb-dap' });
    let pid: number | undefined;
    dap.on('process', (b: { systemProcessId?: number }) => (pid = b.systemProcessId ?? pid));
    await dap.request('initialize', { clientID: 'test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const initialized = dap.waitEvent('initialized', 60000);
    const launched = dap.request('launch', config, 60000);
    launched.catch(() => undefined);
    await initialized;
    // FROM, inside the loop before temporary(i) (after lose_buffer(i)), TO: stops 1, 2 (i = 0), 3 (i = 1), 4.
    const lines = [line('BREAK FROM'), line('total += temporary(i);'), line('BREAK TO')];
    const bp = await dap.request<{ breakpoints: { verified: boolean }[] }>('setBreakpoints', { source: { path: C_SRC }, breakpoints: lines.map((l) => ({ line: l })) });
    assert.deepEqual(bp.breakpoints.map((b) => b.verified), [true, true, true]);
    let stopped = dap.waitEvent<{ threadId: number }>('stopped', 60000);
    await dap.request('configurationDone', {});
    await launched;
    let stop = await stopped;
    assert.ok(pid, 'lldb-dap said which process runs the program');
    const next = async (): Promise<void> => {
      stopped = dap!.waitEvent<{ threadId: number }>('stopped', 60000);
      await dap!.request('continue', { threadId: stop.threadId });
      stop = await stopped;
    };
    const lost = `lost_buffers.c:${line('SITE lost')}`;
    const kept = `lost_buffers.c:${line('SITE global')}`;
    const temporary = `lost_buffers.c:${line('SITE temporary')}`;
    const rowsOf = async (): Promise<Record<string, string[]>> => {
      const c = await ledger!.compare();
      assert.ok(c, 'a comparison');
      return shown(ledgerSections(c.report, c.from, c.pinned, (f) => path.basename(f)), [lost, kept, temporary]);
    };

    ledger = new ProcessLedger(pid, path.join(ROOT, 'out', 'src', 'leaks', 'ledgerWorker.js'));
    const first = await ledger.snapshot();
    assert.equal(first.stop, 1);
    assert.equal(first.tracker, true, 'the tracker table is found in the process');
    assert.equal(first.minBytes, 1024);
    assert.equal(await ledger.compare(), null, 'one snapshot: nothing to compare yet');
    assert.equal(ledger.pin(), 1);

    await next();
    await ledger.snapshot();
    let rows = await rowsOf();
    assert.deepEqual(rows.new, ['New since pinned stop 1', `  ${lost} 1 × · 32.0 KiB`]);
    assert.deepEqual(rows.freed, ['Freed since pinned stop 1']);

    await next();
    await ledger.snapshot();
    rows = await rowsOf();
    assert.deepEqual(rows.new, ['New since pinned stop 1', `  ${lost} 2 × · 64.0 KiB`, `  ${kept} 1 × · 23.4 KiB`], 'against the pinned stop');
    ledger.unpin();
    rows = await rowsOf();
    assert.deepEqual(rows.new, ['New since stop 2', `  ${lost} 1 × · 32.0 KiB`, `  ${kept} 1 × · 23.4 KiB`], 'against the previous stop');

    await next();
    const last = await ledger.snapshot();
    assert.equal(last.stop, 4);
    rows = await rowsOf();
    log(rows);
    assert.deepEqual(rows.new, ['New since stop 3', `  ${kept} 1 × · 23.4 KiB`], 'of these, only keep_global(1) allocated since stop 3');
    assert.deepEqual(rows.freed, ['Freed since stop 3'], 'the freed temporaries were never alive at a stop');
    assert.deepEqual(rows.unreferenced, ['Unreferenced', `  ${lost} 2 × · 64.0 KiB`], 'both lost buffers; the globals are referenced');
    assert.deepEqual(rows.dangling, ['Dangling views']);
    assert.equal(rows.refcount, undefined, 'no Python, no reference counts');
    assert.ok(!Object.values(rows).flat().some((r) => r.includes(temporary)), 'the temporaries appear nowhere');
  });
});

describe('Leaks view: the tracker ledger of a Node + addon process ("arraylensNative")', () => {
  const JS = fixture('leaks', 'node_leak.js');
  const CC = fixture('leaks', 'node_addon', 'leak_addon.cc');
  const ADDON = fixture('leaks', 'node_addon', 'build', 'Release', 'leak_addon.node');
  let target: NodeTarget | undefined;
  let ledger: ProcessLedger | undefined;
  const t = tag();
  afterSuite(t, () => ledger, () => target?.close().catch(() => undefined));

  it('the lost() blocks by site with count and bytes at the second stop, nothing at owned()', { timeout: 180_000 }, async () => {
    assert.ok(fs.existsSync(ADDON), `${ADDON} is not built (scripts/setup.d/40-leak-tracker.sh needs node-gyp)`);
    const launch = { type: 'node', request: 'launch', name: 'node_leak', program: JS, args: ['leak', t], runtimeArgs: ['--expose-gc'], arraylensNative: true, leakTracker: true };
    const config = resolved('node', launch);
    assert.ok(preloadsTracker(config.env), 'a Node launch with "arraylensNative" and "leakTracker": true preloads the tracker');
    assert.ok(!preloadsTracker(resolved('node', { ...launch, arraylensNative: undefined }).env), 'a plain Node launch does not');
    assert.ok(!preloadsTracker(resolved('node', { ...launch, leakTracker: undefined }).env), 'nor one that does not ask (opt-in: it changes timing)');
    // The sessions js-debug starts for the process, and the native attach session under it, all read the same ledger.
    const jsChild = { type: 'pwa-node', configuration: { type: 'pwa-node', request: 'launch', __pendingTargetId: 'x' } };
    const launcher = { type: 'pwa-node', configuration: config };
    assert.equal(leakSourceOf({ ...jsChild, ancestors: [launcher] }).kind, 'ledger');
    const attach = leakSourceOf({ type: 'arraylens', configuration: { type: 'arraylens', request: 'attach', processId: 1 }, ancestors: [jsChild, launcher] });
    assert.deepEqual(attach.kind === 'ledger' && { program: attach.program, attached: attach.attached }, { program: 'node', attached: true });
    assert.equal(leakSourceOf({ ...jsChild, ancestors: [{ type: 'pwa-node', configuration: launch }] }).kind, 'ledger');
    assert.equal(leakSourceOf({ ...jsChild, ancestors: [{ type: 'pwa-node', configuration: { ...launch, arraylensNative: false } }] }).kind, 'unsupported');

    // js-debug is not published standalone: Node's inspector stands in for it, with the environment js-debug would pass.
    target = await NodeTarget.launch({
      program: JS,
      nodeArgs: launch.runtimeArgs,
      args: launch.args,
      breakpoint: { file: JS, line: markerLine(JS, 'BREAK FROM') },
      stopTimeoutMs: 60000,
      env: { ...process.env, ...(config.env as Record<string, string>) },
    });
    ledger = new ProcessLedger(target.pid!, path.join(ROOT, 'out', 'src', 'leaks', 'ledgerWorker.js'));
    assert.equal((await ledger.snapshot()).tracker, true, 'the tracker table is found in the Node process');
    await target.continueTo(JS, markerLine(JS, 'BREAK TO'));
    await ledger.snapshot();
    const c = await ledger.compare();
    assert.ok(c);
    const sections = ledgerSections(c.report, c.from, c.pinned, (f) => path.basename(f));
    const rows = shown(sections);
    log(rows);
    const lostSite = `leak_addon.cc:${markerLine(CC, 'SITE lost')}`;
    const ownedSite = `leak_addon.cc:${markerLine(CC, 'SITE owned')}`;
    assert.deepEqual(
      rows.new.filter((r) => r.includes('leak_addon.cc')),
      [`  ${lostSite} 4 × · 256.0 KiB`],
      'the four 64 KiB blocks nothing frees',
    );
    const lostRow = sections.find((s) => s.id === 'new')!.rows.find((r) => r.label === lostSite)!;
    assert.equal(lostRow.site, `${CC}:${markerLine(CC, 'SITE lost')}`, 'the row opens the allocation site');
    assert.ok(!Object.values(rows).flat().some((r) => r.includes(ownedSite)), 'blocks freed by the finalizer appear nowhere');
  });
});

describe('Leaks view: the tracker ledger of a mixed Python + Rust session ("mixed": true)', () => {
  const DIR = fixture('rust', 'mixed');
  const PROGRAM = path.join(DIR, 'program.py');
  const LIB = path.join(DIR, 'src', 'lib.rs');
  let dap: DapClient | undefined;
  let ledger: ProcessLedger | undefined;
  after(async () => {
    await ledger?.dispose();
    await dap?.close().catch(() => undefined);
    dap?.kill();
  });

  it('the launch preloads the tracker into the Python process; a stop in Python and one in Rust compare', { timeout: 180_000 }, async () => {
    const r = spawnSync(PYTHON, ['-c', 'import arraylens_mixed'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `the mixed fixture is not installed (bash scripts/setup.d/25-mixed-fixture.sh): ${r.stderr}`);
    const config = resolved('arraylens', { type: 'arraylens', request: 'launch', program: PROGRAM, args: ['c'], cwd: DIR, python: PYTHON, mixed: true, leakTracker: true });
    assert.ok(preloadsTracker(config.env), 'a mixed launch preloads the tracker');
    const source = leakSourceOf({ type: 'arraylens', configuration: config, ancestors: [] });
    assert.deepEqual(source.kind === 'ledger' && source.program, 'mixed');

    dap = await DapClient.spawn('arraylens', process.execPath, [ADAPTER], { ...process.env });
    let pid: number | undefined;
    dap.on('process', (b: { systemProcessId?: number }) => (pid = b.systemProcessId ?? pid));
    await dap.request('initialize', { clientID: 'test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const initialized = dap.waitEvent('initialized', 90000);
    await dap.request('launch', config, 90000);
    await initialized;
    await dap.request('setBreakpoints', { source: { path: PROGRAM }, breakpoints: [{ line: markerLine(PROGRAM, '# BREAK') }] });
    await dap.request('setBreakpoints', { source: { path: LIB }, breakpoints: [{ line: markerLine(LIB, '// BREAK') }] });
    let stopped = dap.waitEvent<{ threadId: number }>('stopped', 90000);
    await dap.request('configurationDone', {});
    const first = await stopped;
    assert.ok(pid, 'the mixed session said which process runs the program');
    ledger = new ProcessLedger(pid, path.join(ROOT, 'out', 'src', 'leaks', 'ledgerWorker.js'));
    assert.equal((await ledger.snapshot()).tracker, true, 'the tracker table is found in the Python process');
    stopped = dap.waitEvent<{ threadId: number }>('stopped', 90000);
    await dap.request('continue', { threadId: first.threadId });
    await stopped;
    await ledger.snapshot();
    const c = await ledger.compare();
    assert.ok(c && c.report.notes.tracker, 'the native stop compares with the Python one');
    assert.deepEqual([c.from, c.to, c.pinned], [1, 2, false]);
  });
});

describe('Leaks view: a process without the tracker', () => {
  let child: ChildProcess | undefined;
  let ledger: ProcessLedger | undefined;
  after(async () => {
    await ledger?.dispose();
    child?.kill('SIGKILL');
  });

  it('an attached process: no table, and the view says why', async () => {
    child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const source = leakSourceOf({ type: 'arraylens', configuration: { type: 'arraylens', request: 'attach', processId: child.pid }, ancestors: [] });
    assert.ok(source.kind === 'ledger' && source.attached);
    assert.match(source.noTracker, /attached to, not launched by ArrayLens/);
    ledger = new ProcessLedger(child.pid!, path.join(ROOT, 'out', 'src', 'leaks', 'ledgerWorker.js'));
    const s = await ledger.snapshot();
    assert.equal(s.tracker, false);
    assert.equal(await ledger.compare(), null);
  });

  it('a native launch with "leakTracker": false is not given the tracker', () => {
    const config = resolved('arraylens', { type: 'arraylens', request: 'launch', program: '/bin/true', leakTracker: false });
    assert.ok(!preloadsTracker(config.env));
  });
});

function log(rows: Record<string, string[]>): void {
  process.stderr.write(`[leaks-view] ${JSON.stringify(rows)}\n`);
}
