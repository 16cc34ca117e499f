// `arraylens leaks` on a Node program with a node-addon-api addon (test/fixtures/leaks/node_addon, built by
// scripts/setup.d/40-leak-tracker.sh): lost() makes external ArrayBuffers without a finalizer, so their blocks outlive
// them; owned() is the twin whose finalizer frees them. Real Node inspector and the preloaded tracker; the CLI runs
// Node with --clear-free-memory and glibc's free-perturb so that collected ArrayBuffers leave no stale pointers.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { before, describe, it } from 'node:test';
import { CLI, assertUnreferencedAt, fixture, markerLine, waitNoProcess } from '../helpers/env';

const JS = fixture('leaks', 'node_leak.js');
const CC = fixture('leaks', 'node_addon', 'leak_addon.cc');
const ADDON = fixture('leaks', 'node_addon', 'build', 'Release', 'leak_addon.node');
const site = (file: string, marker: string): string => `${file}:${markerLine(file, marker)}`;
const CALLS = 4;
const SIZE = 65536;

interface Group {
  language: string;
  site: string;
  count: number;
  bytes: number;
}
interface Report {
  from: string;
  to: string;
  new: Group[];
  freed: Group[];
  refcount: unknown[];
  unreferenced: Group[];
  dangling: unknown[];
  notes: { tracker: boolean };
}

function tag(): string {
  return `arraylens-leaks-node-${process.pid}-${Math.random().toString(36).slice(2)}`;
}

function run(extra: string[], programArgs: string[], to = 'BREAK TO'): { code: number | null; stdout: string; stderr: string } {
  const args = [CLI, 'leaks', ...extra, '--from', site(JS, 'BREAK FROM'), '--to', site(JS, to), '--', process.execPath, '--expose-gc', JS, ...programArgs];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 180000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function report(programArgs: string[]): Report {
  const r = run(['--json'], programArgs);
  assert.equal(r.code, 0, `leaks failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

const inFixtures = (groups: Group[]): Group[] => groups.filter((g) => g.site.startsWith(path.dirname(JS)));

describe('arraylens leaks: Node addon whose ArrayBuffer finalizer never frees', () => {
  before(() => assert.ok(fs.existsSync(ADDON), `${ADDON} is not built (scripts/setup.d/40-leak-tracker.sh needs node-gyp)`));

  it('names the blocks of lost() with count, bytes and site; nothing at owned()', async () => {
    const t = tag();
    const r = report(['leak', t]);
    assert.equal(r.from, site(JS, 'BREAK FROM'));
    assert.equal(r.to, site(JS, 'BREAK TO'));
    assert.ok(r.notes.tracker, 'the tracker table was read');
    assert.deepEqual(inFixtures(r.new), [{ language: 'native', site: site(CC, 'SITE lost'), count: CALLS, bytes: CALLS * SIZE }]);
    // Nothing points to them once their ArrayBuffers are collected (all of them, or all but the latest: see the helper).
    assertUnreferencedAt(inFixtures(r.unreferenced), site(CC, 'SITE lost'), CALLS, SIZE);
    const owned = site(CC, 'SITE owned');
    for (const list of [r.new, r.freed, r.unreferenced]) assert.deepEqual(list.filter((g) => g.site === owned), [], 'blocks freed by the finalizer appear nowhere');
    assert.deepEqual(r.refcount, []);
    assert.deepEqual(r.dangling, []);
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });

  it('the leak-free twin alone reports nothing', async () => {
    const t = tag();
    const r = report([t]);
    for (const list of [r.new, r.freed, r.unreferenced]) assert.deepEqual(inFixtures(list), []);
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });

  it('text output names the site', () => {
    const r = run([], ['leak', tag()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`new and still alive:\\n(?:.*\\n)*?\\s+native\\s+${CALLS} x\\s+${CALLS * SIZE} B\\s+\\S*leak_addon\\.cc:${markerLine(CC, 'SITE lost')}\\n`));
  });

  it('Node program that ends before TO', async () => {
    const t = tag();
    const r = run([], [t], 'NEVER');
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.trim(), /program ended before reaching node_leak\.js:\d+/);
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });
});
