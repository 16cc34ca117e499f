// Process identity before direct reads of a Python debuggee (issue 18): the debuggee's own account of itself (the
// expression debugpy evaluates, run here by a real Python child) against /proc of the pid debugpy reported.

import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'child_process';
import { after, before, describe, it } from 'node:test';
import { identityExpression, identityMismatch, localIdentity, parseIdentityAnswer } from '../../src/backends/python/identity';
import { PYTHON } from '../helpers/env';

/** A Python child that prints repr(identity expression) (as debugpy's evaluate answers) and waits on stdin. */
function pythonChild(argv: string[]): Promise<{ child: ChildProcess; answer: string }> {
  const child = spawn(PYTHON, ['-c', `print(repr(${identityExpression()}), flush=True); import sys; sys.stdin.read()`, ...argv], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, answer: out.trim().slice(1, -1) });
    });
    child.once('exit', (code) => reject(new Error(`python exited (${code}) before answering`)));
  });
}

describe('Python process identity', () => {
  let py: { child: ChildProcess; answer: string };
  before(async () => {
    py = await pythonChild(['an argument with spaces', 'x)y']);
  });
  after(() => {
    py.child.stdin!.end();
    py.child.kill();
  });

  it('the answer parses: its pid, the boot id, start time and command line', () => {
    const p = parseIdentityAnswer(py.answer);
    assert.ok(p);
    assert.equal(p.pid, py.child.pid);
    assert.deepEqual(p.identity, localIdentity(py.child.pid!));
    assert.ok(p.identity.cmdline.includes('an argument with spaces\0x)y\0'));
  });

  it('the pid it reports is the same process here', () => {
    assert.equal(identityMismatch(py.child.pid!, py.answer), null);
  });

  it('another local process under that pid (another pid namespace, a reused pid) is refused', () => {
    const why = identityMismatch(process.pid, py.answer);
    assert.match(why ?? '', new RegExp(`process ${process.pid} here is not the program`));
  });

  it('a pid with no process here is refused', () => {
    let pid = 4_000_000;
    while (typeof localIdentity(pid) !== 'string') pid++;
    assert.match(identityMismatch(pid, py.answer) ?? '', /no process \d+ runs here/);
  });

  it('another machine (another boot id) is refused', () => {
    const p = parseIdentityAnswer(py.answer)!;
    const other = `${py.child.pid}\\n${Buffer.from('00000000-0000-4000-8000-000000000000\n').toString('hex')}\\n${Buffer.from(`${py.child.pid} (python) S ${'0 '.repeat(30)}`).toString('hex')}\\n${Buffer.from(p.identity.cmdline, 'latin1').toString('hex')}`;
    assert.match(identityMismatch(py.child.pid!, other) ?? '', /another machine/);
  });

  it('an answer without /proc (not Linux) or not in the form is refused', () => {
    assert.match(identityMismatch(py.child.pid!, `${py.child.pid}\\n\\n\\n`) ?? '', /no \/proc/);
    assert.match(identityMismatch(py.child.pid!, 'NameError: os') ?? '', /did not say who it is/);
  });
});
