// Paths and helpers shared by the tests: the repo root, the test Python, fixture markers, leftover processes.

import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const PYTHON = process.env.ARRAYLENS_TEST_PYTHON ?? path.join(ROOT, '.venv', 'bin', 'python');
export const CLI = path.join(ROOT, 'bin', 'arraylens');
export const SHARED = path.resolve(ROOT, '..', 'shared');

/** 1-based line of the first line containing `marker` (breakpoints are found by markers, never hard-coded). */
export function markerLine(file: string, marker: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`marker ${marker} not in ${file}`);
  return i + 1;
}

export function fixture(...parts: string[]): string {
  return path.join(ROOT, 'test', 'fixtures', ...parts);
}

export interface LiveProcess {
  pid: number;
  cmd: string;
}

/** Live processes (zombies excluded, this one too) that `pick` selects by pid folder and command line. */
function liveProcesses(pick: (dir: string, cmd: string) => boolean): LiveProcess[] {
  const out: LiveProcess[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (pick(d, cmd)) out.push({ pid: Number(d), cmd });
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return out;
}

/** Pids of live processes whose command line contains `needle`. */
export function processesMatching(needle: string): number[] {
  return liveProcesses((_, cmd) => cmd.includes(needle)).map((p) => p.pid);
}

/** Live processes started with ARRAYLENS_TEST_TAG=`tag` in their environment (children inherit it). */
export function taggedProcesses(tag: string): LiveProcess[] {
  return liveProcesses((d) => fs.readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(`ARRAYLENS_TEST_TAG=${tag}`));
}

/** Polls `list` until it is empty or `ms` pass; returns what is left. */
async function waitEmpty<T>(list: () => T[], ms: number): Promise<T[]> {
  const end = Date.now() + ms;
  let left = list();
  while (left.length && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    left = list();
  }
  return left;
}

export function waitNoProcess(needle: string, ms = 5000): Promise<number[]> {
  return waitEmpty(() => processesMatching(needle), ms);
}

export function waitNoTaggedProcess(tag: string, ms = 8000): Promise<LiveProcess[]> {
  return waitEmpty(() => taggedProcesses(tag), ms);
}

/** The CLI's error contract: a non-zero exit, nothing on stdout, exactly one stderr line, matching `message`. */
export function assertCliError(r: { stdout: string; stderr: string }, code: number | null, message: RegExp): void {
  assert.notEqual(code, 0, `expected failure, got stdout ${r.stdout}`);
  assert.equal(r.stdout, '', 'nothing on stdout when failing');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], message);
}

export function runPython(args: string[], input?: string): string {
  return execFileSync(PYTHON, args, { encoding: 'utf8', input, maxBuffer: 1 << 28 });
}

interface SiteGroup {
  language: string;
  site: string;
  count: number;
  bytes: number;
}

/**
 * The unreferenced blocks reported at `site`: all `calls` lost blocks of `bytesEach`, or all but one. The scan is
 * conservative like LeakSanitizer's: in a stopped interpreter (debugpy, V8) a stale copy of the latest pointer can
 * outlive its call in a dead slot of a live frame and keep one block "referenced" now and then (seen once in CI).
 * Every planted block is still required under `new` with its exact count; this is the scan's evidence on top.
 */
export function assertUnreferencedAt(groups: readonly SiteGroup[], site: string, calls: number, bytesEach: number, language = 'native'): void {
  const got = groups.filter((g) => g.site === site);
  assert.equal(got.length, 1, `one unreferenced group at ${site}: ${JSON.stringify(got)}`);
  const [g] = got;
  assert.equal(g.language, language);
  assert.ok(g.count === calls || g.count === calls - 1, `${g.count} unreferenced blocks at ${site}, expected ${calls} (or ${calls - 1}: a stale copy of the latest pointer)`);
  assert.equal(g.bytes, g.count * bytesEach, `bytes at ${site}`);
}
