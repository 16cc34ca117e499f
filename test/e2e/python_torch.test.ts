// Real debugpy + real PyTorch (CPU): tensors of every dtype and layout read in place and compared with t.numpy();
// the refused kinds fail with one line; inspection leaves refcounts, versions and autograd state as they were.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { inspectArray } from '../../src/engine/engine';
import { loadCases, pythonCaseSuite } from '../helpers/cases';
import { CLI, PYTHON, ROOT, fixture, markerLine, runPython } from '../helpers/env';

const TENSORS = fixture('python', 'tensors.py');
const CASES = loadCases(TENSORS);
const REFUSED = JSON.parse(runPython(['-c', `import json,sys; sys.path.insert(0, ${JSON.stringify(path.dirname(TENSORS))}); import tensors; print(json.dumps(tensors.REFUSED))`])) as Record<string, string>;
const HAS_CUDA = runPython(['-c', 'import torch; print(torch.cuda.is_available())']).trim() === 'True';

describe('python backend on torch tensors (real debugpy, real torch CPU)', () => {
  const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-torch-')), 'result.json');
  const suite = pythonCaseSuite(TENSORS, [resultFile], { cases: CASES, transports: ['direct', 'evaluate'], reference: 't.numpy()' });

  it('lists tensors with dtype, shape and byte strides; the refused kinds are left out', async () => {
    const arrays = await suite.target.listArrays();
    const byName = new Map(arrays.map((a) => [a.expr, a]));
    const t = (n: string): { dtype: string; shape: number[]; strides: number[] } => {
      const a = byName.get(n);
      assert.ok(a, `${n} is listed (got ${[...byName.keys()].join(', ')})`);
      return { dtype: a.view.dtype.name, shape: [...a.view.shape], strides: [...a.view.strides] };
    };
    assert.deepEqual(t('bf16'), { dtype: 'bfloat16', shape: [4, 6], strides: [12, 2] });
    assert.deepEqual(t('transposed'), { dtype: 'float32', shape: [8, 6], strides: [4, 32] });
    assert.deepEqual(t('expanded'), { dtype: 'float32', shape: [3, 5], strides: [0, 4] });
    assert.deepEqual(t('channels_last'), { dtype: 'float32', shape: [2, 3, 4, 5], strides: [240, 4, 60, 12] });
    assert.deepEqual(t('zero_d'), { dtype: 'float32', shape: [], strides: [] });
    assert.equal(byName.get('param')?.typeName, 'torch.nn.parameter.Parameter');
    assert.equal(byName.get('f32')?.typeName, 'torch.Tensor');
    for (const n of Object.keys(REFUSED)) assert.ok(!byName.has(n), `${n} is not listed`);
  });

  it('views share their base tensor\'s bytes; torch.from_numpy(a) is a\'s memory', async () => {
    const base = (await suite.target.resolve('base')).view.address;
    assert.equal((await suite.target.resolve('narrowed')).view.address, base + 4n * 10n, 'storage offset of 10 floats');
    assert.equal((await suite.target.resolve('flat_view')).view.address, base + 4n * 8n);
    const src = await suite.target.resolve('np_src');
    const fromNp = await suite.target.resolve('from_np');
    assert.equal(fromNp.view.address, src.view.address);
    assert.deepEqual(fromNp.view.strides, src.view.strides);
  });

  for (const [name, word] of Object.entries(REFUSED)) {
    it(`a ${name} tensor is refused with one line that says what to do`, async () => {
      await assert.rejects(inspectArray(suite.target, name), (e: Error) => {
        assert.match(e.message, new RegExp(`^'${name}' \\(torch\\.Tensor\\) cannot be shown: .*${word}`));
        assert.ok(!e.message.includes('\n'), e.message);
        return true;
      });
    });
  }

  it('CUDA tensors: listed with device and opened as a host copy', { skip: HAS_CUDA ? false : 'no CUDA GPU on this machine (torch.cuda.is_available() is False): CUDA listing and host copies are untested here' }, async () => {
    const row = (await suite.target.listArrays()).find((a) => a.expr === 'gpu');
    assert.match(row?.onRequest ?? '', /^on cuda:0 float32\[2, 3\]: copied to the host when opened$/);
    const h = await suite.target.resolve('gpu');
    assert.match(h.typeName, /host copy of cuda:0/);
    const r = await inspectArray(suite.target, 'gpu', { values: true });
    assert.deepEqual(r.values, [[0, 1, 2], [3, 4, 5]]);
  });

  it('arraylens inspect (the CLI) gives the same answer as NumPy for a narrowed tensor', () => {
    const c = { expr: 'narrowed', slice: '[::-1]', values: true, stats: true, bins: 16 };
    const r = spawnSync(
      process.execPath,
      [CLI, 'inspect', '--json', '--python', PYTHON, '--break', `${TENSORS}:${markerLine(TENSORS, '# BREAK')}`, '--expr', c.expr, '--slice', c.slice,
        '--values', '--stats', '--bins', String(c.bins), '--', PYTHON, TENSORS],
      { encoding: 'utf8', timeout: 180000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-torch-cli-')), 'results.json');
    fs.writeFileSync(f, JSON.stringify([{ label: 'cli', case: c, result: JSON.parse(r.stdout) }]));
    assert.deepEqual(JSON.parse(runPython([path.join(ROOT, 'test', 'e2e', 'py', 'compare.py'), TENSORS, f])), { cli: null });
  });

  it('inspection changed nothing: contents, refcounts, version counters, requires_grad and grad', async () => {
    for (const c of CASES) await inspectArray(suite.target, c.expr, { stats: true });
    await suite.target.continueToEnd();
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { changed: string[]; checked: number; leaf: [boolean, boolean] };
    assert.deepEqual(r.changed, []);
    assert.equal(r.checked, 24);
    assert.deepEqual(r.leaf, [true, true], 'the leaf still requires grad and has no grad');
    assert.equal(suite.target.programOutput.join(''), 'tensors ready\ntensors done\n');
  });
});
