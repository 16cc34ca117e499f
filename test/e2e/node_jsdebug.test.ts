// JsDebugNodeTarget (what the extension makes for js-debug sessions) over a real paused Node: the address comes
// from a `requestCDPProxy`-shaped answer, the target attaches at first use, reads the paused frame's arrays, and
// detaching leaves the program paused. The real js-debug proxy is exercised in code-server (test/e2e/vscode.e2e.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeTarget } from '../../src/backends/node/target';
import { CdpProxyAddress, JsDebugNodeTarget, proxyUrl } from '../../src/backends/node/jsDebug';
import { inspectArray } from '../../src/engine/engine';
import { fixture, markerLine } from '../helpers/env';

function addressOf(wsUrl: string): CdpProxyAddress {
  const u = new URL(wsUrl);
  return { host: u.hostname, port: Number(u.port), path: u.pathname };
}

describe('JsDebugNodeTarget: the paused frame of a Node session through a CDP endpoint', () => {
  it('proxy addresses become WebSocket URLs (IPv6 hosts bracketed, path kept)', () => {
    assert.equal(proxyUrl({ host: '127.0.0.1', port: 9229, path: '/abc' }), 'ws://127.0.0.1:9229/abc');
    assert.equal(proxyUrl({ host: '::1', port: 5 }), 'ws://[::1]:5');
  });

  it('lists and inspects the paused frame, asks for the endpoint once, detaches without ending the program', async () => {
    const file = fixture('node', 'zoo.js');
    const owner = await NodeTarget.launch({ program: file, args: [], breakpoint: { file, line: markerLine(file, '// BREAK') } });
    try {
      let asked = 0;
      const t = new JsDebugNodeTarget(async () => (asked++, addressOf(owner.inspectorUrl)));
      try {
        const names = (await t.listArrays()).map((a) => a.expr);
        for (const n of ['f32', 'i64', 'u8']) assert.ok(names.includes(n), `${n} listed: ${names.join(', ')}`);
        const mine = await inspectArray(t, 'f32', { slice: '[:12]', values: true, stats: true });
        const theirs = await inspectArray(owner, 'f32', { slice: '[:12]', values: true, stats: true });
        assert.deepEqual(mine.values, theirs.values);
        assert.equal(mine.stats?.nan, 1);
        assert.equal(t.pid, owner.pid);
        assert.equal(asked, 1, 'one endpoint request per stop');
      } finally {
        await t.close();
      }
      await assert.rejects(t.listArrays(), /program moved on/);
      assert.equal((await inspectArray(owner, 'u8', { slice: '[:2]', values: true })).shape[0], 2, 'the program is still paused for its owner');
    } finally {
      await owner.close();
    }
  });

  it('no endpoint from the JavaScript debugger: an error that says what to do', async () => {
    const t = new JsDebugNodeTarget(async () => undefined);
    await assert.rejects(t.listArrays(), /gave no CDP endpoint for this session .*npx arraylens inspect -- node/);
    await t.close();
  });
});
