// Arrays of one frame over the same bytes (real debugpy, real torch): torch.from_numpy(a) and a, views and their base
// tensor, marked as each other's aliases in the Arrays view's listing and in `arraylens inspect --list`, against
// numpy.may_share_memory of the same objects.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { PythonTarget } from '../../src/backends/python/target';
import { EngineArraySource } from '../../src/engine/arraySource';
import { withListingAliases } from '../../src/pairing/sameBytes';
import { CLI, PYTHON, fixture, markerLine, runPython } from '../helpers/env';

const TENSORS = fixture('python', 'tensors.py');

/** For each tensor of the fixture, the others NumPy says may share its memory (as_numpy: t.numpy() or the array). */
const EXPECTED = JSON.parse(
  runPython([
    '-c',
    `import json, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, ${JSON.stringify(path.dirname(TENSORS))})
import numpy as np, tensors
a = {k: tensors.as_numpy(v) for k, v in tensors.make().items()}
print(json.dumps({k: sorted(j for j in a if j != k and np.may_share_memory(x, a[j])) for k, x in a.items()}))`,
  ]),
) as Record<string, string[]>;

function aliasMap(rows: { expr: string; aliases?: { expr: string }[] }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of rows) if (r.expr in EXPECTED) out[r.expr] = (r.aliases ?? []).map((a) => a.expr).sort();
  return out;
}

describe('arrays of one frame over the same bytes (real debugpy, real torch CPU)', () => {
  let target: PythonTarget;

  before(async () => {
    target = await PythonTarget.launch({ python: PYTHON, program: TENSORS, args: [], breakpoint: { file: TENSORS, line: markerLine(TENSORS, '# BREAK') } });
  });

  after(async () => {
    await target?.close();
  });

  it('the reference is not trivial: from_numpy and the views of base share bytes, other tensors do not', () => {
    assert.deepEqual(EXPECTED.from_np, ['np_src']);
    assert.deepEqual(EXPECTED.base, ['flat_view', 'narrowed', 'transposed']);
    assert.deepEqual(EXPECTED.f32, []);
  });

  it('the Arrays view\'s listing (EngineArraySource) marks them as NumPy does', async () => {
    const source = new EngineArraySource(() => target);
    const rows = withListingAliases(await source.listArrays(0));
    assert.deepEqual(aliasMap(rows), EXPECTED);
    const fromNp = rows.find((r) => r.expr === 'from_np');
    assert.deepEqual(fromNp?.aliases, [{ language: 'python', expr: 'np_src' }]);
    assert.equal(fromNp?.language, 'python');
  });

  it('arraylens inspect --list prints the same marks (JSON and text)', () => {
    const args = [CLI, 'inspect', '--python', PYTHON, '--break', `${TENSORS}:${markerLine(TENSORS, '# BREAK')}`, '--list'];
    const json = spawnSync(process.execPath, [...args, '--json', '--', PYTHON, TENSORS], { encoding: 'utf8', timeout: 180000 });
    assert.equal(json.status, 0, json.stderr);
    const rows = (JSON.parse(json.stdout) as { arrays: { expr: string; aliases?: { language: string; expr: string }[] }[] }).arrays;
    assert.deepEqual(aliasMap(rows), EXPECTED);
    assert.ok(!('aliases' in rows.find((r) => r.expr === 'f32')!), 'no aliases field on an array sharing nothing');
    const text = spawnSync(process.execPath, [...args, '--', PYTHON, TENSORS], { encoding: 'utf8', timeout: 180000 });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^from_np\tfloat64\[3, 4\]\ttorch\.Tensor\tsame bytes as np_src$/m);
  });
});
