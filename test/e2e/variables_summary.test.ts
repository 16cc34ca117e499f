// The Variables view of `arraylens` sessions through the bundled adapter (dist/adapter.js) over real debugpy and
// real lldb-dap: array rows read `dtype[shape] ∈[min, max] NaN×n` as NumPy computes them, the original value is the
// row's "repr" child, and "variablesSummary": false leaves every value as the debugger gave it.

import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { DapClient } from '../../src/rpc/dapClient';
import { PYTHON, ROOT, fixture, markerLine } from '../helpers/env';
import { DapFrame, buildIfStale, expectedFromNumpy, startAtBreakpoint, uniqueCopy } from './native_common';

const ADAPTER = path.join(ROOT, 'dist', 'adapter.js');
const PY_SRC = fixture('python', 'ride_arrays.py');
const C_SRC = fixture('c', 'arrays.c');
const INIT = { clientID: 'variables-summary-test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsMemoryReferences: true };

interface Variable {
  name: string;
  value: string;
  evaluateName?: string;
  variablesReference: number;
  namedVariables?: number;
  indexedVariables?: number;
}

/** What NumPy says of an array, for the summary: extremes over its finite values (|z| for complex) and the counts. */
interface Want {
  dtype: string;
  shape: number[];
  min: number | string | null;
  max: number | string | null;
  nan: number;
  posinf: number;
  neginf: number;
}

const SUMMARY = /^(\w+)\[([\d, ]*)\](?: (?:\|z\|)?∈\[(\S+), (\S+)\])?(?: NaN×(\d+))?(?: \+?Inf×(\d+))?(?: -Inf×(\d+))?$/;

function extreme(text: string): number {
  return text === 'Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
}

function assertSummary(v: Variable, want: Want): void {
  const m = SUMMARY.exec(v.value);
  assert.ok(m, `${v.name}: '${v.value}' reads as a summary`);
  assert.equal(m[1], want.dtype, `${v.name}: dtype`);
  assert.deepEqual(m[2] ? m[2].split(', ').map(Number) : [], want.shape, `${v.name}: shape`);
  for (const [got, w, label] of [
    [m[3], want.min, 'min'],
    [m[4], want.max, 'max'],
  ] as const) {
    if (w === null) {
      assert.equal(got, undefined, `${v.name}: no finite value, no range`);
      continue;
    }
    const g = extreme(got!);
    const x = Number(w);
    assert.ok(Math.abs(g - x) <= 1e-6 * Math.max(1, Math.abs(x)), `${v.name}: ${label} ${got} vs NumPy's ${w}`);
  }
  assert.equal(Number(m[5] ?? 0), want.nan, `${v.name}: NaN count`);
  assert.equal(Number(m[6] ?? 0), want.posinf, `${v.name}: +Inf count`);
  assert.equal(Number(m[7] ?? 0), want.neginf, `${v.name}: -Inf count`);
}

async function start(env: NodeJS.ProcessEnv, args: Record<string, unknown>, at: { file: string; line: number }): Promise<{ dap: DapClient; frame: DapFrame }> {
  assert.ok(fs.existsSync(ADAPTER), `${ADAPTER} missing: run bash scripts/build.sh`);
  const dap = await DapClient.spawn('arraylens adapter', process.execPath, [ADAPTER], { ...process.env, ...env });
  await dap.request('initialize', INIT, 30000);
  const { frames } = await startAtBreakpoint(dap, 'launch', args, at, 5);
  return { dap, frame: frames[0] };
}

async function locals(dap: DapClient, frame: DapFrame): Promise<Map<string, Variable>> {
  const scopes = await dap.request<{ scopes: { name: string; variablesReference: number }[] }>('scopes', { frameId: frame.id });
  const scope = scopes.scopes.find((s) => /local/i.test(s.name));
  assert.ok(scope, `a Locals scope: ${scopes.scopes.map((s) => s.name).join(', ')}`);
  const body = await dap.request<{ variables: Variable[] }>('variables', { variablesReference: scope.variablesReference }, 120000);
  return new Map(body.variables.map((v) => [v.name, v]));
}

/** The row's children as VS Code asks for them (named ones apart when the debugger pages its elements). */
async function children(dap: DapClient, v: Variable): Promise<Variable[]> {
  assert.ok(v.variablesReference > 0, `${v.name} expands`);
  const filter = v.indexedVariables ? { filter: 'named' } : {};
  return (await dap.request<{ variables: Variable[] }>('variables', { variablesReference: v.variablesReference, ...filter })).variables;
}

/** NumPy's view of ride_arrays.make(): extremes of the finite values, NaN/Inf counts. */
function pythonWants(names: string[]): Record<string, Want> {
  const script = `
import json, sys
import numpy as np
sys.path.insert(0, ${JSON.stringify(path.dirname(PY_SRC))})
import ride_arrays
out = {}
for name, a in ride_arrays.make().items():
    f = a.astype(np.float64) if a.dtype.kind in "fc" else a
    finite = f[np.isfinite(f)] if a.dtype.kind in "fc" else a.reshape(-1)
    big = lambda x: x.item() if hasattr(x, "item") else x
    out[name] = dict(dtype=str(a.dtype), shape=list(a.shape),
        min=(None if finite.size == 0 else big(finite.min())), max=(None if finite.size == 0 else big(finite.max())),
        nan=int(np.isnan(f).sum()) if a.dtype.kind in "fc" else 0,
        posinf=int(np.isposinf(f).sum()) if a.dtype.kind == "f" else 0,
        neginf=int(np.isneginf(f).sum()) if a.dtype.kind == "f" else 0)
json.dump({k: out[k] for k in ${JSON.stringify(names)}}, sys.stdout)
`;
  const wants = JSON.parse(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8' })) as Record<string, Want>;
  for (const w of Object.values(wants)) {
    if (w.dtype === 'bool') {
      w.min = w.min === null ? null : Number(w.min);
      w.max = w.max === null ? null : Number(w.max);
    }
  }
  return wants;
}

describe('Variables view summaries (dist/adapter.js)', () => {
  describe('Python (debugpy): ride_arrays.py at BREAK', () => {
    const NAMES = ['f32', 'f64', 'i32', 'u8img', 'flags', 'fortran', 'rev', 'cube'];
    const at = { file: PY_SRC, line: markerLine(PY_SRC, '# BREAK') };
    const launch = { name: 'py', program: PY_SRC, cwd: path.dirname(PY_SRC), python: PYTHON, console: 'internalConsole' };
    let wants: Record<string, Want>;
    let dap: DapClient;
    let frame: DapFrame;
    let vars: Map<string, Variable>;
    before(async () => {
      wants = pythonWants(NAMES);
      ({ dap, frame } = await start({}, launch, at));
      vars = await locals(dap, frame);
    });
    after(async () => {
      await dap?.close().catch(() => undefined);
    });

    it("every array's value is its summary, as NumPy computes it", () => {
      for (const n of NAMES) {
        const v = vars.get(n);
        assert.ok(v, `${n} among the locals`);
        assertSummary(v, wants[n]);
      }
      assert.match(vars.get('f32')!.value, /NaN×1 \+Inf×1 -Inf×1$/);
    });

    it('the original repr is the first child, the other children stay', async () => {
      const kids = await children(dap, vars.get('f32')!);
      assert.equal(kids[0].name, 'repr');
      assert.match(kids[0].value, /^array\(\[\[/);
      assert.ok(kids.some((k) => k.name === 'shape'), `debugpy's own children stay: ${kids.map((k) => k.name).join(', ')}`);
    });

    it('rows that are not arrays keep their values', () => {
      for (const [name, v] of vars) if (!NAMES.includes(name)) assert.doesNotMatch(v.value, SUMMARY, `${name}: ${v.value}`);
    });

    it('arraylens/listArrays answers from the same listing', async () => {
      const { arrays } = await dap.request<{ arrays: { expr: string }[] }>('arraylens/listArrays', { frameId: frame.id }, 60000);
      for (const n of NAMES) assert.ok(arrays.some((a) => a.expr === n), `${n} listed`);
    });

    it('"variablesSummary": false: the values debugpy gives, the same as the repr children', async () => {
      const reprs = new Map<string, string>();
      for (const n of NAMES) reprs.set(n, (await children(dap, vars.get(n)!))[0].value);
      const off = await start({}, { ...launch, variablesSummary: false }, at);
      try {
        const plain = await locals(off.dap, off.frame);
        for (const n of NAMES) assert.equal(plain.get(n)?.value, reprs.get(n), `${n}: debugpy's value`);
        const kids = await children(off.dap, plain.get('f32')!);
        assert.ok(!kids.some((k) => k.name === 'repr'), 'no repr child');
      } finally {
        await off.dap.close().catch(() => undefined);
      }
    });
  });

  describe('C (lldb-dap): arrays.c at BREAK', () => {
    const NAMES = ['d2', 'f1', 'u16', 'i64', 'u64', 'flags', 'cz', 'h4'];
    const at = { file: C_SRC, line: markerLine(C_SRC, 'BREAK') };
    let binary: string;
    let copy: { path: string; dispose: () => void };
    let wants: Record<string, Want>;
    let dap: DapClient;
    let frame: DapFrame;
    let vars: Map<string, Variable>;
    before(async () => {
      binary = buildIfStale('gcc', [C_SRC], fixture('c', 'build', 'arrays'), ['-lm']);
      copy = uniqueCopy(binary);
      const expected = expectedFromNumpy(fixture('c', 'expected.py'), NAMES.map((name) => ({ name })));
      wants = Object.fromEntries(
        NAMES.map((n, i) => {
          const e = expected[i];
          return [n, { dtype: e.dtype, shape: e.shape, min: e.stats.min, max: e.stats.max, nan: e.stats.nan, posinf: e.stats.posinf, neginf: e.stats.neginf }];
        }),
      );
      ({ dap, frame } = await start({ ARRAYLENS_ADAPTER_BACKEND: 'lldb-dap' }, { name: 'C', program: copy.path, args: ['x'], cwd: path.dirname(copy.path) }, at));
      vars = await locals(dap, frame);
    });
    after(async () => {
      await dap?.close().catch(() => undefined);
      copy?.dispose();
    });

    it("every array's value is its summary, as NumPy computes it", () => {
      for (const n of NAMES) {
        const v = vars.get(n);
        assert.ok(v, `${n} among the locals: ${[...vars.keys()].join(', ')}`);
        assertSummary(v, wants[n]);
      }
      for (const n of ['scalar', 'm', 'n_heap']) assert.doesNotMatch(vars.get(n)?.value ?? '', SUMMARY, `${n} keeps its value`);
    });

    it("the original value is the repr child, lldb-dap's elements stay", async () => {
      const d2 = vars.get('d2')!;
      const kids = await children(dap, d2);
      assert.equal(kids[0].name, 'repr');
      assert.doesNotMatch(kids[0].value, SUMMARY);
      if (!d2.indexedVariables) assert.ok(kids.some((k) => k.name === '[0]'), `elements stay: ${kids.map((k) => k.name).join(', ')}`);
    });

    it('"variablesSummary": false: the values lldb-dap gives, the same as the repr children', async () => {
      const reprs = new Map<string, string>();
      for (const n of NAMES) reprs.set(n, (await children(dap, vars.get(n)!))[0].value);
      const copy2 = uniqueCopy(binary);
      const off = await start({ ARRAYLENS_ADAPTER_BACKEND: 'lldb-dap' }, { name: 'C', program: copy2.path, args: ['x'], cwd: path.dirname(copy2.path), variablesSummary: false }, at);
      try {
        const plain = await locals(off.dap, off.frame);
        // Addresses differ between runs (ASLR): compare with them masked.
        const masked = (s: string | undefined): string | undefined => s?.replace(/0x[0-9a-f]+/g, '0x…');
        for (const n of NAMES) assert.equal(masked(plain.get(n)?.value), masked(reprs.get(n)), `${n}: lldb-dap's value`);
      } finally {
        await off.dap.close().catch(() => undefined);
        copy2.dispose();
      }
    });
  });
});
