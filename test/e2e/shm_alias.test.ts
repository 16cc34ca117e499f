// Same bytes across two debugged processes (real debugpy, real multiprocessing.shared_memory and np.memmap): arrays
// over one shared-memory segment or one mapped file, found from each process's /proc/PID/maps, are marked as aliases,
// both with the two processes stopped at once (the pairing functions over two live targets) and through the CLI
// (`--list --json` of one, `--same-bytes-as` it for the other).

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { PythonTarget } from '../../src/backends/python/target';
import { BackedArray, backedArrays, crossProcessAliases, readProcessMaps } from '../../src/pairing/processMaps';
import { CLI, PYTHON, fixture, markerLine } from '../helpers/env';

const OWNER = fixture('python', 'shm_owner.py');
const USER = fixture('python', 'shm_user.py');

function names(backed: readonly BackedArray[], aliases: { expr: string; pid?: number }[][], pid: number): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  backed.forEach((b, i) => {
    for (const a of aliases[i]) assert.equal(a.pid, pid);
    out[b.expr] = aliases[i].map((a) => a.expr);
  });
  return out;
}

describe('arrays of two processes over one shared-memory segment or mapped file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-shm-'));
  // One segment per part: the owner creates it and leaves it behind (the test unlinks it).
  const tag = `arraylens_test_${process.pid}_${Date.now().toString(36)}`;
  const file = path.join(dir, 'grid.f32');

  after(() => {
    for (const part of ['live', 'cli']) fs.rmSync(`/dev/shm/${tag}_${part}`, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('two debugged processes stopped at once', () => {
    const segment = `${tag}_live`;
    let owner: PythonTarget;
    let user: PythonTarget;

    before(async () => {
      owner = await PythonTarget.launch({ python: PYTHON, program: OWNER, args: [segment, file], breakpoint: { file: OWNER, line: markerLine(OWNER, '# BREAK') } });
      user = await PythonTarget.launch({ python: PYTHON, program: USER, args: [segment, file], breakpoint: { file: USER, line: markerLine(USER, '# BREAK') } });
    });

    after(async () => {
      await user?.close();
      await owner?.close();
    });

    it('finds where each array\'s bytes live: the segment or file and the offset in it; private arrays have none', async () => {
      const u = backedArrays(await user.listArrays(), readProcessMaps(user.pid!));
      const by = new Map(u.map((b) => [b.expr, b.backing.map(({ path: p, offset, nbytes }) => ({ path: p, offset, nbytes }))]));
      assert.deepEqual(by.get('middle'), [{ path: `/dev/shm/${segment}`, offset: 256, nbytes: 256 }]);
      assert.deepEqual(by.get('tail'), [{ path: `/dev/shm/${segment}`, offset: 2048, nbytes: 512 }]);
      assert.deepEqual(by.get('rows'), [{ path: fs.realpathSync(file), offset: 9216, nbytes: 1024 }]);
      assert.deepEqual(by.get('mine'), []);
    });

    it('marks the arrays over the same bytes in each process, naming the other process', async () => {
      const o = backedArrays(await owner.listArrays(), readProcessMaps(owner.pid!));
      const u = backedArrays(await user.listArrays(), readProcessMaps(user.pid!));
      assert.deepEqual(names(u, crossProcessAliases(u, o, owner.pid!), owner.pid!), { middle: ['head'], tail: [], rows: ['grid'], mine: [] });
      assert.deepEqual(names(o, crossProcessAliases(o, u, user.pid!), user.pid!), { head: ['middle'], grid: ['rows'], private: [] });
    });
  });

  it('arraylens inspect --list --same-bytes-as: the user\'s listing marked against the owner\'s (JSON and text)', () => {
    const segment = `${tag}_cli`;
    const run = (program: string, extra: string[]): string => {
      const r = spawnSync(process.execPath, [CLI, 'inspect', '--python', PYTHON, '--break', `${program}:${markerLine(program, '# BREAK')}`, '--list', ...extra, '--', PYTHON, program, segment, file], {
        encoding: 'utf8',
        timeout: 180000,
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const ownerFile = path.join(dir, 'owner.json');
    fs.writeFileSync(ownerFile, run(OWNER, ['--json']));
    const ownerListing = JSON.parse(fs.readFileSync(ownerFile, 'utf8')) as { pid: number; arrays: { expr: string; backing?: unknown[] }[] };
    assert.ok(ownerListing.pid > 0);
    assert.equal(ownerListing.arrays.find((a) => a.expr === 'head')?.backing?.length, 1);
    const rows = (JSON.parse(run(USER, ['--json', '--same-bytes-as', ownerFile])) as { arrays: { expr: string; aliases?: unknown[] }[] }).arrays;
    const aliases = Object.fromEntries(rows.map((r) => [r.expr, r.aliases ?? []]));
    assert.deepEqual(aliases.middle, [{ language: 'python', expr: 'head', pid: ownerListing.pid }]);
    assert.deepEqual(aliases.rows, [{ language: 'python', expr: 'grid', pid: ownerListing.pid }]);
    assert.deepEqual(aliases.tail, []);
    assert.deepEqual(aliases.mine, []);
    const text = run(USER, ['--same-bytes-as', ownerFile]);
    assert.match(text, new RegExp(`^middle\\tfloat64\\[32\\]\\tnumpy\\.ndarray\\tsame bytes as head \\(python, pid ${ownerListing.pid}\\)$`, 'm'));
  });

  it('--same-bytes-as refuses what is not a listing, in one line saying how to make one', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"arrays": []}');
    const r = spawnSync(process.execPath, [CLI, 'inspect', '--python', PYTHON, '--break', `${USER}:${markerLine(USER, '# BREAK')}`, '--list', '--same-bytes-as', bad, '--', PYTHON, USER, `${tag}_cli`, file], {
      encoding: 'utf8',
      timeout: 180000,
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr.trim(), /^[^\n]*--same-bytes-as .*bad\.json: not a listing with a pid \(print one with arraylens inspect --list --json\)$/);
  });
});
