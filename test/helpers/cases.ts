// Acceptance-format case files (make() + CASES) run through the engine and judged by the acceptance checker's
// own NumPy reference (test/e2e/py/compare.py): shared by the Python and Node suites.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, it } from 'node:test';
import { PythonTarget } from '../../src/backends/python/target';
import { DebugTarget } from '../../src/engine/target';
import { toJson } from '../../src/core/decode';
import { inspectArray } from '../../src/engine/engine';
import { TransportKind } from '../../src/transport/transport';
import { PYTHON, ROOT, markerLine, runPython } from './env';

export interface AcceptanceCase {
  expr: string;
  name?: string;
  slice?: string;
  values?: boolean;
  stats?: boolean;
  bins?: number;
}

/** The CASES list of a case module, read by the test Python. */
export function loadCases(caseFile: string): AcceptanceCase[] {
  const mod = path.basename(caseFile, '.py');
  return JSON.parse(
    runPython(['-c', `import json,sys; sys.path.insert(0, ${JSON.stringify(path.dirname(caseFile))}); import ${mod}; print(json.dumps(${mod}.CASES))`]),
  );
}

/** Inspects every case through `transport` and asserts each answer equals NumPy's for the case module's arrays. */
export async function assertCasesMatchNumpy(
  target: DebugTarget,
  caseFile: string,
  cases: AcceptanceCase[],
  transport: TransportKind,
): Promise<void> {
  const results: unknown[] = [];
  for (const c of cases) {
    const label = `${c.expr}${c.slice ?? ''}`;
    try {
      const r = await inspectArray(target, c.expr, { slice: c.slice, values: c.values, stats: c.stats, bins: c.bins ?? 256, transport });
      assert.equal(r.transport, transport);
      assert.equal(r.language, target.language);
      results.push({ label, case: c, result: r });
    } catch (e) {
      results.push({ label, case: c, error: (e as Error).message });
    }
  }
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-cmp-')), 'results.json');
  fs.writeFileSync(f, toJson(results));
  const verdicts = JSON.parse(runPython([path.join(ROOT, 'test', 'e2e', 'py', 'compare.py'), caseFile, f])) as Record<string, string | null>;
  const failures = Object.entries(verdicts).filter(([, v]) => v !== null);
  assert.deepEqual(failures, [], `cases differing from NumPy: ${JSON.stringify(failures)}`);
  assert.equal(Object.keys(verdicts).length, cases.length);
}

/**
 * Registers, in the calling describe, a Python case-file suite: `program` run under debugpy to its `# BREAK` with
 * `args` (closed after the suite) and, with `check`, a test per transport that every case matches the reference.
 * The target is `suite.target` once the suite runs.
 */
export function pythonCaseSuite(
  program: string,
  args: string[],
  check?: { cases: AcceptanceCase[]; transports: TransportKind[]; reference?: string },
): { target: PythonTarget } {
  const suite = {} as { target: PythonTarget };
  before(async () => {
    suite.target = await PythonTarget.launch({ python: PYTHON, program, args, breakpoint: { file: program, line: markerLine(program, '# BREAK') } });
  });
  after(async () => {
    await suite.target?.close();
  });
  for (const transport of check?.transports ?? [])
    it(`every case matches ${check!.reference ?? 'NumPy'} through the ${transport} transport`, async () => {
      await assertCasesMatchNumpy(suite.target, program, check!.cases, transport);
    });
  return suite;
}
