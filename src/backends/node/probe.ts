// Finds (or builds, once, with the system C compiler, into a per-user cache folder only we can write) the address
// probe addon the Node backend loads into a paused debuggee so tiles can be read straight from process memory.

import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type ProbeLookup = { file: string } | { file: null; reason: string };

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
/** The bundled extension (dist/*.js) ships the source, and a build of it, in dist/probe (scripts/build.sh). */
const BUNDLED_DIR = path.join(__dirname, 'probe');
const SOURCE_NAME = 'arraylens_probe.c';

/** The probe's source: the repository's (out/ and the CLI), else the bundled one. */
function sourceFile(): string | null {
  for (const f of [path.join(REPO_ROOT, 'src', 'backends', 'node', 'probe', SOURCE_NAME), path.join(BUNDLED_DIR, SOURCE_NAME)])
    if (fs.existsSync(f)) return f;
  return null;
}

/**
 * Where builds go: a per-user cache folder ($XDG_CACHE_HOME/arraylens/node-probe, else ~/.cache/...), created 0700.
 * Never a shared temp folder: a library another user put there would run inside the debuggee (issue 18).
 */
export function probeCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'arraylens', 'node-probe');
}

function myUid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

/**
 * Why `p` (looked at with lstat: a symlink is refused, not followed) is not safe to load code from, or null: it must
 * be a folder/file owned by us (or by root when `rootOk`, for an installed extension) that no other user can write.
 */
export function untrustedReason(p: string, kind: 'dir' | 'file', rootOk = false): string | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return `${p} does not exist`;
  }
  if (st.isSymbolicLink()) return `${p} is a symbolic link (remove it)`;
  if (kind === 'dir' ? !st.isDirectory() : !st.isFile()) return `${p} is not a ${kind === 'dir' ? 'folder' : 'regular file'} (remove it)`;
  const uid = myUid();
  if (uid >= 0 && st.uid !== uid && !(rootOk && st.uid === 0)) return `${p} belongs to another user (uid ${st.uid}; remove it)`;
  if (st.mode & 0o022) return `${p} can be written by other users (chmod ${kind === 'dir' ? 700 : 755} ${p})`;
  return null;
}

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The hash recorded beside a build (`<file>.sha256`), written when we built or staged it; null when missing or bad. */
function recordedHash(file: string, rootOk: boolean): string | null {
  const rec = `${file}.sha256`;
  if (untrustedReason(rec, 'file', rootOk)) return null;
  const h = fs.readFileSync(rec, 'utf8').trim();
  return /^[0-9a-f]{64}$/.test(h) ? h : null;
}

/** Why the build `file` must not be loaded (folder, file, record and content checked), or null. */
function verify(file: string, rootOk: boolean): string | null {
  const why = untrustedReason(path.dirname(file), 'dir', rootOk) ?? untrustedReason(file, 'file', rootOk);
  if (why) return why;
  const want = recordedHash(file, rootOk);
  if (!want) return `${file} has no recorded hash (${file}.sha256)`;
  if (sha256File(file) !== want) return `${file} does not match the hash recorded when it was built`;
  return null;
}

/** Creates the cache folder (0700) and checks it and its `arraylens` parent; returns why it is unusable, or null. */
function ensureCacheDir(dir: string): string | null {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    return `cannot create ${dir}: ${(e as Error).message}`;
  }
  return untrustedReason(path.dirname(dir), 'dir') ?? untrustedReason(dir, 'dir');
}

let cached: ProbeLookup | undefined;
/** ARRAYLENS_NODE_PROBE when `cached` was looked up: the arraylens.nodeProbe setting may change it at run time. */
let cachedFor: string | undefined;

/** The probe's file name for a given source text: rebuilt whenever the source changes. */
export function probeFileName(source: string): string {
  return `arraylens_probe-${createHash('sha256').update(source).digest('hex').slice(0, 12)}.node`;
}

/**
 * Compiles `source` into `out` (through a temporary file renamed over it, so a planted file is replaced, never
 * written through) and records the build's hash in `<out>.sha256`; returns an error text or null.
 */
export function buildProbe(sourceFile: string, out: string): string | null {
  fs.mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = process.env.CC || 'cc';
  fs.rmSync(tmp, { force: true });
  const r = spawnSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', tmp, sourceFile], { encoding: 'utf8', timeout: 60000 });
  if (r.error) return `${cc} not runnable (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status !== 0) return `${cc} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`;
  fs.chmodSync(tmp, 0o755);
  const rec = `${out}.sha256.${process.pid}.tmp`;
  fs.writeFileSync(rec, `${sha256File(tmp)}\n`, { mode: 0o644 });
  fs.renameSync(tmp, out);
  fs.renameSync(rec, `${out}.sha256`);
  return null;
}

/**
 * The probe to load: `ARRAYLENS_NODE_PROBE=/path/file.node` uses that file, `ARRAYLENS_NODE_PROBE=0` turns the
 * probe off (tiles then move as base64 through the inspector), otherwise a build matching the source is found or made.
 * The build is checked again (owner, mode, hash) at every call: callers call this right before loading it.
 */
export function findProbe(): ProbeLookup {
  if (!cached || cachedFor !== process.env.ARRAYLENS_NODE_PROBE) {
    cachedFor = process.env.ARRAYLENS_NODE_PROBE;
    cached = lookup();
  }
  if (cached.file === null || cached.file === process.env.ARRAYLENS_NODE_PROBE) return cached;
  const why = verify(cached.file, path.dirname(cached.file) === BUNDLED_DIR);
  if (why) return { file: null, reason: `the address probe was not loaded: ${why}` };
  return cached;
}

function lookup(): ProbeLookup {
  const env = process.env.ARRAYLENS_NODE_PROBE;
  if (env === '0' || env === 'off') return { file: null, reason: 'the address probe is turned off (ARRAYLENS_NODE_PROBE=0)' };
  if (env) return fs.existsSync(env) ? { file: env } : { file: null, reason: `ARRAYLENS_NODE_PROBE=${env}: no such file` };
  const src = sourceFile();
  if (!src) return { file: null, reason: 'the address probe source (arraylens_probe.c) is not installed' };
  const name = probeFileName(fs.readFileSync(src, 'utf8'));
  // The build staged with the installed extension (checked like any other, root-owned allowed), else ours.
  const staged = path.join(BUNDLED_DIR, name);
  if (fs.existsSync(staged) && !verify(staged, true)) return { file: staged };
  const dir = probeCacheDir();
  const bad = ensureCacheDir(dir);
  if (bad) return { file: null, reason: `the address probe was not loaded: ${bad}` };
  const file = path.join(dir, name);
  if (!verify(file, false)) return { file };
  try {
    const err = buildProbe(src, file);
    if (err) return { file: null, reason: `the address probe could not be built: ${err} (install a C compiler, or run npm run setup)` };
  } catch (e) {
    return { file: null, reason: `the address probe could not be built: ${(e as Error).message}` };
  }
  const why = verify(file, false);
  return why ? { file: null, reason: `the address probe was not loaded: ${why}` } : { file };
}

/**
 * Puts the probe's source into `dir` (dist/probe: the bundled extension loads it from there) and, when a C compiler
 * is here, its build too, so the installed extension needs none. Returns why the build is missing, or null.
 */
export function stageProbe(dir: string): string | null {
  const src = path.join(REPO_ROOT, 'src', 'backends', 'node', 'probe', SOURCE_NAME);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(src, path.join(dir, SOURCE_NAME));
  const name = probeFileName(fs.readFileSync(src, 'utf8'));
  for (const f of fs.readdirSync(dir))
    if (/^arraylens_probe-[0-9a-f]+\.node(\.sha256)?$/.test(f) && !f.startsWith(name)) fs.rmSync(path.join(dir, f));
  const out = path.join(dir, name);
  return fs.existsSync(out) && fs.existsSync(`${out}.sha256`) ? null : buildProbe(src, out);
}
