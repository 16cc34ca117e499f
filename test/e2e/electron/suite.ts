// Runs inside desktop VS Code's extension host (loaded by runTests.ts): the extension activates, its commands and
// debug type are there, and a launch of the Python fixture stops at the BREAK line.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

async function check(name: string, body: () => Promise<void>): Promise<void> {
  await body();
  console.log(`  ok - ${name}`);
}

function waitFor<T>(what: string, timeoutMs: number, subscribe: (done: (v: T) => void) => vscode.Disposable): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`${what}: not within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = subscribe((v) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(v);
    });
  });
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension('arraylens.arraylens');
  await check('the extension is installed and activates', async () => {
    assert.ok(ext, 'arraylens.arraylens not found');
    await ext.activate();
    assert.ok(ext.isActive);
  });

  await check('commands are registered', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['arraylens.inspectVariable', 'arraylens.inspectArrayItem', 'arraylens.inspectExpression']) {
      assert.ok(all.includes(c), `${c} missing`);
    }
  });

  await check('a launch of the Python fixture stops at the BREAK line', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder open');
    const program = path.join(folder.uri.fsPath, 'arrays.py');
    const line = fs
      .readFileSync(program, 'utf8')
      .split('\n')
      .findIndex((l) => /#\s*BREAK\b/.test(l));
    assert.ok(line >= 0, 'no # BREAK marker in arrays.py');
    vscode.debug.addBreakpoints([
      new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.file(program), new vscode.Position(line, 0))),
    ]);
    const stopped = waitFor<vscode.DebugStackFrame>('stop at the breakpoint', 60_000, (done) =>
      vscode.debug.onDidChangeActiveStackItem((item) => {
        if (item instanceof vscode.DebugStackFrame) done(item);
      }),
    );
    const started = await vscode.debug.startDebugging(folder, {
      type: 'arraylens',
      request: 'launch',
      name: 'ArrayLens: arrays.py',
      program,
      python: process.env.ARRAYLENS_PYTHON,
    });
    assert.ok(started, 'startDebugging returned false');
    const frame = await stopped;
    const session = frame.session;
    const trace = (await session.customRequest('stackTrace', { threadId: frame.threadId, levels: 1 })) as {
      stackFrames: { line: number }[];
    };
    assert.equal(trace.stackFrames[0]?.line, line + 1);
    await vscode.debug.stopDebugging(session);
  });
}
