// Paths and helpers shared by the tests: the repo root, the test Python, fixture markers, leftover processes.

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

/** Pids of live processes whose command line contains `needle` (zombies excluded). */
export function processesMatching(needle: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (cmd.includes(needle) && state !== 'Z') out.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

export async function waitNoProcess(needle: string, ms = 5000): Promise<number[]> {
  const end = Date.now() + ms;
  let left = processesMatching(needle);
  while (left.length && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesMatching(needle);
  }
  return left;
}

export function runPython(args: string[], input?: string): string {
  return execFileSync(PYTHON, args, { encoding: 'utf8', input, maxBuffer: 1 << 28 });
}
