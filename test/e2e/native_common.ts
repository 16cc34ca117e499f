// Shared by the native e2e suites: building fixtures, expected arrays from NumPy, comparing an inspection with them,
// and the CLI error contract (one stderr line, non-zero exit, no debuggee left).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findLldbDap } from '../../src/backends/native/lldb';
import { DapClient } from '../../src/rpc/dapClient';
import type { Stats } from '../../src/core/stats';
import { InspectResult } from '../../src/protocol/cli';
import { ArraySummary } from '../../src/protocol/dap';
import { TransportKind } from '../../src/transport/transport';
import { CLI, PYTHON, assertCliError, fixture, waitNoProcess } from '../helpers/env';

export const BINS = 16;

export interface Expected {
  dtype: string;
  shape: number[];
  values: unknown;
  /** As Stats, with NumPy's JSON for the extremes (int64 beyond 2^53 as strings) and the histogram's counts. */
  stats: Pick<Stats, 'count' | 'nan' | 'posinf' | 'neginf' | 'zeros' | 'mean' | 'std'> & {
    min: number | string | null;
    max: number | string | null;
    counts: number[];
  };
}

/** Why the Node addon suites cannot run here (no lldb-dap, the addon fixture not built), or false. */
export function nodeAddonSkip(): string | false {
  try {
    findLldbDap();
  } catch (e) {
    return (e as Error).message;
  }
  const addon = fixture('node', 'addon', 'build', 'Release', 'fixture_addon.node');
  return fs.existsSync(addon) ? false : 'the addon fixture is not built: run npm run setup (scripts/setup.d/30-node-fixtures.sh)';
}

export interface DapFrame {
  id: number;
  name: string;
  line: number;
  source?: { path?: string };
}

/**
 * What VS Code does to start an `arraylens` session on an initialized adapter: `command` (launch or attach), a
 * breakpoint at `at` once the adapter says initialized (it must bind), configurationDone; resolves at the stop.
 */
export async function startAtBreakpoint(
  dap: DapClient,
  command: 'launch' | 'attach',
  args: Record<string, unknown>,
  at: { file: string; line: number },
  levels: number,
): Promise<{ threadId: number; frames: DapFrame[] }> {
  const initialized = dap.waitEvent('initialized', 60000);
  const started = dap.request(command, { type: 'arraylens', request: command, ...args }, 60000);
  started.catch(() => undefined);
  await initialized;
  const bp = await dap.request<{ breakpoints: { verified: boolean; line?: number }[] }>('setBreakpoints', {
    source: { path: at.file },
    breakpoints: [{ line: at.line }],
  });
  assert.equal(bp.breakpoints[0].verified, true, `the breakpoint at ${path.basename(at.file)}:${at.line} binds`);
  const stopped = dap.waitEvent<{ reason: string; threadId: number }>('stopped', 60000);
  await dap.request('configurationDone', {});
  await started;
  const stop = await stopped;
  assert.equal(stop.reason, 'breakpoint');
  const st = await dap.request<{ stackFrames: DapFrame[] }>('stackTrace', { threadId: stop.threadId, startFrame: 0, levels });
  return { threadId: stop.threadId, frames: st.stackFrames };
}

/** `name` is in a listArrays answer with `dtype` (and `shape` when given). */
export function assertListed(arrays: ArraySummary[], name: string, dtype: string, shape?: number[]): void {
  const a = arrays.find((x) => x.expr === name);
  assert.ok(a, `${name} listed: ${arrays.map((x) => x.expr).join(', ')}`);
  assert.equal(a.dtype, dtype, `${name}: dtype`);
  if (shape) assert.deepEqual(a.shape, shape, `${name}: shape`);
}

/** Builds `out` from `sources` with `compiler` when missing or older than a source. */
export function buildIfStale(compiler: string, sources: string[], out: string, flags: string[]): string {
  const stale = !fs.existsSync(out) || sources.some((s) => fs.statSync(s).mtimeMs > fs.statSync(out).mtimeMs);
  if (stale) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    execFileSync('nice', [compiler, '-g', '-O0', '-o', out, ...sources, ...flags], { stdio: 'inherit' });
  }
  return out;
}

/** The C and C++ fixtures of the native suites (native_c over lldb-dap and MI, native_cdt through cdt-gdb-adapter). */
export const C_SRC = fixture('c', 'arrays.c');
export const CPP_SRC = fixture('c', 'containers.cpp');
export const C_EXPECTED = fixture('c', 'expected.py');
export const C_BIN = (): string => buildIfStale('gcc', [C_SRC], fixture('c', 'build', 'arrays'), ['-lm']);
export const CPP_BIN = (): string => buildIfStale('g++', [CPP_SRC], fixture('c', 'build', 'containers'), []);

/** One array of a fixture to inspect: `name` in expected.py, optionally sliced, optionally over one transport. */
export interface NativeCase {
  expr: string;
  name: string;
  slice?: string;
  transport?: TransportKind;
}

/** Runs a fixture's expected.py (NumPy, no debugger) for the requested names and slices. */
export function expectedFromNumpy(script: string, requests: { name: string; slice?: string }[]): Expected[] {
  const out = execFileSync(PYTHON, [script], { input: JSON.stringify(requests), encoding: 'utf8', maxBuffer: 1 << 26 });
  return JSON.parse(out) as Expected[];
}

/** JSON-comparable form of inspected values: bigints beyond 2^53 as strings (as expected.py writes them). */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (typeof v === 'bigint') return v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER) ? v.toString() : Number(v);
  return v;
}

function exactNumber(v: unknown): unknown {
  if (typeof v === 'bigint') return normalise(v);
  return v;
}

function close(got: number | null | undefined, want: number | null, rel: number): void {
  if (want === null) return assert.equal(got ?? null, null);
  assert.ok(typeof got === 'number' && Math.abs(got - want) <= rel * Math.max(1, Math.abs(want)), `got ${got}, want ${want}`);
}

export function assertMatches(r: InspectResult, e: Expected): void {
  assert.equal(r.dtype, e.dtype, 'dtype');
  assert.deepEqual(r.shape, e.shape, 'shape');
  assert.deepEqual(normalise(r.values), e.values, 'values');
  const s = r.stats!;
  assert.ok(s, 'stats present');
  for (const k of ['count', 'nan', 'posinf', 'neginf', 'zeros'] as const) assert.equal(s[k], e.stats[k], `stats.${k}`);
  // -0 and 0 are the same extreme (NumPy's own answer between them depends on element order; the checker uses ==).
  const sameExtreme = (got: unknown, want: unknown, label: string): void =>
    typeof got === 'number' && typeof want === 'number' && got === want ? undefined : assert.deepEqual(got, want, label);
  sameExtreme(exactNumber(s.min), e.stats.min, 'stats.min');
  sameExtreme(exactNumber(s.max), e.stats.max, 'stats.max');
  close(s.mean, e.stats.mean, 1e-9);
  close(s.std, e.stats.std, 1e-7);
  assert.deepEqual(s.histogram.counts, e.stats.counts, 'histogram = numpy.histogram');
}

/** A copy of a fixture binary under a unique path, so that leftover processes can be found by name. */
export function uniqueCopy(binary: string): { path: string; dispose: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-native-'));
  const p = path.join(dir, `${path.basename(binary)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  fs.copyFileSync(binary, p);
  fs.chmodSync(p, 0o755);
  return { path: p, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the CLI expecting failure: non-zero exit, nothing on stdout, one line on stderr matching `message`, no debuggee left. */
export async function expectCliError(args: string[], program: string, message: RegExp): Promise<void> {
  const copy = uniqueCopy(program);
  try {
    const r = spawnSync(process.execPath, [CLI, 'inspect', '--json', ...args, '--', copy.path], { encoding: 'utf8', timeout: 120000 });
    assertCliError(r, r.status, message);
    assert.deepEqual(await waitNoProcess(copy.path), [], 'the debuggee is gone');
  } finally {
    copy.dispose();
  }
}

/** True once `pid` no longer exists (or is a zombie about to be reaped). */
export async function pidGone(pid: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    let alive = true;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      alive = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      alive = false;
    }
    if (!alive) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
