// Finds (or builds, once, with the system C compiler) the address probe addon the Node backend loads into a
// paused debuggee so tiles can be read straight from process memory. Says why when there is none.

import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type ProbeLookup = { file: string } | { file: null; reason: string };

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
/** The bundled extension (dist/*.js) ships the source, and a build of it, in dist/probe (scripts/build.sh). */
const BUNDLED_DIR = path.join(__dirname, 'probe');

/**
 * Where the source is and where builds of it go, first found first: the repository's source (out/ and the CLI) with
 * builds in its .cache (ignored by git), else the bundled one with builds beside it; a per-user temp folder last.
 */
function sources(): { source: string; buildDirs: string[] }[] {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const tmp = path.join(os.tmpdir(), `arraylens-${uid}`, 'node-probe');
  return [
    {
      source: path.join(REPO_ROOT, 'src', 'backends', 'node', 'probe', 'arraylens_probe.c'),
      buildDirs: [path.join(REPO_ROOT, '.cache', 'node-probe'), tmp],
    },
    { source: path.join(BUNDLED_DIR, 'arraylens_probe.c'), buildDirs: [BUNDLED_DIR, tmp] },
  ];
}

let cached: ProbeLookup | undefined;

/** The probe's file name for a given source text: rebuilt whenever the source changes. */
export function probeFileName(source: string): string {
  return `arraylens_probe-${createHash('sha256').update(source).digest('hex').slice(0, 12)}.node`;
}

/** Compiles `source` into `out`; returns an error text or null. */
export function buildProbe(sourceFile: string, out: string): string | null {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = process.env.CC || 'cc';
  const r = spawnSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', tmp, sourceFile], { encoding: 'utf8', timeout: 60000 });
  if (r.error) return `${cc} not runnable (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status !== 0) return `${cc} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`;
  fs.renameSync(tmp, out);
  return null;
}

/**
 * The probe to load: `ARRAYLENS_NODE_PROBE=/path/file.node` uses that file, `ARRAYLENS_NODE_PROBE=0` turns the
 * probe off (tiles then move as base64 through the inspector), otherwise a build matching the source is found or made.
 */
export function findProbe(): ProbeLookup {
  if (cached) return cached;
  cached = lookup();
  return cached;
}

function lookup(): ProbeLookup {
  const env = process.env.ARRAYLENS_NODE_PROBE;
  if (env === '0' || env === 'off') return { file: null, reason: 'the address probe is turned off (ARRAYLENS_NODE_PROBE=0)' };
  if (env) return fs.existsSync(env) ? { file: env } : { file: null, reason: `ARRAYLENS_NODE_PROBE=${env}: no such file` };
  const found = sources().find((c) => fs.existsSync(c.source));
  if (!found) return { file: null, reason: 'the address probe source (arraylens_probe.c) is not installed' };
  const src = found.source;
  const name = probeFileName(fs.readFileSync(src, 'utf8'));
  const dirs = found.buildDirs;
  for (const d of dirs) if (fs.existsSync(path.join(d, name))) return { file: path.join(d, name) };
  let why = '';
  for (const d of dirs) {
    try {
      const err = buildProbe(src, path.join(d, name));
      if (!err) return { file: path.join(d, name) };
      why = err;
      if (/not runnable/.test(err)) break;
    } catch (e) {
      why = (e as Error).message;
    }
  }
  return { file: null, reason: `the address probe could not be built: ${why} (install a C compiler, or run npm run setup)` };
}

/**
 * Puts the probe's source into `dir` (dist/probe: the bundled extension loads it from there) and, when a C compiler
 * is here, its build too, so the installed extension needs none. Returns why the build is missing, or null.
 */
export function stageProbe(dir: string): string | null {
  const src = sources()[0].source;
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(src, path.join(dir, 'arraylens_probe.c'));
  const name = probeFileName(fs.readFileSync(src, 'utf8'));
  for (const f of fs.readdirSync(dir))
    if (/^arraylens_probe-[0-9a-f]+\.node$/.test(f) && f !== name) fs.rmSync(path.join(dir, f));
  return fs.existsSync(path.join(dir, name)) ? null : buildProbe(src, path.join(dir, name));
}
