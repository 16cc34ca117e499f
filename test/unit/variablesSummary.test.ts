// The Variables view rewriting of src/debugAdapter/variablesSummary.ts on DAP answers written by hand: what is read
// (no stats above the size bound or for arrays that open on request), the repr child, paging, failures, invalidation.
// The real debuggers' answers are covered by test/e2e/variables_summary.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SummarySource, VariablesSummary, summaryText } from '../../src/debugAdapter/variablesSummary';
import type { ArraySummary, InspectArgs, InspectBody, JsonStats } from '../../src/protocol/dap';
import type { DapMessage } from '../../src/rpc/dapFraming';

function array(expr: string, dtype: ArraySummary['dtype'], shape: number[], extra: Partial<ArraySummary> = {}): ArraySummary {
  const size = shape.reduce((a, b) => a * b, 1);
  return { expr, typeName: 'numpy.ndarray', dtype, byteOrder: 'little', shape, strides: [], address: '0x1000', size, nbytes: size * 4, ...extra };
}

function stats(s: Partial<JsonStats>): JsonStats {
  return { count: 1, nan: 0, posinf: 0, neginf: 0, zeros: 0, min: 0, max: 0, mean: 0, std: 0, histogram: { bins: 1, lo: 0, hi: 0, counts: [1] }, backend: 'js', ...s };
}

/** A source answering from tables, counting what it is asked. */
class TableSource implements SummarySource {
  listings = 0;
  inspected: string[] = [];
  constructor(
    private readonly arrays: ArraySummary[],
    private readonly statsOf: Record<string, JsonStats | Error>,
  ) {}
  async listArrays(): Promise<ArraySummary[]> {
    this.listings++;
    return this.arrays;
  }
  async inspect(args: InspectArgs): Promise<InspectBody> {
    this.inspected.push(args.expr);
    const s = this.statsOf[args.expr];
    if (s instanceof Error) throw s;
    return { array: this.arrays.find((a) => a.expr === args.expr)!, transport: 'direct', stats: s };
  }
}

let seq = 1;
/** Sends a request through fromClient; returns our own answer's body, or runs `answer` through rewrite. */
async function roundTrip(vs: VariablesSummary, command: string, args: Record<string, unknown>, answer: Record<string, unknown>): Promise<Record<string, unknown>> {
  const req: DapMessage = { seq: seq++, type: 'request', command, arguments: args };
  const ours = vs.fromClient(req);
  if (ours) return ours;
  const res = { type: 'response' as const, request_seq: req.seq, command, success: true, body: answer };
  return vs.wants(res) ? ((await vs.rewrite(res)).body as Record<string, unknown>) : answer;
}

type Row = { name: string; value: string; variablesReference: number; evaluateName?: string; namedVariables?: number; indexedVariables?: number };

async function localsOf(vs: VariablesSummary, rows: Row[]): Promise<Row[]> {
  await roundTrip(vs, 'scopes', { frameId: 7 }, { scopes: [{ name: 'Locals', variablesReference: 1 }] });
  return (await roundTrip(vs, 'variables', { variablesReference: 1 }, { variables: rows })).variables as Row[];
}

describe('Variables view summaries', () => {
  it('summary text: dtype, shape, finite range, non-zero NaN/Inf counts; |z| for complex; … when not read', () => {
    assert.equal(summaryText(array('a', 'float32', [384, 512]), stats({ min: -1, max: 1, nan: 100 })), 'float32[384, 512] ∈[-1, 1] NaN×100');
    assert.equal(summaryText(array('a', 'float64', [3]), stats({ min: 0.1234567891, max: 'inf', posinf: 2, neginf: 1 })), 'float64[3] ∈[0.1234568, Inf] +Inf×2 -Inf×1');
    assert.equal(summaryText(array('a', 'float64', [3]), stats({ min: null, max: null, nan: 3 })), 'float64[3] NaN×3');
    assert.equal(summaryText(array('a', 'int64', [2]), stats({ min: '-9223372036854775808', max: 5 })), 'int64[2] ∈[-9223372036854775808, 5]');
    assert.equal(summaryText(array('a', 'complex64', [3]), stats({ min: 0.5, max: 3 })), 'complex64[3] |z|∈[0.5, 3]');
    assert.equal(summaryText(array('a', 'float32', [0, 4]), undefined), 'float32[0, 4]');
    assert.equal(summaryText(array('a', 'float32', [8192, 8192]), undefined), 'float32[8192, 8192] ∈[…]');
  });

  it('rewrites listed arrays only, reads no stats above the bound or for arrays opened on request, adds the repr child', async () => {
    const src = new TableSource(
      [array('a', 'float32', [2, 2]), array('big', 'float32', [5000, 5000]), array('img', 'uint8', [0], { onRequest: 'Pillow image' }), array('bad', 'float32', [4])],
      { a: stats({ min: -1, max: 2 }), bad: new Error('read failed') },
    );
    const vs = new VariablesSummary(() => src);
    const rows = await localsOf(vs, [
      { name: 'a', value: 'array([[...]])', variablesReference: 11, evaluateName: 'a' },
      { name: 'big', value: 'array(...)', variablesReference: 12, evaluateName: 'big' },
      { name: 'img', value: '<PIL.Image>', variablesReference: 13, evaluateName: 'img' },
      { name: 'bad', value: 'array([1, 2, 3, 4])', variablesReference: 14, evaluateName: 'bad' },
      { name: 'n', value: '3', variablesReference: 0, evaluateName: 'n' },
      { name: 'd', value: '{...}', variablesReference: 15, evaluateName: 'd' },
    ]);
    assert.deepEqual(
      rows.map((r) => r.value),
      ['float32[2, 2] ∈[-1, 2]', 'float32[5000, 5000] ∈[…]', '<PIL.Image>', 'array([1, 2, 3, 4])', '3', '{...}'],
    );
    assert.deepEqual(src.inspected.sort(), ['a', 'bad'], 'stats only for listed arrays within the bound');
    const kids = (await roundTrip(vs, 'variables', { variablesReference: 11 }, { variables: [{ name: 'shape', value: '(2, 2)', variablesReference: 0 }] })).variables as Row[];
    assert.deepEqual(kids.map((k) => [k.name, k.value]), [['repr', 'array([[...]])'], ['shape', '(2, 2)']]);
    // The same rows again (VS Code asks on every expand): listing and stats are not read again within the stop.
    await localsOf(vs, [{ name: 'a', value: 'array([[...]])', variablesReference: 11, evaluateName: 'a' }]);
    assert.equal(src.listings, 1);
    assert.deepEqual(src.inspected.filter((e) => e === 'a'), ['a']);
    vs.invalidate();
    await localsOf(vs, [{ name: 'a', value: 'array([[...]])', variablesReference: 11, evaluateName: 'a' }]);
    assert.equal(src.listings, 2, 'a new stop lists again');
  });

  it('a frame without expandable rows never waits for a listing', async () => {
    const src = new TableSource([], {});
    const vs = new VariablesSummary(() => src);
    await localsOf(vs, [{ name: 'n', value: '3', variablesReference: 0 }]);
    assert.equal(src.listings, 0);
  });

  it('paged elements (lldb-dap): the repr is a named child answered here; rows without children get one', async () => {
    const src = new TableSource([array('d2', 'float64', [3, 4]), array('p', 'float32', [4])], { d2: stats({ min: -5.5, max: 5.5 }), p: stats({ min: 1, max: 4 }) });
    const vs = new VariablesSummary(() => src);
    const rows = await localsOf(vs, [
      { name: 'd2', value: 'double[3][4]', variablesReference: 21, evaluateName: 'd2', indexedVariables: 3 },
      { name: 'p', value: '0x1000', variablesReference: 0, evaluateName: 'p' },
    ]);
    assert.equal(rows[0].namedVariables, 1);
    const named = (await roundTrip(vs, 'variables', { variablesReference: 21, filter: 'named' }, { variables: [] })).variables as Row[];
    assert.deepEqual(named.map((k) => [k.name, k.value]), [['repr', 'double[3][4]']]);
    const indexed = (await roundTrip(vs, 'variables', { variablesReference: 21, filter: 'indexed', start: 0, count: 3 }, { variables: [{ name: '[0]', value: 'double[4]', variablesReference: 0 }] })).variables as Row[];
    assert.deepEqual(indexed.map((k) => k.name), ['[0]']);
    assert.ok(rows[1].variablesReference > 0, 'a pointer row gets a child');
    const own = (await roundTrip(vs, 'variables', { variablesReference: rows[1].variablesReference }, {})).variables as Row[];
    assert.deepEqual(own.map((k) => [k.name, k.value]), [['repr', '0x1000']]);
  });

  it('"variablesSummary": false in launch leaves every answer as it was', async () => {
    const src = new TableSource([array('a', 'float32', [2])], { a: stats({ min: 0, max: 1 }) });
    const vs = new VariablesSummary(() => src);
    vs.fromClient({ seq: seq++, type: 'request', command: 'launch', arguments: { variablesSummary: false } });
    const rows = await localsOf(vs, [{ name: 'a', value: 'array([0., 1.])', variablesReference: 31, evaluateName: 'a' }]);
    assert.equal(rows[0].value, 'array([0., 1.])');
    assert.equal(src.listings, 0);
  });

  it('a failed listing leaves the values, and is asked again', async () => {
    let fail = true;
    const src: SummarySource = {
      listArrays: async () => {
        if (fail) throw new Error('debugpy went away');
        return [];
      },
      inspect: async () => assert.fail('no stats without a listing'),
    };
    const vs = new VariablesSummary(() => src);
    const rows = await localsOf(vs, [{ name: 'a', value: 'array([0.])', variablesReference: 41, evaluateName: 'a' }]);
    assert.equal(rows[0].value, 'array([0.])');
    fail = false;
    assert.deepEqual(await vs.listArrays(7), []);
  });
});
