// Shared by the native e2e suites: building fixtures, expected arrays from NumPy, comparing an inspection with them,
// and the CLI error contract (one stderr line, non-zero exit, no debuggee left).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InspectResult } from '../../src/protocol/cli';
import { CLI, PYTHON, waitNoProcess } from '../helpers/env';

export const BINS = 16;

export interface Expected {
  dtype: string;
  shape: number[];
  values: unknown;
  stats: {
    count: number;
    nan: number;
    posinf: number;
    neginf: number;
    zeros: number;
    min: number | string | null;
    max: number | string | null;
    mean: number | null;
    std: number | null;
    counts: number[];
  };
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
    assert.notEqual(r.status, 0, `expected failure, got stdout ${r.stdout}`);
    assert.equal(r.stdout, '', 'nothing on stdout when failing');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
    assert.match(lines[0], message);
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
