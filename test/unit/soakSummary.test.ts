// The soak's windows and trend (bench/soakSummary.ts): what issue 18's "host RSS flat within 10 %" is computed from.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFlat, summarize, WARMUP_CYCLES, type SoakSample } from '../../bench/soakSummary';

const MiB = 2 ** 20;

function samples(n: number, rss: (cycle: number) => number, debuggee: (cycle: number) => number = () => 50 * MiB): SoakSample[] {
  return Array.from({ length: n }, (_, i) => ({
    cycle: i + 1,
    hostRss: rss(i + 1),
    hostFds: 24,
    hostHeapUsed: 7 * MiB,
    hostHeapTotal: 40 * MiB,
    hostExternal: 16 * MiB,
    debuggeeRss: debuggee(i + 1),
  }));
}

describe('soak summary (issue 18)', () => {
  it('leaves the warm-up out of the first window: a fill in the first cycles that then stays is flat', () => {
    // 60 MiB at cycle 1 rising to 80 MiB by cycle 25, then 92 MiB for good: the first 50 cycles' median is dragged down.
    const s = samples(200, (c) => (c <= 25 ? 60 + (20 * c) / 25 : 92) * MiB);
    const withWarmup = summarize(s, 50, 0);
    assert.ok(withWarmup.hostRssRatio > 1.05, `x${withWarmup.hostRssRatio}`);
    const sum = summarize(s, 50);
    assert.equal(sum.warmup, WARMUP_CYCLES);
    assert.equal(sum.hostRssRatio, 1);
    assert.equal(sum.hostRssSlope, 0);
    assert.ok(isFlat(sum));
  });

  it('a steady leak shows in both the ratio and the trend, warm-up or not', () => {
    // 100 KiB a cycle from 80 MiB: +17 MiB over the 175 cycles after the warm-up.
    const s = samples(
      200,
      (c) => 80 * MiB + c * 100 * 1024,
      (c) => 50 * MiB + c * 8 * 1024,
    );
    const sum = summarize(s, 50);
    assert.ok(!isFlat(sum), `x${sum.hostRssRatio}`);
    assert.ok(Math.abs(sum.hostRssSlope - 100 * 1024) < 1e-6, `slope ${sum.hostRssSlope}`);
    assert.ok(Math.abs(sum.debuggeeRssSlope - 8 * 1024) < 1e-6, `slope ${sum.debuggeeRssSlope}`);
    assert.ok(sum.debuggeeRssRatio > 1);
  });

  it('windows are medians: one spike does not move them', () => {
    const s = samples(200, (c) => (c === 190 ? 300 : 90) * MiB);
    assert.equal(summarize(s, 50).hostRssRatio, 1);
  });

  it('a short run keeps two whole windows and leaves out only what is left over', () => {
    const s = samples(20, () => 90 * MiB);
    const sum = summarize(s, 5);
    assert.equal(sum.warmup, 10);
    assert.equal(summarize(s, 50).warmup, 0); // windows of 10: nothing left to leave out
    assert.equal(summarize(s, 5, 0).warmup, 0);
  });
});
