// `arraylens leaks`: runs PROGRAM with the allocation tracker preloaded to FROM, then TO, and reports what was
// allocated and is still alive, what grew, what was freed, refcounts that grew across the boundary and unreferenced
// blocks.

import * as fs from 'fs';
import * as path from 'path';
import { toJson } from '../core/decode';
import { ArrayLensError } from '../core/errors';
import { killQuietly } from '../backends/python/target';
import { runLeakCheck } from '../leaks/ledger';
import { trackerLibrary } from '../leaks/leakTable';
import { GrownGroup, LeakGroup, LeaksReport } from '../leaks/report';
import { launchLeakSession, trackerEnv } from '../leaks/sessions';
import { LeaksOptions, Location } from './args';
import { classifyProgram } from './launch';

function existing(flag: 'from' | 'to', loc: Location): Location {
  if (!fs.existsSync(loc.file)) throw new ArrayLensError('bad-argument', `--${flag} ${loc.file}:${loc.line}: no such file ${loc.file}`);
  return loc;
}

export async function cmdLeaks(o: LeaksOptions): Promise<string> {
  const from = existing('from', o.from);
  const to = existing('to', o.to);
  const { minBytes, timeoutMs } = o;
  const prog = classifyProgram(o.program);
  if (!fs.existsSync(prog.program)) throw new ArrayLensError('bad-argument', `no such program: ${prog.program}`);
  const tracker = trackerLibrary();
  if (!tracker) throw new ArrayLensError('debugger-missing', 'the leak tracker is not built: run npm run setup (scripts/setup.d/40-leak-tracker.sh)');
  const env = trackerEnv(tracker, Math.max(minBytes, 1));
  const session = await launchLeakSession(o.program, { from, env, timeoutMs, python: o.python, debugger: o.debugger, lldbDap: o.lldbDap });
  // Ctrl-C ends the CLI through process.exit: never leave the stopped debuggee behind.
  const onExit = (): void => killQuietly(session.pid);
  process.on('exit', onExit);
  try {
    const report = await runLeakCheck(session, { from, to, minBytes });
    return o.json ? toJson(report) : formatLeaks(report);
  } finally {
    await session.close();
    process.off('exit', onExit);
  }
}

function groupLine(g: LeakGroup): string {
  const layout = g.dtype ? ` ${g.dtype}${g.shape ? `[${g.shape.join(', ')}]` : ''}` : '';
  return `  ${g.language.padEnd(6)} ${String(g.count).padStart(6)} x ${String(g.bytes).padStart(12)} B  ${shortSite(g.site)}${layout}`;
}

function grownLine(g: GrownGroup): string {
  const layout = g.dtype ? ` ${g.dtype}${g.shape ? `[${g.shape.join(', ')}]` : ''}` : '';
  const grew = `+${g.bytes}`.padStart(12);
  return `  ${g.language.padEnd(6)} ${String(g.count).padStart(6)} x ${grew} B  ${shortSite(g.site)}${layout}  (${g.from_bytes} B -> ${g.to_bytes} B)`;
}

function shortSite(site: string): string {
  const rel = path.relative(process.cwd(), site);
  return rel.startsWith('..') ? site : rel;
}

export function formatLeaks(r: LeaksReport): string {
  const out = [`leaks between ${shortSite(r.from)} and ${shortSite(r.to)} (blocks of ${r.notes.minBytes} bytes or more)`];
  const section = (title: string, groups: LeakGroup[]): void => {
    out.push('', `${title}:`);
    if (!groups.length) out.push('  none');
    for (const g of groups) out.push(groupLine(g));
  };
  section('new and still alive', r.new);
  out.push('', 'grown (alive at both stops, first allocation site):');
  if (!r.grown.length) out.push('  none');
  for (const g of r.grown) out.push(grownLine(g));
  section('freed', r.freed);
  out.push('', 'references held by native code (refcount growth):');
  if (!r.refcount.length) out.push('  none');
  for (const e of r.refcount) out.push(`  +${e.delta}  ${e.expr ?? '(unnamed array)'}  ${shortSite(e.site)}${e.call ? `  taken by ${e.call}()` : ''}`);
  section('unreferenced (nothing points to them)', r.unreferenced);
  if (r.dangling.length) {
    out.push('', 'dangling views:');
    for (const d of r.dangling) out.push(`  ${d.expr ?? '(unnamed)'} at ${d.address} (${d.bytes} B): memory ${d.reason}  ${shortSite(d.site)}`);
  }
  out.push('', `scanned ${(r.notes.scannedBytes / 1e6).toFixed(1)} MB of writable memory in ${r.notes.scanMs} ms (${r.notes.scanKernel ?? 'js'} kernel)`);
  return out.join('\n');
}
