// The preloaded allocation tracker is fork-safe: a threaded program that forks while another thread allocates and
// frees in a loop completes under LD_PRELOAD (issue 18: a fork while that thread held the tracker's spinlock left the
// child spinning forever on its first free).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { trackerLibrary } from '../../src/leaks/leakTable';
import { processesMatching } from '../helpers/env';

const PROGRAM = String.raw`
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_int stop;

static void *churn(void *arg) {
  (void)arg;
  /* munmap scans every tracked region under the tracker's lock, and needs no malloc lock: fork does not wait for it */
  while (!atomic_load(&stop)) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *volatile q = malloc(16 + (rand() & 255)); /* volatile: an unused malloc/free pair is dropped by the compiler */
    free(q);
    munmap(p, 4096);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int forks = argc > 1 ? atoi(argv[1]) : 2000;
  for (int i = 0; i < 1000; i++) mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, churn, NULL);
  for (int i = 0; i < forks; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      void *volatile q = malloc(64);
      free(q); /* spins forever when the tracker's lock was taken by a thread that is not in the child */
      _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  puts("forks done");
  return 0;
}
`;

let work: string;
let program: string;

describe('the leak tracker across fork (real LD_PRELOAD)', () => {
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-hardening-fork-'));
    fs.writeFileSync(path.join(work, 'forker.c'), PROGRAM);
    program = path.join(work, 'forker');
    execFileSync('cc', ['-O1', '-pthread', '-o', program, path.join(work, 'forker.c')]);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('a threaded program that forks while another thread allocates completes', () => {
    const lib = trackerLibrary();
    assert.ok(lib, 'the tracker is built (npm run setup)');
    // A hang is what this test looks for: the timeout only ends a deadlocked run.
    const r = spawnSync(program, ['1500'], {
      encoding: 'utf8',
      timeout: 120000,
      killSignal: 'SIGKILL',
      env: { ...process.env, LD_PRELOAD: lib, ARRAYLENS_LEAK_MIN_BYTES: '1' },
    });
    if (r.signal) for (const pid of processesMatching(program)) process.kill(pid, 'SIGKILL'); // the stuck children
    assert.equal(r.signal, null, 'the program deadlocked (killed after the timeout)');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /forks done/);
  });
});
