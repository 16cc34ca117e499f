// The Node address probe is only loaded from a folder of ours: a library planted at the old shared temp path, or in
// the cache folder with the wrong owner, mode or content, never runs in the debuggee (issue 18, code loading).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { ROOT, fixture, markerLine } from '../helpers/env';

const ZOO = fixture('node', 'zoo.js');
const BREAK = `${ZOO}:${markerLine(ZOO, '// BREAK')}`;
const PROBE_SOURCE = path.join(ROOT, 'src', 'backends', 'node', 'probe', 'arraylens_probe.c');
const NOBODY = 65534;

// A checkout without its own probe build (the case the issue measured): the compiled CLI and the probe's source,
// no .cache; node_modules linked from the real checkout.
let checkout: string;
let work: string;
let marker: string;
let evil: string;
let probeName: string;

function cli(cache: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [path.join(checkout, 'bin', 'arraylens'), 'inspect', '--json', '--break', BREAK, '--expr', 'f32 as float32[24,32]', '--slice', '[0, 4:8]', '--values', '--', 'node', ZOO],
    { encoding: 'utf8', timeout: 120000, env: { ...process.env, XDG_CACHE_HOME: cache, ARRAYLENS_NODE_PROBE: '' } },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function freshCache(name: string): { cache: string; dir: string } {
  const cache = path.join(work, name);
  const dir = path.join(cache, 'arraylens', 'node-probe');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(path.join(cache, 'arraylens'), 0o700);
  fs.chmodSync(dir, 0o700);
  return { cache, dir };
}

function plant(file: string): void {
  fs.rmSync(marker, { force: true });
  fs.copyFileSync(evil, file);
  fs.chmodSync(file, 0o755);
}

describe('the Node address probe is loaded only from a folder of ours (real Node)', () => {
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-hardening-probe-'));
    checkout = path.join(work, 'checkout');
    fs.cpSync(path.join(ROOT, 'out', 'src'), path.join(checkout, 'out', 'src'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'bin'), path.join(checkout, 'bin'), { recursive: true });
    fs.mkdirSync(path.dirname(PROBE_SOURCE.replace(ROOT, checkout)), { recursive: true });
    fs.copyFileSync(PROBE_SOURCE, PROBE_SOURCE.replace(ROOT, checkout));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
    marker = path.join(work, 'planted-library-ran');
    const c = path.join(work, 'evil.c');
    fs.writeFileSync(
      c,
      `#include <stdio.h>\n__attribute__((constructor)) static void planted(void) { FILE *f = fopen(${JSON.stringify(marker)}, "w"); if (f) fclose(f); }\n`,
    );
    evil = path.join(work, 'evil.node');
    execFileSync('cc', ['-shared', '-fPIC', '-o', evil, c]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const probe = require(path.join(checkout, 'out', 'src', 'backends', 'node', 'probe.js')) as { probeFileName(s: string): string };
    probeName = probe.probeFileName(fs.readFileSync(PROBE_SOURCE, 'utf8'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('a library at the old shared temp path is not loaded; the probe is built in the cache folder and works', () => {
    const uid = process.getuid?.() ?? 0;
    const old = path.join(os.tmpdir(), `arraylens-${uid}`, 'node-probe');
    fs.mkdirSync(old, { recursive: true });
    const planted = path.join(old, probeName);
    const had = fs.existsSync(planted);
    if (had) fs.renameSync(planted, `${planted}.hardening-test-saved`);
    plant(planted);
    try {
      const { cache, dir } = freshCache('cache-old-path');
      fs.rmSync(dir, { recursive: true });
      const r = cli(cache);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.existsSync(marker), false, 'the planted library ran in the debuggee');
      assert.equal(JSON.parse(r.stdout).transport, 'direct', 'the clean probe loads');
      assert.ok(fs.existsSync(path.join(dir, probeName)), 'built in the per-user cache folder');
      assert.equal(fs.lstatSync(dir).mode & 0o777, 0o700);
    } finally {
      fs.rmSync(planted, { force: true });
      if (had) fs.renameSync(`${planted}.hardening-test-saved`, planted);
    }
  });

  for (const [what, spoil] of [
    ['group/other-writable', (f: string) => fs.chmodSync(f, 0o777)],
    ['owned by another user', (f: string) => fs.chownSync(f, NOBODY, NOBODY)],
    ['with a hash that does not match the recorded one', (f: string) => fs.writeFileSync(`${f}.sha256`, `${'0'.repeat(64)}\n`)],
    ['a symlink', (f: string) => { fs.rmSync(f); fs.symlinkSync(evil, f); }],
  ] as const)
    it(`a library in the cache folder ${what} is not loaded; a clean build replaces it`, { skip: what === 'owned by another user' && process.getuid?.() !== 0 }, () => {
      const { cache, dir } = freshCache(`cache-${what.replace(/\W+/g, '-')}`);
      const file = path.join(dir, probeName);
      plant(file);
      fs.writeFileSync(`${file}.sha256`, `${createHash('sha256').update(fs.readFileSync(evil)).digest('hex')}\n`);
      spoil(file);
      const r = cli(cache);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.existsSync(marker), false, 'the planted library ran in the debuggee');
      assert.equal(JSON.parse(r.stdout).transport, 'direct', 'the clean probe loads');
      const st = fs.lstatSync(file);
      assert.ok(st.isFile() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0, 'the planted file was replaced');
    });

  it('a cache folder others can write is refused (no probe, reason given), nothing planted there runs', () => {
    const { cache, dir } = freshCache('cache-open-folder');
    fs.chmodSync(dir, 0o777);
    plant(path.join(dir, probeName));
    const r = cli(cache);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(marker), false, 'the planted library ran in the debuggee');
    assert.equal(JSON.parse(r.stdout).transport, 'evaluate');
    const d = spawnSync(
      process.execPath,
      [path.join(checkout, 'bin', 'arraylens'), 'inspect', '--json', '--break', BREAK, '--expr', 'f32', '--transport', 'direct', '--', 'node', ZOO],
      { encoding: 'utf8', timeout: 120000, env: { ...process.env, XDG_CACHE_HOME: cache } },
    );
    assert.notEqual(d.status, 0);
    assert.match(d.stderr, /can be written by other users.*chmod 700/);
  });
});
