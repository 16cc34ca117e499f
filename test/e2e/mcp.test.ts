// `arraylens mcp` driven by the MCP SDK's own Client over stdio (node bin/arraylens mcp): Python, C (lldb-dap and gdb),
// mixed Python + Rust and Node programs launched to breakpoints, listed, inspected against NumPy, continued to their
// end; leak checks on the leak fixtures; bad arguments as tool errors with the CLI's messages; nothing left once the
// client goes.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InspectResult } from '../../src/protocol/cli';
import { loadCases } from '../helpers/cases';
import { CLI, PYTHON, ROOT, assertUnreferencedAt, fixture, markerLine, runPython, taggedProcesses, waitNoTaggedProcess } from '../helpers/env';
import { BINS, assertMatches, buildIfStale, expectedFromNumpy, nodeAddonSkip } from './native_common';

const ZOO = fixture('python', 'zoo.py');
const C_SRC = fixture('c', 'arrays.c');
const LEAK_PY = fixture('leaks', 'cache_leak.py');
const LEAK_C = fixture('leaks', 'lost_buffers.c');
const LEAK_C_EXE = fixture('leaks', 'build', 'lost_buffers');
const MIXED_DIR = fixture('rust', 'mixed');
const MIXED_LIB = path.join(MIXED_DIR, 'src', 'lib.rs');
const MIXED_PY = path.join(MIXED_DIR, 'program.py');
const NODE_ZOO = fixture('node', 'zoo.js');
const ADDON_CC = fixture('node', 'addon', 'addon.cc');

const at = (file: string, marker: string): string => `${file}:${markerLine(file, marker)}`;

interface ToolAnswer {
  isError?: boolean;
  text: string;
  json: Record<string, unknown>;
}

/** A client of one `arraylens mcp` process; every process it starts carries `tag` in its environment. */
class McpClient {
  readonly client = new Client({ name: 'arraylens-test', version: '1' });
  private transport: StdioClientTransport | null = null;
  private constructor(readonly tag: string) {}

  static async start(): Promise<McpClient> {
    const tag = `arraylens-mcp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const c = new McpClient(tag);
    const env = { ...(process.env as Record<string, string>), ARRAYLENS_TEST_TAG: tag };
    c.transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--python', PYTHON], cwd: ROOT, env, stderr: 'inherit' });
    await c.client.connect(c.transport);
    return c;
  }

  async call(name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
    const r = (await this.client.callTool({ name, arguments: args }, undefined, { timeout: 300000 })) as { isError?: boolean; content: { type: string; text: string }[] };
    const text = r.content[0].text;
    return { isError: r.isError, text, json: r.isError ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  /** A successful call's JSON (fails the test with the tool's message otherwise). */
  async ok(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const r = await this.call(name, args);
    assert.ok(!r.isError, `${name} failed: ${r.text}`);
    return r.json;
  }

  /** A tool error: one line, matching `message`. */
  async refused(name: string, args: Record<string, unknown>, message: RegExp): Promise<string> {
    const r = await this.call(name, args);
    assert.equal(r.isError, true, `${name} should fail, got ${r.text}`);
    assert.doesNotMatch(r.text, /\n/, 'one line');
    assert.match(r.text, message);
    return r.text;
  }

  /** The processes this client's sessions started that are still there (the server itself left out). */
  async waitNoDebuggee(ms = 15000): Promise<string[]> {
    const server = this.transport?.pid;
    const left = (): string[] => taggedProcesses(this.tag).filter((p) => p.pid !== server).map((p) => `${p.pid} ${p.cmd}`);
    const end = Date.now() + ms;
    while (left().length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    return left();
  }

  async close(): Promise<void> {
    await this.client.close();
    assert.deepEqual(await waitNoTaggedProcess(this.tag, 15000), [], 'no debuggee or debugger left once the client is gone');
  }
}

/** The CLI's stderr line for `args` (without its `arraylens: ` prefix). */
function cliError(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120000 });
  assert.notEqual(r.status, 0, r.stdout);
  return r.stderr.trim().replace(/^arraylens: /, '');
}

/** Every case of `caseFile` inspected in `session`, judged against the case module's NumPy arrays: the failures. */
async function failedCases(mcp: McpClient, session: string, caseFile: string): Promise<[string, string | null][]> {
  const parts: string[] = [];
  const cases = loadCases(caseFile) as (ReturnType<typeof loadCases>[number] & { extra?: string[] })[];
  for (const c of cases) {
    const transport = c.extra?.[0] === '--transport' ? { transport: c.extra[1] } : {};
    const r = await mcp.call('inspect', { session, expr: c.expr, ...(c.slice ? { slice: c.slice } : {}), values: !!c.values, stats: !!c.stats, bins: c.bins ?? 256, max_values: 1000000, ...transport });
    // The text is the CLI's JSON (exact 64-bit integers): passed on as it is.
    const label = JSON.stringify(`${c.expr}${c.slice ?? ''}${c.bins ? ` bins ${c.bins}` : ''}${c.extra ? ` ${c.extra.join(' ')}` : ''}`);
    parts.push(r.isError ? `{"label":${label},"case":${JSON.stringify(c)},"error":${JSON.stringify(r.text)}}` : `{"label":${label},"case":${JSON.stringify(c)},"result":${r.text}}`);
  }
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-mcp-')), 'results.json');
  fs.writeFileSync(f, `[${parts.join(',')}]`);
  const verdicts = JSON.parse(runPython([path.join(ROOT, 'test', 'e2e', 'py', 'compare.py'), caseFile, f])) as Record<string, string | null>;
  assert.equal(Object.keys(verdicts).length, cases.length, 'one verdict per case');
  return Object.entries(verdicts).filter(([, v]) => v !== null);
}

describe('arraylens mcp: Python under debugpy', () => {
  let mcp: McpClient;
  let session: string;
  before(async () => {
    mcp = await McpClient.start();
  });
  after(() => mcp?.close());

  it('lists its tools with input and output schemas', async () => {
    const { tools } = await mcp.client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['launch', 'list_arrays', 'inspect', 'continue', 'leaks', 'close']);
    for (const t of tools) {
      assert.equal(t.inputSchema.type, 'object');
      assert.equal(t.outputSchema?.type, 'object');
    }
  });

  it('launch stops at the breakpoint; list_arrays gives dtype, shape, strides, language, aliases', async () => {
    const r = await mcp.ok('launch', { program: [PYTHON, ZOO], breakpoints: [at(ZOO, '# BREAK')] });
    session = String(r.session);
    assert.deepEqual(r.stoppedAt, { file: ZOO, line: markerLine(ZOO, '# BREAK'), function: '<module>', reason: 'breakpoint' });
    assert.equal(r.language, 'python');
    assert.equal((r.continue as { mode: string }).mode, 'any-breakpoint');
    assert.ok(taggedProcesses(mcp.tag).some((p) => p.pid === r.pid), 'the debuggee runs under the server');
    const list = (await mcp.ok('list_arrays', { session })) as { arrays: { expr: string; dtype: string; shape: number[]; strides: number[]; language: string; type: string; aliases?: unknown[] }[] };
    const f32 = list.arrays.find((a) => a.expr === 'f_float32')!;
    assert.deepEqual([f32.dtype, f32.shape, f32.strides, f32.language], ['float32', [11, 13], [52, 4], 'python']);
    assert.equal(list.arrays.find((a) => a.expr === 'mm')?.type, 'numpy.memmap');
    // iface exposes f_float64's own bytes through __array_interface__: the listing marks them as aliases.
    assert.deepEqual(list.arrays.find((a) => a.expr === 'f_float64')?.aliases, [{ language: 'python', expr: 'iface' }]);
  });

  it('inspect answers the zoo cases as NumPy does (the acceptance checker judges)', async () => {
    assert.deepEqual(await failedCases(mcp, session, ZOO), []);
  });

  it('values are capped at max_values (default 10000) and the result says so', async () => {
    const r = (await mcp.ok('inspect', { session, expr: 'f_float32', values: true, max_values: 100 })) as unknown as InspectResult & { max_values: number; values_omitted: string };
    assert.equal(r.values, undefined);
    assert.equal(r.max_values, 100);
    assert.match(r.values_omitted, /shape \[11, 13\] is 143 elements, more than max_values 100: pass slice/);
    const sliced = (await mcp.ok('inspect', { session, expr: 'f_float32', slice: '[2:4, ::5]', values: true })) as unknown as InspectResult & { max_values: number };
    assert.equal(sliced.max_values, 10000);
    assert.deepEqual(sliced.shape, [2, 3]);
    const numpy = JSON.parse(runPython(['-c', `import sys, json; sys.path.insert(0, ${JSON.stringify(path.dirname(ZOO))}); import zoo; print(json.dumps(zoo.make()['f_float32'][2:4, ::5].tolist()))`]));
    assert.deepEqual(sliced.values, numpy);
  });

  it('bad arguments are tool errors with the CLI\'s one-line messages', async () => {
    await mcp.refused('inspect', { session, expr: 'nope' }, /^NameError: name 'nope' is not defined$/);
    const cliSlice = cliError(['inspect', '--break', at(ZOO, '# BREAK'), '--expr', 'f_float32', '--slice', '[1, 2, 3]', '--', PYTHON, ZOO]);
    assert.equal(await mcp.refused('inspect', { session, expr: 'f_float32', slice: '[1, 2, 3]' }, /too many indices/), cliSlice);
    assert.equal(await mcp.refused('inspect', { session, expr: 'f_float32', stats: true, bins: 0 }, /^--bins 0: /), cliError(['stats', 'x.npy', '--bins', '0']));
    await mcp.refused('inspect', { session: '99', expr: 'a' }, /^no session '99' \(open: 1\)$/);
    await mcp.refused('inspect', { session, expr: 'a', colour: 'red' }, /^inspect: unknown argument 'colour'/);
    await mcp.refused('inspect', { session }, /^inspect needs expr/);
    await mcp.refused('launch', { program: [PYTHON, ZOO], breakpoints: ['zoo.py'] }, /^--break zoo\.py: expected FILE:LINE$/);
    const missing = path.join(ROOT, 'no_such_file.py');
    assert.equal(
      await mcp.refused('launch', { program: [PYTHON, ZOO], breakpoints: [`${missing}:3`] }, /no such file/),
      cliError(['inspect', '--break', `${missing}:3`, '--expr', 'a', '--', PYTHON, ZOO]),
    );
    // A line past the end of the file: refused before any process starts, as the CLI does.
    const lines = fs.readFileSync(ZOO, 'utf8').split('\n').length - 1;
    const past = `${ZOO}:${lines + 40}`;
    assert.equal(
      await mcp.refused('launch', { program: [PYTHON, ZOO], breakpoints: [at(ZOO, '# BREAK'), past] }, new RegExp(`the file has ${lines} lines; pick a line from 1 to ${lines}$`)),
      cliError(['inspect', '--break', past, '--expr', 'a', '--', PYTHON, ZOO]),
    );
    await mcp.refused('launch', { program: [], breakpoints: [at(ZOO, '# BREAK')] }, /^launch needs program/);
    await mcp.refused('launch', { program: [PYTHON, ZOO], breakpoints: [at(ZOO, '# BREAK')], debugger: 'windbg' }, /^--debugger windbg: use lldb, gdb$/);
    const never = at(ZOO, '# NEVER');
    assert.equal(
      await mcp.refused('launch', { program: [PYTHON, ZOO], breakpoints: [never] }, /^the program ended before reaching zoo\.py:\d+$/),
      cliError(['inspect', '--break', never, '--expr', 'a', '--', PYTHON, ZOO]),
    );
  });

  it('continue runs to the end: the program finished (exit code 0) and the session says so afterwards', async () => {
    assert.deepEqual(await mcp.ok('continue', { session }), { session, ended: true, exitCode: 0 });
    await mcp.refused('inspect', { session, expr: 'f_float32' }, /^session \d+: the program ended \(exit code 0\); launch the program again/);
    assert.deepEqual(await mcp.ok('close', { session }), { session, closed: true });
  });

  it('several breakpoints: each continue stops at whichever comes next, listed in any order', async () => {
    const from = at(LEAK_PY, 'BREAK FROM');
    const to = at(LEAK_PY, 'BREAK TO');
    const r = await mcp.ok('launch', { program: [PYTHON, LEAK_PY, mcp.tag], breakpoints: [to, from] });
    const s = String(r.session);
    assert.equal((r.stoppedAt as { line: number }).line, markerLine(LEAK_PY, 'BREAK FROM'));
    const c = await mcp.ok('continue', { session: s });
    assert.equal((c.stoppedAt as { line: number }).line, markerLine(LEAK_PY, 'BREAK TO'));
    // At TO the cache holds its five arrays; `held` is the int64 arange of SITE held.
    const held = (await mcp.ok('inspect', { session: s, expr: 'held', stats: true, bins: 4 })) as unknown as InspectResult;
    assert.deepEqual([held.dtype, held.shape, held.stats!.min, held.stats!.max, held.stats!.mean], ['int64', [512], 0, 511, 255.5]);
    assert.deepEqual(await mcp.ok('continue', { session: s }), { session: s, ended: true, exitCode: 0 });
  });
});

describe('arraylens mcp: C under lldb-dap', () => {
  let mcp: McpClient;
  let exe: string;
  before(async () => {
    exe = buildIfStale('gcc', [C_SRC], fixture('c', 'build', 'arrays'), ['-lm']);
    mcp = await McpClient.start();
  });
  after(() => mcp?.close());

  it('launch, list, inspect against NumPy, continue to the end', async () => {
    const r = await mcp.ok('launch', { program: [exe], breakpoints: [at(C_SRC, '/* BREAK */')] });
    const session = String(r.session);
    assert.equal(r.language, 'native');
    assert.deepEqual(r.stoppedAt, { file: C_SRC, line: markerLine(C_SRC, '/* BREAK */'), function: 'main', reason: 'breakpoint' });
    const list = (await mcp.ok('list_arrays', { session })) as { arrays: { expr: string; dtype: string; shape: number[]; strides: number[]; language: string }[] };
    const d2 = list.arrays.find((a) => a.expr === 'd2');
    assert.ok(d2, JSON.stringify(list.arrays.map((a) => a.expr)));
    assert.equal(d2.language, 'native');
    const cases = [
      { expr: 'd2', name: 'd2' },
      { expr: 'd2', name: 'd2', slice: '[::-1, 1::2]' },
      { expr: 'f1', name: 'f1' },
      { expr: 'u32', name: 'u32' },
    ];
    const expected = expectedFromNumpy(fixture('c', 'expected.py'), cases.map(({ name, slice }) => ({ name, slice })));
    for (const [i, c] of cases.entries()) {
      // Parsed by the test's own reader: these fixtures' integers fit in 2^53.
      const res = (await mcp.ok('inspect', { session, expr: c.expr, ...(c.slice ? { slice: c.slice } : {}), values: true, stats: true, bins: BINS })) as unknown as InspectResult;
      assert.deepEqual([res.language, res.shape], ['native', expected[i].shape]);
      assertMatches(res, expected[i]);
    }
    await mcp.refused('inspect', { session, expr: 'system("x")' }, /^'system\("x"\)' is not an inspectable native expression/);
    const end = await mcp.ok('continue', { session });
    assert.deepEqual(end, { session, ended: true, exitCode: 0 });
  });

  it('several breakpoints in a C program: FROM, then TO, then the end', async () => {
    const exeLeak = LEAK_C_EXE;
    const r = await mcp.ok('launch', { program: [exeLeak, '2', mcp.tag], breakpoints: [at(LEAK_C, 'BREAK TO'), at(LEAK_C, 'BREAK FROM')] });
    const session = String(r.session);
    assert.equal((r.stoppedAt as { line: number }).line, markerLine(LEAK_C, 'BREAK FROM'));
    const c = await mcp.ok('continue', { session });
    assert.deepEqual(c.stoppedAt, { file: LEAK_C, line: markerLine(LEAK_C, 'BREAK TO'), function: 'main', reason: 'breakpoint' });
    assert.deepEqual(await mcp.ok('continue', { session }), { session, ended: true, exitCode: 0 });
  });
});

describe('arraylens mcp: C under gdb', () => {
  let mcp: McpClient;
  let exe: string;
  before(async () => {
    exe = buildIfStale('gcc', [C_SRC], fixture('c', 'build', 'arrays'), ['-lm']);
    mcp = await McpClient.start();
  });
  after(() => mcp?.close());

  it('launch, list, inspect against NumPy, continue to the end; gdb and the program are gone', async () => {
    const r = await mcp.ok('launch', { program: [exe], breakpoints: [at(C_SRC, '/* BREAK */')], debugger: 'gdb' });
    const session = String(r.session);
    assert.equal(r.language, 'native');
    assert.equal((r.continue as { mode: string }).mode, 'any-breakpoint');
    assert.deepEqual(r.stoppedAt, { file: C_SRC, line: markerLine(C_SRC, '/* BREAK */'), function: 'main', reason: 'breakpoint' });
    const running = taggedProcesses(mcp.tag);
    assert.ok(running.some((p) => p.pid === r.pid) && running.some((p) => /\bgdb\b/.test(p.cmd)), running.map((p) => p.cmd).join('\n'));
    const list = (await mcp.ok('list_arrays', { session })) as { arrays: { expr: string; dtype: string; shape: number[]; language: string }[] };
    const d2 = list.arrays.find((a) => a.expr === 'd2');
    assert.ok(d2, JSON.stringify(list.arrays.map((a) => a.expr)));
    assert.equal(d2.language, 'native');
    const cases = [
      { expr: 'd2', name: 'd2' },
      { expr: 'd2', name: 'd2', slice: '[::-1, 1::2]' },
      { expr: 'f1', name: 'f1' },
      { expr: 'u32', name: 'u32' },
    ];
    const expected = expectedFromNumpy(fixture('c', 'expected.py'), cases.map(({ name, slice }) => ({ name, slice })));
    for (const [i, c] of cases.entries()) {
      const res = (await mcp.ok('inspect', { session, expr: c.expr, ...(c.slice ? { slice: c.slice } : {}), values: true, stats: true, bins: BINS })) as unknown as InspectResult;
      assert.deepEqual([res.language, res.shape], ['native', expected[i].shape]);
      assertMatches(res, expected[i]);
    }
    assert.deepEqual(await mcp.ok('continue', { session }), { session, ended: true, exitCode: 0 });
    await mcp.refused('list_arrays', { session }, /^session \d+: the program ended \(exit code 0\); launch the program again/);
    assert.deepEqual(await mcp.waitNoDebuggee(), [], 'the program and gdb end with the program');
  });

  it('several breakpoints: FROM, then TO (the arrays of that stop), then the end', async () => {
    const r = await mcp.ok('launch', { program: [LEAK_C_EXE, '2', mcp.tag], breakpoints: [at(LEAK_C, 'BREAK TO'), at(LEAK_C, 'BREAK FROM')], debugger: 'gdb' });
    const session = String(r.session);
    assert.deepEqual(r.stoppedAt, { file: LEAK_C, line: markerLine(LEAK_C, 'BREAK FROM'), function: 'main', reason: 'breakpoint' });
    const before = (await mcp.ok('list_arrays', { session })) as { arrays: { expr: string }[] };
    const c = await mcp.ok('continue', { session });
    assert.deepEqual(c, { session, language: 'native', stoppedAt: { file: LEAK_C, line: markerLine(LEAK_C, 'BREAK TO'), function: 'main', reason: 'breakpoint' } });
    // The new stop is read afresh (the first stop's variable objects were deleted on leaving it): the same locals.
    const list = (await mcp.ok('list_arrays', { session })) as { arrays: { expr: string }[] };
    assert.deepEqual(list.arrays.map((a) => a.expr), before.arrays.map((a) => a.expr));
    assert.deepEqual(await mcp.ok('continue', { session }), { session, ended: true, exitCode: 0 });
    assert.deepEqual(await mcp.waitNoDebuggee(), []);
  });
});

describe('arraylens mcp: mixed Python + Rust (debugpy and lldb-dap)', () => {
  let mcp: McpClient;
  let expected: ReturnType<typeof expectedFromNumpy>[number];
  before(async () => {
    execFileSync('bash', [path.join(ROOT, 'scripts', 'setup.d', '25-mixed-fixture.sh')], { stdio: 'inherit' });
    [expected] = expectedFromNumpy(path.join(MIXED_DIR, 'expected.py'), [{ name: 'sliced' }]);
    mcp = await McpClient.start();
  });
  after(() => mcp?.close());

  /** At the stop in sum_view: its ArrayView = NumPy, aliased to the Python caller's `a`. */
  async function assertRustStop(session: string): Promise<void> {
    const list = (await mcp.ok('list_arrays', { session })) as { arrays: { expr: string; language: string }[] };
    assert.ok(list.arrays.some((a) => a.expr === 'view' && a.language === 'native'), JSON.stringify(list.arrays));
    const res = (await mcp.ok('inspect', { session, expr: 'view', values: true, stats: true, bins: BINS })) as unknown as InspectResult;
    assert.equal(res.language, 'native');
    assertMatches(res, expected);
    assert.deepEqual(res.aliases, [{ language: 'python', expr: 'a' }]);
  }

  it('a Python stop, then the Rust one, then the end: each stop says whose it is, and list/inspect read that side', async () => {
    const r = await mcp.ok('launch', { program: [PYTHON, MIXED_PY, 'sliced', mcp.tag], breakpoints: [at(MIXED_LIB, '// BREAK'), at(MIXED_PY, '# BREAK')] });
    const session = String(r.session);
    assert.equal(r.language, 'python');
    assert.equal((r.continue as { mode: string }).mode, 'any-breakpoint');
    assert.deepEqual(r.stoppedAt, { file: MIXED_PY, line: markerLine(MIXED_PY, '# BREAK'), function: 'main', reason: 'breakpoint' });
    const running = taggedProcesses(mcp.tag);
    assert.ok(running.some((p) => /lldb-dap/.test(p.cmd)) && running.some((p) => /debugpy/.test(p.cmd)), running.map((p) => p.cmd).join('\n'));
    // debugpy holds the program: the Python frame's array, as NumPy makes it.
    const list = (await mcp.ok('list_arrays', { session })) as { arrays: { expr: string; language: string; dtype: string; shape: number[] }[] };
    const a = list.arrays.find((x) => x.expr === 'a');
    assert.deepEqual([a?.language, a?.dtype, a?.shape], ['python', expected.dtype, expected.shape], JSON.stringify(list.arrays));
    const pa = (await mcp.ok('inspect', { session, expr: 'a', values: true, stats: true, bins: BINS })) as unknown as InspectResult;
    assert.equal(pa.language, 'python');
    assertMatches(pa, expected);

    const c = (await mcp.ok('continue', { session })) as { language: string; stoppedAt: { file: string; line: number; function: string; reason: string } };
    assert.equal(c.language, 'native');
    assert.deepEqual([c.stoppedAt.file, c.stoppedAt.line, c.stoppedAt.reason], [MIXED_LIB, markerLine(MIXED_LIB, '// BREAK'), 'breakpoint']);
    assert.match(c.stoppedAt.function, /sum_view/);
    await assertRustStop(session);

    assert.deepEqual(await mcp.ok('continue', { session }), { session, ended: true, exitCode: 0 });
    await mcp.refused('inspect', { session, expr: 'view' }, /^session \d+: the program ended \(exit code 0\)/);
    assert.deepEqual(await mcp.waitNoDebuggee(), [], 'the program, debugpy and lldb-dap are gone at the end');
  });

  it('the Rust breakpoint alone: the first stop is native, continue runs to the end', async () => {
    const r = await mcp.ok('launch', { program: [PYTHON, MIXED_PY, 'sliced', mcp.tag], breakpoints: [at(MIXED_LIB, '// BREAK')] });
    const session = String(r.session);
    assert.equal(r.language, 'native');
    assert.equal((r.stoppedAt as { line: number }).line, markerLine(MIXED_LIB, '// BREAK'));
    await assertRustStop(session);
    assert.deepEqual(await mcp.ok('continue', { session }), { session, ended: true, exitCode: 0 });
    assert.deepEqual(await mcp.waitNoDebuggee(), []);
  });
});

describe('arraylens mcp: Node', () => {
  let mcp: McpClient;
  before(async () => {
    mcp = await McpClient.start();
  });
  after(() => mcp?.close());

  it('launch, list the TypedArrays, inspect the zoo cases against NumPy, continue to the end', async () => {
    const r = await mcp.ok('launch', { program: ['node', NODE_ZOO, mcp.tag], breakpoints: [at(NODE_ZOO, '// BREAK')] });
    const session = String(r.session);
    assert.equal(r.language, 'node');
    assert.equal((r.stoppedAt as { line: number }).line, markerLine(NODE_ZOO, '// BREAK'));
    assert.ok(taggedProcesses(mcp.tag).some((p) => p.pid === r.pid), 'the debuggee runs under the server');
    const list = (await mcp.ok('list_arrays', { session })) as { arrays: { expr: string; type: string; dtype: string; shape: number[]; language: string }[] };
    const byName = new Map(list.arrays.map((a) => [a.expr, a]));
    for (const [expr, type, dtype, shape] of [
      ['f32', 'Float32Array', 'float32', [768]],
      ['i64', 'BigInt64Array', 'int64', [1000]],
      ['u8c', 'Uint8ClampedArray', 'uint8', [1000]],
      ['sub16', 'Int16Array', 'int16', [200]],
    ] as const) {
      const a = byName.get(expr);
      assert.ok(a, `${expr} listed: ${JSON.stringify([...byName.keys()])}`);
      assert.deepEqual([a.language, a.dtype, a.shape], ['node', dtype, shape]);
      assert.match(a.type, new RegExp(type));
    }
    assert.ok(!byName.has('notArray') && !byName.has('count'), 'plain objects and numbers are not arrays');
    assert.deepEqual(await failedCases(mcp, session, fixture('node', 'zoo_cases.py')), []);
    assert.deepEqual(await mcp.ok('continue', { session }), { session, ended: true, exitCode: 0 });
    assert.deepEqual(await mcp.waitNoDebuggee(), [], 'node is gone at the end');
  });
});

describe('arraylens mcp: a Node addon\'s C++ (node run by the native debugger)', { skip: nodeAddonSkip() }, () => {
  let mcp: McpClient;
  before(async () => {
    mcp = await McpClient.start();
  });
  after(() => mcp?.close());

  for (const dbg of ['lldb', 'gdb'] as const)
    it(`under ${dbg}: the addon's buffers as NumPy makes them, continue to the end`, async () => {
      const r = await mcp.ok('launch', { program: ['node', fixture('node', 'addon_main.js'), mcp.tag], breakpoints: [at(ADDON_CC, '// BREAK')], debugger: dbg });
      const session = String(r.session);
      assert.equal(r.language, 'native');
      assert.equal((r.continue as { mode: string }).mode, 'any-breakpoint');
      assert.deepEqual([(r.stoppedAt as { file: string }).file, (r.stoppedAt as { line: number }).line], [ADDON_CC, markerLine(ADDON_CC, '// BREAK')]);
      assert.deepEqual(await failedCases(mcp, session, fixture('node', 'addon_cases.py')), []);
      assert.deepEqual(await mcp.ok('continue', { session }), { session, ended: true, exitCode: 0 });
      assert.deepEqual(await mcp.waitNoDebuggee(), []);
    });
});

describe('arraylens mcp: leaks on the leak fixtures', () => {
  let mcp: McpClient;
  before(async () => {
    mcp = await McpClient.start();
  });
  after(() => mcp?.close());

  it('a C program: the lost buffers by site, count and bytes, as arraylens leaks --json', async () => {
    const lost = at(LEAK_C, 'SITE lost');
    const r = (await mcp.ok('leaks', { program: [LEAK_C_EXE, '4', mcp.tag], from: at(LEAK_C, 'BREAK FROM'), to: at(LEAK_C, 'BREAK TO') })) as {
      new: { site: string }[];
      unreferenced: { language: string; site: string; count: number; bytes: number }[];
    };
    assert.deepEqual(r.new.filter((g) => g.site === lost), [{ language: 'native', site: lost, count: 4, bytes: 4 * 4096 * 8 }]);
    assertUnreferencedAt(r.unreferenced, lost, 4, 4096 * 8);
  });

  it('a Python program with a C extension: the cached arrays and the references native code kept', async () => {
    const cache = at(LEAK_PY, 'SITE cache');
    const r = (await mcp.ok('leaks', { program: [PYTHON, LEAK_PY, 'refext', mcp.tag], from: at(LEAK_PY, 'BREAK FROM'), to: at(LEAK_PY, 'BREAK TO'), min_bytes: 1024 })) as {
      new: { site: string }[];
      refcount: unknown[];
    };
    assert.deepEqual(r.new.filter((g) => g.site === cache), [{ language: 'python', site: cache, count: 5, bytes: 5 * 10 * 100 * 4, dtype: 'float32', shape: [10, 100] }]);
    assert.deepEqual(r.refcount, [
      { site: at(LEAK_PY, 'SITE first keep'), expr: 'held', call: 'refext.keep', delta: 1 },
      { site: at(LEAK_PY, 'SITE second keep'), expr: 'held', call: 'refext.keep', delta: 1 },
    ]);
  });

  it('bad arguments: the CLI\'s messages', async () => {
    await mcp.refused('leaks', { program: [LEAK_C_EXE], from: 'nowhere', to: at(LEAK_C, 'BREAK TO') }, /^--from nowhere: expected FILE:LINE$/);
    await mcp.refused('leaks', { program: [LEAK_C_EXE], from: at(LEAK_C, 'BREAK FROM'), to: at(LEAK_C, 'BREAK TO'), min_bytes: -1 }, /^--min-bytes -1: expected a positive integer or 0$/);
  });
});

describe('arraylens mcp: the client goes', () => {
  it('closing stdin ends every stopped program and its debugger', async () => {
    const exe = buildIfStale('gcc', [C_SRC], fixture('c', 'build', 'arrays'), ['-lm']);
    const mcp = await McpClient.start();
    const py = await mcp.ok('launch', { program: [PYTHON, ZOO], breakpoints: [at(ZOO, '# BREAK')] });
    const c = await mcp.ok('launch', { program: [exe], breakpoints: [at(C_SRC, '/* BREAK */')] });
    const running = taggedProcesses(mcp.tag);
    for (const pid of [py.pid, c.pid]) assert.ok(running.some((p) => p.pid === pid), `debuggee ${pid} runs`);
    assert.ok(running.some((p) => /lldb-dap/.test(p.cmd)) && running.some((p) => /debugpy/.test(p.cmd)), running.map((p) => p.cmd).join('\n'));
    // No close calls: the client just goes.
    await mcp.close();
  });

  it('the same with gdb, mixed and Node sessions stopped', async () => {
    const exe = buildIfStale('gcc', [C_SRC], fixture('c', 'build', 'arrays'), ['-lm']);
    execFileSync('bash', [path.join(ROOT, 'scripts', 'setup.d', '25-mixed-fixture.sh')], { stdio: 'inherit' });
    const mcp = await McpClient.start();
    const gdb = await mcp.ok('launch', { program: [exe], breakpoints: [at(C_SRC, '/* BREAK */')], debugger: 'gdb' });
    const mixed = await mcp.ok('launch', { program: [PYTHON, MIXED_PY, 'sliced'], breakpoints: [at(MIXED_PY, '# BREAK'), at(MIXED_LIB, '// BREAK')] });
    // The mixed program held natively too: continued once, to its Rust stop.
    assert.equal((await mcp.ok('continue', { session: String(mixed.session) })).language, 'native');
    const node = await mcp.ok('launch', { program: ['node', NODE_ZOO], breakpoints: [at(NODE_ZOO, '// BREAK')] });
    const running = taggedProcesses(mcp.tag);
    for (const pid of [gdb.pid, mixed.pid, node.pid]) assert.ok(running.some((p) => p.pid === pid), `debuggee ${pid} runs`);
    assert.ok(['gdb', 'lldb-dap', 'debugpy'].every((d) => running.some((p) => p.cmd.includes(d))), running.map((p) => p.cmd).join('\n'));
    await mcp.close();
  });
});
