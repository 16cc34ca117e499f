// C++ checks of the native kernels that the JS comparisons cannot make (native/test/*.cc, built here with g++):
// the float32 histogram shortcut against numpy's bin rule at every edge of thousands of random specs, no kernel
// reading past a view's last element (views that end at a PROT_NONE page), every SIMD table this CPU runs against the
// serial one (isa_vs_serial), and the NEON (arm64) table against the serial one, cross-compiled and run under
// qemu-aarch64 on x86-64. They test the sources, not the addon, so ARRAYLENS_NO_NATIVE does not change them (scripts/test.sh
// runs them once, in the run with the addon); without g++ they say so and pass. Without the aarch64 cross g++ or qemu the NEON
// checks fail (scripts/setup.d/22-neon-cross.sh installs them) unless ARRAYLENS_SKIP_NEON_CHECK=1 skips them.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, describe, it } from 'node:test';

const NATIVE = path.resolve(__dirname, '..', '..', '..', 'native');
const CXX = process.env.CXX ?? 'g++';
const HAVE_CXX = spawnSync(CXX, ['--version'], { stdio: 'ignore' }).status === 0;
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-native-checks-'));

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: OUT, timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Compiles one source to an object file with the flags binding.gyp gives its target. */
function object(src: string, flags: string[]): string {
  const o = path.join(OUT, `${path.basename(src, '.cc')}.o`);
  run(CXX, ['-std=c++17', '-O2', '-fno-math-errno', `-I${path.join(NATIVE, 'include')}`, `-I${path.join(NATIVE, 'src')}`, ...flags, '-c', src, '-o', o]);
  return o;
}

/** The addon's sources but the N-API ones (driver, dispatch, serial and NEON tables), read from binding.gyp so the lists never drift. */
function driverSources(): string[] {
  const gyp = fs.readFileSync(path.join(NATIVE, 'binding.gyp'), 'utf8');
  const m = /"sources":\s*\[([^\]]*"src\/binding\.cc"[^\]]*)\]/.exec(gyp);
  assert.ok(m, 'binding.gyp lists no sources with src/binding.cc');
  return [...m[1].matchAll(/"src\/([^"]+)"/g)].map((x) => x[1]).filter((f) => f !== 'binding.cc' && f !== 'marshal.cc');
}

let hostObjectFiles: string[] | undefined;

/** The driver and every kernel table this host can build, compiled once (the AVX tables with their own flags, as binding.gyp). */
function hostObjects(): string[] {
  if (hostObjectFiles) return hostObjectFiles;
  const src = (f: string): string => path.join(NATIVE, 'src', f);
  const objs = driverSources().map((f) => object(src(f), []));
  if (process.arch === 'x64') {
    objs.push(object(src('isa_avx2.cc'), ['-mavx2', '-mf16c', '-mfma']));
    objs.push(object(src('isa_avx512.cc'), ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mavx2', '-mf16c', '-mfma']));
  }
  return (hostObjectFiles = objs);
}

/**
 * How to build and run arm64 programs here: natively on arm64; on x86-64 the Debian cross g++ (its arm64 libc and
 * libstdc++ live in /usr/aarch64-linux-gnu) and qemu-aarch64 (user mode). A string says why they cannot run.
 */
function arm64Toolchain(): { cxx: string; runner: string[] } | string {
  if (process.arch === 'arm64') return HAVE_CXX ? { cxx: CXX, runner: [] } : `${CXX} not found`;
  if (process.arch !== 'x64') return `no arm64 toolchain is set up for ${process.arch} hosts`;
  const cxx = process.env.ARRAYLENS_AARCH64_CXX ?? 'aarch64-linux-gnu-g++';
  const qemu = process.env.ARRAYLENS_QEMU_AARCH64 ?? 'qemu-aarch64';
  const missing = [cxx, qemu].filter((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0)
    return `${missing.join(' and ')} not found: run scripts/setup.sh as root (scripts/setup.d/22-neon-cross.sh installs Debian g++-aarch64-linux-gnu and qemu-user)`;
  return { cxx, runner: [qemu, '-L', '/usr/aarch64-linux-gnu'] };
}

const ARM64 = arm64Toolchain();
let arm64Objects: string[] | undefined;

/** The engine and the serial + NEON tables compiled for arm64 once (binding.gyp's flags, warnings as errors), shared by the NEON checks. */
function neonProgram(t: { cxx: string }, main: string): string {
  const flags = ['-std=c++17', '-O3', '-fno-math-errno', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-unused-function',
    '-Wno-maybe-uninitialized', '-Wno-uninitialized', '-Werror',
    `-I${path.join(NATIVE, 'include')}`, `-I${path.join(NATIVE, 'src')}`];
  if (!arm64Objects) {
    arm64Objects = driverSources().map((f) => {
      const o = path.join(OUT, `arm64-${path.basename(f, '.cc')}.o`);
      run(t.cxx, [...flags, '-c', path.join(NATIVE, 'src', f), '-o', o]);
      return o;
    });
  }
  const exe = path.join(OUT, `arm64-${main}`);
  run(t.cxx, [...flags, path.join(NATIVE, 'test', `${main}.cc`), ...arm64Objects, '-o', exe, '-pthread']);
  return exe;
}

/** Runs an arm64 program (under qemu on x86-64) with ARRAYLENS_NATIVE_ISA set or removed. */
function runArm64(t: { runner: string[] }, exe: string, args: string[], isa?: string): string {
  const env = { ...process.env };
  delete env.ARRAYLENS_NATIVE_ISA;
  if (isa) env.ARRAYLENS_NATIVE_ISA = isa;
  const [cmd, ...pre] = t.runner.length ? t.runner : [exe];
  const r = spawnSync(cmd, t.runner.length ? [...pre, exe, ...args] : args, { encoding: 'utf8', cwd: OUT, env, timeout: 300_000 });
  assert.equal(r.status, 0, `${exe} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A check built with the host's C++ compiler: passes saying it was skipped when there is none. */
function hostCheck(title: string, check: () => void): void {
  it(title, () => {
    if (!HAVE_CXX) {
      console.log(`# ${CXX} not found: C++ checks skipped`);
      return;
    }
    check();
  });
}

describe('native kernels: C++ checks', () => {
  after(() => fs.rmSync(OUT, { recursive: true, force: true }));

  hostCheck("the float32 histogram shortcut gives numpy's bin next to every edge of random specs", () => {
    const exe = path.join(OUT, 'hist_proof');
    run(CXX, ['-std=c++17', '-O2', `-I${path.join(NATIVE, 'include')}`, path.join(NATIVE, 'test', 'hist_proof.cc'), '-o', exe]);
    const out = run(exe, []);
    assert.match(out, / bad 0$/m, out);
  });

  hostCheck("no kernel reads past a view's last element (views ending at a guard page, every ISA)", () => {
    const exe = path.join(OUT, 'guard_page');
    run(CXX, [object(path.join(NATIVE, 'test', 'guard_page.cc'), []), ...hostObjects(), '-o', exe, '-pthread']);
    assert.match(run(exe, []), /no fault/);
  });

  hostCheck('the SIMD tables this CPU runs equal the serial kernels on random blocks, scans and strided views (isa_vs_serial)', () => {
    const exe = path.join(OUT, 'isa_vs_serial');
    run(CXX, [object(path.join(NATIVE, 'test', 'isa_vs_serial.cc'), []), ...hostObjects(), '-o', exe, '-pthread']);
    const out = run(exe, []);
    console.log(out.split('\n').filter((l) => / vs serial: /.test(l)).map((l) => `# ${l}`).join('\n'));
    assert.match(out, /^tables \d+ checks \d+ bad 0$/m, out);
    if (process.arch === 'x64') assert.match(out, /^avx2 vs serial: checks [1-9]\d{4,} bad 0 /m, 'AVX2 was checked (every x86-64 CPU here has it)');
  });

  describe('NEON (arm64) kernels', () => {
    const skip = process.env.ARRAYLENS_SKIP_NEON_CHECK;
    const ready = (t: { skip: (m: string) => void }): { cxx: string; runner: string[] } | undefined => {
      if (typeof ARM64 !== 'string') return ARM64;
      if (skip) {
        t.skip(`NOT RUN (ARRAYLENS_SKIP_NEON_CHECK=${skip}): ${ARM64}`);
        return undefined;
      }
      assert.fail(`the NEON kernels cannot be checked: ${ARM64}; or set ARRAYLENS_SKIP_NEON_CHECK=1 to skip this check knowingly`);
    };

    it('equal the serial kernels on random blocks, scans and strided views (isa_vs_serial under qemu-aarch64 on x86-64)', (t) => {
      const tc = ready(t);
      if (!tc) return;
      const exe = neonProgram(tc, 'isa_vs_serial');
      assert.match(runArm64(tc, exe, ['--dispatch']), /^dispatch: best neon \(arm64: NEON is always present\); supported neon serial$/m);
      assert.match(runArm64(tc, exe, ['--dispatch'], 'serial'), /^dispatch: best serial \(ARRAYLENS_NATIVE_ISA=serial /m);
      const out = runArm64(tc, exe, ['neon']);
      console.log(out.split('\n').filter((l) => l.startsWith('neon')).map((l) => `# ${l}`).join('\n'));
      assert.match(out, /^neon vs serial: checks [1-9]\d{4,} bad 0 /m, out);
    });

    it("read nothing past a view's last element (guard page under qemu-aarch64 on x86-64)", (t) => {
      const tc = ready(t);
      if (!tc) return;
      assert.match(runArm64(tc, neonProgram(tc, 'guard_page'), []), /\(neon, serial\), no fault/);
    });
  });
});
