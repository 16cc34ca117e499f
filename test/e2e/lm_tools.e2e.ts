// ArrayLens's language-model tools in a real VS Code (code-server): a test-only extension (test/e2e/extensions/lmcaller)
// stops an `arraylens` Python session at the zoo fixture's BREAK and calls arraylens_list_arrays, arraylens_inspect
// and arraylens_stats through vscode.lm.invokeTool as an agent would; the answers are judged against NumPy by the
// acceptance checker. Needs a .vsix (ARRAYLENS_VSIX, else arraylens.vsix): node --test out/test/e2e/lm_tools.e2e.js.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, sleep } from './harness/codeServer';
import { ARTIFACTS, codeServerSuite } from './harness/suite';
import { Workbench } from './harness/workbench';
import { markerLine } from '../helpers/env';

const PY = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const ZOO = path.join(REPO_ROOT, 'test', 'fixtures', 'python', 'zoo.py');
const CALLER = path.join(REPO_ROOT, 'test', 'e2e', 'extensions', 'lmcaller');
const log = (line: string): boolean => process.stderr.write(`[e2e-lm-tools] ${line}\n`);

interface CallerResult {
  failed?: string;
  lm: boolean;
  tools: string[];
  stoppedSessionType: string;
  calls: Record<string, { text?: string; error?: string }>;
}

const CALLS = [
  { label: 'list', tool: 'arraylens_list_arrays', input: {} },
  { label: 'inspect', tool: 'arraylens_inspect', input: { expr: 'f_float32', values: true, stats: true, bins: 16 } },
  { label: 'inspect_slice', tool: 'arraylens_inspect', input: { expr: 'six_d', slice: '[1, ::-1, 0, 1:4, 1, -1]', values: true } },
  { label: 'stats', tool: 'arraylens_stats', input: { expr: 'i_int64', bins: 8 } },
  { label: 'capped', tool: 'arraylens_inspect', input: { expr: 'f_float32', values: true, max_values: 100 } },
  { label: 'unknown', tool: 'arraylens_inspect', input: { expr: 'nope' } },
  { label: 'bad_bins', tool: 'arraylens_stats', input: { expr: 'f_float32', bins: 0 } },
];

/** The acceptance checker's verdict on `result` for zoo case `c` (null: as NumPy has it). */
function numpyVerdict(c: Record<string, unknown>, resultText: string): string | null {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-lm-cmp-')), 'results.json');
  fs.writeFileSync(f, `[{"label":"x","case":${JSON.stringify(c)},"result":${resultText}}]`);
  const out = execFileSync(PY, [path.join(REPO_ROOT, 'test', 'e2e', 'py', 'compare.py'), ZOO, f], { encoding: 'utf8' });
  return (JSON.parse(out) as Record<string, string | null>).x;
}

describe('ArrayLens language-model tools in code-server (vscode.lm.invokeTool from a test extension)', () => {
  const resultFile = (tmp: string): string => path.join(tmp, 'lm-result.json');
  const suite = codeServerSuite({
    name: 'lm-tools',
    log,
    standIns: [CALLER],
    settings: (tmp) => ({
      // The harness's "chat.disableAIFeatures": true stays: code-server 4.139 registers and invokes extension
      // language-model tools with it on (checked by this suite).
      'lmcaller.resultFile': resultFile(tmp),
      'lmcaller.program': ZOO,
      'lmcaller.line': markerLine(ZOO, '# BREAK'),
      'lmcaller.python': PY,
      'lmcaller.calls': CALLS,
    }),
  });
  let result: CallerResult;

  before(async () => {
    const ws = path.join(suite.tmp, 'ws');
    fs.mkdirSync(ws, { recursive: true });
    fs.writeFileSync(path.join(ws, 'README.txt'), 'the workbench waits for a row in the explorer\n');
    const file = resultFile(suite.tmp);
    // A window makes the extension host start; the caller runs once startup has finished.
    const page = await suite.browser.newPage();
    const wb = new Workbench(page, ARTIFACTS, 'lm-tools', log);
    await wb.open(suite.server.url, ws);
    const until = Date.now() + 240_000;
    while (!fs.existsSync(file) && Date.now() < until) await sleep(500);
    await wb.screenshot('after-calls').catch(() => undefined);
    assert.ok(fs.existsSync(file), `the caller wrote nothing within 240 s; code-server log: ${suite.server.logFile}`);
    result = JSON.parse(fs.readFileSync(file, 'utf8')) as CallerResult;
    log(JSON.stringify(result).slice(0, 2000));
    assert.equal(result.failed, undefined, result.failed);
  });

  test('the three tools are registered with vscode.lm and the session stopped was ArrayLens\'s', () => {
    assert.ok(result.lm, 'vscode.lm.invokeTool exists');
    assert.deepEqual([...result.tools].sort(), ['arraylens_inspect', 'arraylens_list_arrays', 'arraylens_stats']);
    assert.equal(result.stoppedSessionType, 'arraylens');
  });

  test('arraylens_list_arrays: the frame\'s arrays with dtype, shape, strides, language and aliases', () => {
    const list = JSON.parse(result.calls.list.text!) as { arrays: { expr: string; dtype: string; shape: number[]; strides: number[]; language: string; aliases?: unknown[] }[] };
    const f32 = list.arrays.find((a) => a.expr === 'f_float32')!;
    assert.deepEqual([f32.dtype, f32.shape, f32.strides, f32.language], ['float32', [11, 13], [52, 4], 'python']);
    assert.deepEqual(list.arrays.find((a) => a.expr === 'f_float64')?.aliases, [{ language: 'python', expr: 'iface' }]);
  });

  test('arraylens_inspect and arraylens_stats answer as NumPy does', () => {
    assert.equal(numpyVerdict({ expr: 'f_float32', values: true, stats: true, bins: 16 }, result.calls.inspect.text!), null);
    assert.equal(numpyVerdict({ expr: 'six_d', slice: '[1, ::-1, 0, 1:4, 1, -1]', values: true }, result.calls.inspect_slice.text!), null);
    assert.equal(numpyVerdict({ expr: 'i_int64', stats: true, bins: 8 }, result.calls.stats.text!), null);
  });

  test('values over max_values are left out and the answer says why; errors are the CLI\'s lines', () => {
    const capped = JSON.parse(result.calls.capped.text!) as { values?: unknown; max_values: number; values_omitted: string };
    assert.equal(capped.values, undefined);
    assert.equal(capped.max_values, 100);
    assert.match(capped.values_omitted, /^shape \[11, 13\] is 143 elements, more than max_values 100: pass slice/);
    assert.match(result.calls.unknown.error ?? '', /NameError: name 'nope' is not defined/);
    assert.match(result.calls.bad_bins.error ?? '', /--bins 0: expected a whole number of at least 1/);
  });
});
