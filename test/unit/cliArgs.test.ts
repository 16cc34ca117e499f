// The `arraylens` command line: per-subcommand tables, typed options, and the one-line errors for flags a command
// does not take, missing values, bad integers and stray arguments.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMANDS, CommandLine, commandHelp, parseCommandLine, usage } from '../../src/cli/args';

function parsed<C extends CommandLine['command']>(argv: string[], command: C): Extract<CommandLine, { command: C }> {
  const cl = parseCommandLine(argv);
  assert.equal(cl.command, command);
  return cl as Extract<CommandLine, { command: C }>;
}

function refused(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseCommandLine(argv),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'bad-argument', e.message);
      assert.match(e.message, message);
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      return true;
    },
  );
}

describe('arraylens command line', () => {
  it('inspect: typed options with the table defaults, the program after --', () => {
    const { options: o } = parsed(['inspect', '--break', 'a.py:12', '--expr', 'x', '--', 'python3', 'a.py', '--flag-of-the-program', '-v'], 'inspect');
    assert.deepEqual(o.break, { file: 'a.py', line: 12 });
    assert.equal(o.expr, 'x');
    assert.deepEqual(o.program, ['python3', 'a.py', '--flag-of-the-program', '-v']);
    assert.equal(o.bins, 256);
    assert.equal(o.transport, 'auto');
    assert.equal(o.debugger, 'lldb');
    assert.equal(o.timeoutMs, 120_000);
    assert.equal(o.slice, null);
    assert.deepEqual([o.values, o.stats, o.json, o.list, o.mixed], [false, false, false, false, false]);
    assert.equal(o.python, undefined);
  });

  it('inspect: every flag, in any order, = or separate values, values starting with -', () => {
    const { options: o } = parsed(
      ['inspect', '--json', '--stats', '--values', '--bins=64', '--slice', '[-1, ::-2]', '--expr', '-a', '--break', 'C:/x:y.c:3', '--transport', 'direct',
        '--python', '/p/python', '--debugger', 'gdb', '--gdb', '/usr/bin/gdb', '--lldb-dap', '/l', '--mixed', '--timeout', '7', '--list', '--', './prog'],
      'inspect',
    );
    assert.deepEqual(o.break, { file: 'C:/x:y.c', line: 3 });
    assert.deepEqual([o.json, o.stats, o.values, o.mixed, o.list], [true, true, true, true, true]);
    assert.equal(o.bins, 64);
    assert.equal(o.slice, '[-1, ::-2]');
    assert.equal(o.expr, '-a');
    assert.equal(o.transport, 'direct');
    assert.equal(o.python, '/p/python');
    assert.equal(o.debugger, 'gdb');
    assert.equal(o.gdb, '/usr/bin/gdb');
    assert.equal(o.lldbDap, '/l');
    assert.equal(o.timeoutMs, 7000);
    assert.deepEqual(o.program, ['./prog']);
  });

  it('stats: the file before or after the flags, or after --', () => {
    for (const argv of [['stats', 'f.npy', '--bins', '8', '--json'], ['stats', '--json', 'f.npy', '--bins', '8'], ['stats', '--json', '--bins', '8', '--', 'f.npy']]) {
      const { options: o } = parsed(argv, 'stats');
      assert.deepEqual(o, { file: 'f.npy', slice: null, bins: 8, json: true });
    }
  });

  it('leaks: typed options', () => {
    const { options: o } = parsed(['leaks', '--from', 'a.c:1', '--to', 'a.c:9', '--min-bytes', '0', '--', './a.out', '4'], 'leaks');
    assert.deepEqual(o.from, { file: 'a.c', line: 1 });
    assert.deepEqual(o.to, { file: 'a.c', line: 9 });
    assert.equal(o.minBytes, 0);
    assert.equal(o.timeoutMs, 120_000);
    assert.deepEqual(o.program, ['./a.out', '4']);
  });

  it('unknown flags name the subcommand and its --help', () => {
    refused(['inspect', '--frobnicate'], /^inspect: unknown option --frobnicate \(see arraylens inspect --help\)$/);
    refused(['inspect', '--size', '3', '--break', 'a.py:1', '--expr', 'a', '--', 'p'], /^inspect: unknown option --size/);
    refused(['stats', 'f.npy', '--out', 'x.json'], /^stats: unknown option --out \(see arraylens stats --help\)$/);
    refused(['inspect', '-x'], /^inspect: unknown option -x/);
  });

  it('misplaced flags: an option of another subcommand', () => {
    refused(['stats', 'f.npy', '--break', 'a.py:1'], /^stats: --break is not an option of stats \(it belongs to inspect\); see arraylens stats --help$/);
    refused(['inspect', '--from', 'a.py:1'], /^inspect: --from is not an option of inspect \(it belongs to leaks\); see arraylens inspect --help$/);
    refused(['leaks', '--mixed'], /^leaks: --mixed is not an option of leaks/);
    refused(['demo', '--json'], /^demo: --json is not an option of demo/);
  });

  it('missing values, values on switches', () => {
    refused(['inspect', '--break'], /^inspect: --break needs a value \(FILE:LINE\); see arraylens inspect --help$/);
    refused(['inspect', '--break', '--expr', 'a'], /--break needs a value/);
    refused(['leaks', '--to', '--from', 'a:1'], /^leaks: --to needs a value/);
    refused(['inspect', '--json=yes'], /^inspect: --json takes no value/);
  });

  it('bad integers and choices', () => {
    const base = ['inspect', '--break', 'a.py:1', '--expr', 'a'];
    refused([...base, '--bins', 'x', '--', 'p'], /^--bins x: expected a whole number of at least 1$/);
    refused([...base, '--bins', '0', '--', 'p'], /--bins 0/);
    refused([...base, '--bins', '-3', '--', 'p'], /--bins -3/);
    refused([...base, '--bins', '1.5', '--', 'p'], /--bins 1\.5/);
    refused([...base, '--timeout', '0', '--', 'p'], /--timeout 0/);
    refused(['leaks', '--from', 'a:1', '--to', 'a:2', '--min-bytes', 'lots', '--', 'p'], /^--min-bytes lots: expected a positive integer or 0$/);
    refused([...base, '--transport', 'carrier-pigeon', '--', 'p'], /^--transport carrier-pigeon: use auto, direct, dap, memfd, evaluate$/);
    refused([...base, '--debugger', 'windbg', '--', 'p'], /^--debugger windbg: use lldb, gdb$/);
    refused(['inspect', '--break', 'a.py', '--expr', 'a', '--', 'p'], /^--break a\.py: expected FILE:LINE$/);
    refused(['leaks', '--from', 'a.py', '--to', 'a.py:3', '--', 'p'], /^--from a\.py: expected FILE:LINE$/);
  });

  it('required flags and the program', () => {
    refused(['inspect', '--expr', 'a'], /^inspect needs --break FILE:LINE$/);
    refused(['inspect', '--break', 'a.py:1', '--', 'p'], /^inspect needs --expr EXPR \(or --list\)$/);
    refused(['inspect', '--break', 'a.py:1', '--expr', 'a'], /^inspect needs the program after --/);
    refused(['inspect', '--break', 'a.py:1', '--expr', 'a', '--'], /^inspect needs the program after --/);
    refused(['leaks', '--from', 'a.py:1', '--', 'p'], /^leaks needs --to FILE:LINE$/);
    refused(['stats'], /^stats needs a \.npy file/);
    refused(['stats', 'a.npy', 'b.npy'], /^stats takes one \.npy file, not also 'b\.npy'/);
  });

  it('the program goes after --, not among the flags (as before)', () => {
    refused(['inspect', '--break', 'a.py:1', '--expr', 'a', 'python3', 'a.py'], /^inspect: unexpected argument 'python3': the program and its arguments go after --/);
    refused(['leaks', '--from', 'a.py:1', '--to', 'a.py:2', './a.out', '--', './a.out'], /^leaks: unexpected argument '\.\/a\.out'/);
    refused(['demo', 'now'], /^demo takes no arguments/);
  });

  it('commands: unknown, missing, not first', () => {
    refused(['frobnicate'], /^unknown command 'frobnicate': arraylens inspect\|stats\|leaks\|demo/);
    refused(['--json', 'stats', 'f.npy'], /^the command comes first/);
  });

  it('--help of each subcommand lists every flag of its table, with defaults and choices', () => {
    for (const t of COMMANDS) {
      for (const argv of [[t.name, '--help'], [t.name, '-h'], ['help', t.name], [t.name, '--json', '--help']]) {
        if (argv.includes('--json') && !t.flags.some((f) => f.name === 'json')) continue;
        const cl = parseCommandLine(argv);
        assert.equal(cl.command, 'help', argv.join(' '));
        assert.equal(cl.command === 'help' && cl.text, commandHelp(t.name));
      }
      const text = commandHelp(t.name);
      assert.match(text, new RegExp(`^usage: arraylens ${t.name}\\b`, 'm'));
      for (const f of t.flags) {
        const line = text.split('\n').find((l) => l.trimStart().startsWith(`--${f.name}${f.value ? ` ${f.value}` : ''} `));
        assert.ok(line, `${t.name} --help lists --${f.name}:\n${text}`);
        assert.ok(line.includes(f.help), `--${f.name} help text`);
        if (f.default !== undefined) assert.ok(line.includes(`default ${f.default}`), `--${f.name} default in: ${line}`);
        for (const c of f.choices ?? []) assert.ok(line.includes(c), `--${f.name} choice ${c}`);
      }
    }
    assert.equal((parseCommandLine(['--help']) as { text: string }).text, usage());
    for (const t of COMMANDS) assert.match(usage(), new RegExp(`arraylens ${t.name}\\b`));
  });

  it('the flags the acceptance checker and the tests pass are in the tables', () => {
    const inspect = new Set(COMMANDS.find((c) => c.name === 'inspect')!.flags.map((f) => f.name));
    for (const f of ['break', 'expr', 'slice', 'values', 'stats', 'bins', 'python', 'debugger', 'transport', 'json', 'list', 'mixed', 'timeout', 'lldb-dap', 'gdb'])
      assert.ok(inspect.has(f), `inspect --${f}`);
    const leaks = new Set(COMMANDS.find((c) => c.name === 'leaks')!.flags.map((f) => f.name));
    for (const f of ['from', 'to', 'min-bytes', 'python', 'lldb-dap', 'timeout', 'json']) assert.ok(leaks.has(f), `leaks --${f}`);
    const stats = new Set(COMMANDS.find((c) => c.name === 'stats')!.flags.map((f) => f.name));
    for (const f of ['slice', 'bins', 'json']) assert.ok(stats.has(f), `stats --${f}`);
  });
});
