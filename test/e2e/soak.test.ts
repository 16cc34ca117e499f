// A short soak (issue 18; `npm run bench -- soak` runs 200 cycles): 20 stop/list/inspect/continue cycles on a real
// debugpy program leave this host process's fds where they were and its RSS within a generous bound, and no process.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PYTHON } from '../helpers/env';
import { soakPython, summarize } from '../../bench/soak';

describe('soak: 20 cycles through real debugpy (issue 18)', () => {
  it('host fds do not grow, host and debuggee RSS stay bounded, the debuggee is gone after close', async () => {
    const r = await soakPython({ cycles: 20, python: PYTHON });
    assert.equal(r.samples.length, 20);
    const s = summarize(r.samples, 5, 0); // cycles 1-5 vs 16-20: no warm-up left out in so short a run
    // Each cycle opens /proc/PID/mem and DAP requests; a per-cycle fd leak shows as +15 here.
    assert.ok(s.last.hostFds <= s.first.hostFds + 2, `host fds grew: ${s.first.hostFds} -> ${s.last.hostFds}`);
    // Generous: each cycle reads ~1.1 MiB; a leak of the read buffers would add >20 MiB over 15 cycles.
    assert.ok(s.last.hostRss - s.first.hostRss < 48 * 2 ** 20, `host RSS grew ${((s.last.hostRss - s.first.hostRss) / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(s.last.debuggeeRss - s.first.debuggeeRss < 32 * 2 ** 20, `debuggee RSS grew ${((s.last.debuggeeRss - s.first.debuggeeRss) / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(r.debuggeeGone, `debuggee ${r.debuggeePid} still running after close`);
  });
});
