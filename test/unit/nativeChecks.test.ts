// C++ checks of the native kernels that the JS comparisons cannot make (native/test/*.cc, built here with g++):
// the float32 histogram shortcut against numpy's bin rule at every edge of thousands of random specs, and no
// kernel reading past a view's last element (views that end at a PROT_NONE page). They test the sources, so they
// run with and without ARRAYLENS_NO_NATIVE; without g++ they say so and pass.

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

describe('native kernels: C++ checks', () => {
  after(() => fs.rmSync(OUT, { recursive: true, force: true }));

  it("the float32 histogram shortcut gives numpy's bin next to every edge of random specs", () => {
    if (!HAVE_CXX) {
      console.log(`# ${CXX} not found: C++ checks skipped`);
      return;
    }
    const exe = path.join(OUT, 'hist_proof');
    run(CXX, ['-std=c++17', '-O2', `-I${path.join(NATIVE, 'include')}`, path.join(NATIVE, 'test', 'hist_proof.cc'), '-o', exe]);
    const out = run(exe, []);
    assert.match(out, / bad 0$/m, out);
  });

  it("no kernel reads past a view's last element (views ending at a guard page, every ISA)", () => {
    if (!HAVE_CXX) {
      console.log(`# ${CXX} not found: C++ checks skipped`);
      return;
    }
    const src = (f: string): string => path.join(NATIVE, 'src', f);
    const objs = [
      object(path.join(NATIVE, 'test', 'guard_page.cc'), []),
      object(src('engine.cc'), []),
      object(src('dispatch.cc'), []),
      object(src('isa_serial.cc'), []),
      object(src('isa_neon.cc'), []),
    ];
    if (process.arch === 'x64') {
      objs.push(object(src('isa_avx2.cc'), ['-mavx2', '-mf16c', '-mfma']));
      objs.push(object(src('isa_avx512.cc'), ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mavx2', '-mf16c', '-mfma']));
    }
    const exe = path.join(OUT, 'guard_page');
    run(CXX, [...objs, '-o', exe, '-pthread']);
    assert.match(run(exe, []), /no fault/);
  });
});
