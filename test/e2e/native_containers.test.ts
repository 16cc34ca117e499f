// Eigen, OpenCV, nalgebra and image-crate containers recognised from debug info (issue 15), through the CLI contract
// (bin/arraylens inspect --values --stats --json) under lldb and gdb, compared with NumPy built from the fixtures' formulas.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { describe, it } from 'node:test';
import { InspectResult } from '../../src/protocol/cli';
import { CLI, PYTHON, fixture, markerLine } from '../helpers/env';
import { BINS, Expected, assertMatches, buildIfStale, expectCliError } from './native_common';

const CPP_SRC = fixture('c', 'eigen_cv.cpp');
const RUST_SRC = fixture('rust', 'containers', 'src', 'main.rs');
const RUST_BIN = (): string | null => {
  const bin = fixture('rust', 'containers', 'target', 'debug', 'arraylens-containers');
  return fs.existsSync(bin) ? bin : null;
};
const CPP_BIN = (): string =>
  buildIfStale('g++', [CPP_SRC], fixture('c', 'build', 'eigen_cv'), ['-I/usr/include/eigen3', '-I/usr/include/opencv4', '-lopencv_core']);
/** Eigen Block/VectorBlock/Ref and cv::Matx/cv::Vec: a sibling fixture, so eigen_cv.cpp's lines stay where they are. */
const VIEWS_SRC = fixture('c', 'eigen_cv_views.cpp');
const VIEWS_BIN = (): string =>
  buildIfStale('g++', [VIEWS_SRC], fixture('c', 'build', 'eigen_cv_views'), ['-I/usr/include/eigen3', '-I/usr/include/opencv4', '-lopencv_core']);

/** NumPy arrays from the fixtures' formulas; report() from test/fixtures/c/expected.py makes the JSON. */
const NUMPY = `
import json, sys
import numpy as np
sys.path.insert(0, ${JSON.stringify(fixture('c'))})
from expected import report
y, x = np.meshgrid(np.arange(4), np.arange(5), indexing="ij")
r, c = np.meshgrid(np.arange(3), np.arange(4), indexing="ij")
buf = np.arange(40, dtype=np.float32)
arrays = {
    "md": (r * 10 + c).astype(np.float32),
    "mf": np.fromfunction(lambda r, c: r * 3 + c + 0.5, (2, 3)),
    "vd": np.arange(5) * 1.5,
    "ai": np.fromfunction(lambda r, c: r - c, (3, 2), dtype=np.int32),
    "mc": np.fromfunction(lambda r, c: (r + c) + 1j * (r - c), (2, 2)).astype(np.complex64),
    "mapo": np.lib.stride_tricks.as_strided(buf, (3, 4), (4, 20)),
    "mapi": buf[0:8:2],
    "c8": np.stack([(y * 7 + x * 3 + ch * 50) % 256 for ch in range(3)], axis=-1).astype(np.uint8),
    "f32": (r * 4 + c + 0.25).astype(np.float32),
    "md2": np.fromfunction(lambda y, x: y * 0.5 - x, (2, 3)),
    "h16": np.fromfunction(lambda y, x: y * 100 - x * 300, (2, 2), dtype=np.int16),
    "dm": (r * 10 + c).astype(np.float64),
    "dv": (np.arange(5) * 0.5).astype(np.float32),
    "sm": np.fromfunction(lambda r, c: r * 3 + c + 0.25, (2, 3)).astype(np.float32),
    "rgb": np.stack([(y * 7 + x * 3 + ch * 50) % 256 for ch in range(3)], axis=-1).astype(np.uint8),
    "gray": ((x * 11 + y * 13) % 256).astype(np.uint8)[..., None],
    "g16": np.fromfunction(lambda y, x: x * 1000 + y * 7, (2, 3), dtype=np.uint16)[..., None],
    "rgbaf": np.stack([np.fromfunction(lambda y, x: x + y * 0.5 + ch * 0.125, (2, 3)) for ch in range(4)], axis=-1).astype(np.float32),
}
arrays["roi"] = arrays["c8"][1:3, 1:4]
arrays["view"] = arrays["dm"][1:3, 1:4]
# eigen_cv_views.cpp: m (4x5 float, column-major), rm (4x5 double, row-major), a Map with strides (2, 12) over buf48.
r4, c5 = np.meshgrid(np.arange(4), np.arange(5), indexing="ij")
m = (r4 * 10 + c5).astype(np.float32)
rm = (r4 - c5 * 0.5).astype(np.float64)
smap = np.lib.stride_tricks.as_strided(np.arange(48, dtype=np.float32), (4, 4), (8, 48))
vec = (np.arange(6) ** 2 - 3).astype(np.float64)
arrays.update({
    "blk": m[1:3, 1:4], "rblk": rm[2:4, 1:4], "col": m[:, 3], "row": m[2, :], "blk2": m[2:3, 1:3], "mblk": smap[1:4, 1:3],
    "seg": vec[1:4], "tail2": vec[4:], "ref": m[0:3, 2:4], "cref": m, "rrow": m[1, :], "eref": m * 2,
    "mx33": np.fromfunction(lambda r, c: r * 3 + c + 0.5, (3, 3)).astype(np.float32),
    "mx24": np.fromfunction(lambda r, c: r - c, (2, 4)),
    "v3b": np.array([10, 200, 255], np.uint8), "v4d": np.array([0.25, -1.5, 1e10, 0.0]), "v2i": np.array([-7, 123456], np.int32),
    # containers/src/main.rs: nalgebra statics.
    "p3": np.array([1.5, -2.0, 3.25]), "p2": np.array([7, -8], np.int32), "v4": np.array([0.5, 1.5, 2.5, 3.5], np.float32),
    "v3": np.array([1, 2, 255], np.uint8), "sv": np.arange(6) * 2.0 - 5,
})
json.dump(report(arrays, json.load(sys.stdin), ${16}), sys.stdout)
`;

interface Case {
  expr: string;
  slice?: string;
  /** Byte strides the view must have (the container's own layout, before any slice). */
  strides?: number[];
}

function expected(cases: Case[]): Expected[] {
  const r = spawnSync(PYTHON, ['-c', NUMPY], { input: JSON.stringify(cases.map((c) => ({ name: c.expr, slice: c.slice }))), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Expected[];
}

function inspect(program: string, src: string, dbg: string, c: Case): InspectResult {
  const args = ['inspect', '--break', `${src}:${markerLine(src, '// BREAK')}`, '--expr', c.expr, '--debugger', dbg];
  args.push('--values', '--stats', '--bins', String(BINS), '--json', ...(c.slice ? ['--slice', c.slice] : []), '--', program);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, `${c.expr}: ${r.stderr}`);
  return JSON.parse(r.stdout) as InspectResult;
}

function suite(label: string, program: () => string | null, src: string, cases: Case[]): void {
  for (const dbg of ['lldb', 'gdb']) {
    describe(`${label} under ${dbg}`, () => {
      const want = expected(cases);
      cases.forEach((c, i) => {
        it(`${c.expr}${c.slice ?? ''}`, (t) => {
          const bin = program();
          if (!bin) return t.skip(`${label} fixture not built (scripts/setup.d/21-containers.sh)`);
          const got = inspect(bin, src, dbg, c);
          assertMatches(got, want[i]);
          if (c.strides && !c.slice) assert.deepEqual(got.strides, c.strides, 'strides');
        });
      });
    });
  }
}

suite('Eigen', CPP_BIN, CPP_SRC, [
  { expr: 'md', strides: [4, 12] },
  { expr: 'md', slice: '[::-1, 1::2]' },
  { expr: 'mf', strides: [24, 8] },
  { expr: 'vd', strides: [8] },
  { expr: 'ai', strides: [4, 12] },
  { expr: 'mc', strides: [8, 16] },
  { expr: 'mapo', strides: [4, 20] },
  { expr: 'mapo', slice: '[1:, ::2]' },
  { expr: 'mapi', strides: [8] },
]);

for (const dbg of ['lldb', 'gdb']) {
  it(`an Eigen-named type with another layout is refused by name under ${dbg}`, async () => {
    const args = ['--break', `${CPP_SRC}:${markerLine(CPP_SRC, '// BREAK')}`, '--expr', 'legacy', '--debugger', dbg];
    await expectCliError(args, CPP_BIN(), /'legacy' is an Eigen::MatrixLegacy, but its members are not the Eigen 3 layout/);
  });
}

suite('Eigen Block/Ref', VIEWS_BIN, VIEWS_SRC, [
  { expr: 'blk', strides: [4, 16] },
  { expr: 'blk', slice: '[::-1, 1:]' },
  { expr: 'rblk', strides: [40, 8] },
  { expr: 'col', strides: [4] },
  { expr: 'row', strides: [16] },
  { expr: 'blk2', strides: [4, 16] },
  { expr: 'mblk', strides: [8, 48] },
  { expr: 'mblk', slice: '[::2, ::-1]' },
  { expr: 'seg', strides: [8] },
  { expr: 'tail2', strides: [8] },
  { expr: 'ref', strides: [4, 16] },
  { expr: 'cref', strides: [4, 16] },
  { expr: 'rrow', strides: [16] },
  { expr: 'eref', strides: [4, 16] },
]);

for (const dbg of ['lldb', 'gdb']) {
  it(`an Eigen Block of a computed expression (no data pointer, no strides) is refused by type under ${dbg}`, async () => {
    const args = ['--break', `${VIEWS_SRC}:${markerLine(VIEWS_SRC, '// BREAK')}`, '--expr', 'sumblk', '--debugger', dbg];
    await expectCliError(
      args,
      VIEWS_BIN(),
      /'sumblk' is an Eigen::Block<(const )?Eigen::CwiseBinaryOp<.*: a view of Eigen::CwiseBinaryOp, an expression Eigen computes on demand, so the debug info has no data pointer or strides for it\. Evaluate it into a matrix/,
    );
  });
}

suite('OpenCV Matx/Vec', VIEWS_BIN, VIEWS_SRC, [
  { expr: 'mx33', strides: [12, 4] },
  { expr: 'mx33', slice: '[1:, ::2]' },
  { expr: 'mx24', strides: [32, 8] },
  { expr: 'v3b', strides: [1] },
  { expr: 'v4d', strides: [8] },
  { expr: 'v2i', strides: [4] },
]);

suite('OpenCV', CPP_BIN, CPP_SRC, [
  { expr: 'c8', strides: [15, 3, 1] },
  { expr: 'c8', slice: '[::-1, 1:, 2]' },
  { expr: 'f32', strides: [16, 4] },
  { expr: 'roi', strides: [15, 3, 1] },
  { expr: 'md2', strides: [24, 8] },
  { expr: 'h16', strides: [4, 2] },
]);

suite('nalgebra', RUST_BIN, RUST_SRC, [
  { expr: 'dm', strides: [8, 24] },
  { expr: 'dm', slice: '[1:, ::-2]' },
  { expr: 'dv', strides: [4] },
  { expr: 'sm', strides: [4, 8] },
  { expr: 'view', strides: [8, 24] },
  { expr: 'p3', strides: [8] },
  { expr: 'p2', strides: [4] },
  { expr: 'v4', strides: [4] },
  { expr: 'v4', slice: '[::-2]' },
  { expr: 'v3', strides: [1] },
  { expr: 'sv', strides: [8] },
]);

suite('image crate', RUST_BIN, RUST_SRC, [
  { expr: 'rgb', strides: [15, 3, 1] },
  { expr: 'rgb', slice: '[::2, :, 1]' },
  { expr: 'gray', strides: [5, 1, 1] },
  { expr: 'g16', strides: [6, 2, 2] },
  { expr: 'rgbaf', strides: [48, 16, 4] },
]);
