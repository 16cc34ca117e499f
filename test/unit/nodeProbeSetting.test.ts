// The arraylens.nodeProbe setting (issue 18): declared in package.json, mapped onto ARRAYLENS_NODE_PROBE, and a change
// of that variable at run time (the setting changed) is seen by the next probe lookup instead of a cached answer.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/env';
import { findProbe } from '../../src/backends/node/probe';
import { applyNodeProbeEnv, nodeProbeEnv } from '../../src/backends/node/probeSetting';

describe('arraylens.nodeProbe setting', () => {
  it('is contributed as a string setting that says how to turn the probe off', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { type: string; default: unknown; markdownDescription?: string }> } };
    };
    const s = pkg.contributes.configuration.properties['arraylens.nodeProbe'];
    assert.ok(s, 'arraylens.nodeProbe is not in contributes.configuration');
    assert.equal(s.type, 'string');
    assert.equal(s.default, '');
    assert.match(s.markdownDescription ?? '', /`off` turns it off/);
    assert.match(fs.readFileSync(path.join(ROOT, 'extension', 'extension.ts'), 'utf8'), /getConfiguration\('arraylens'\)\.get\('nodeProbe'\)/, 'the extension reads it');
  });

  it('maps onto ARRAYLENS_NODE_PROBE: empty keeps the environment, off is 0, a path is that path', () => {
    assert.equal(nodeProbeEnv('', undefined), undefined);
    assert.equal(nodeProbeEnv('', '/from/env.node'), '/from/env.node');
    assert.equal(nodeProbeEnv(undefined, '0'), '0');
    assert.equal(nodeProbeEnv('off', '/from/env.node'), '0');
    assert.equal(nodeProbeEnv(' /x/probe.node ', undefined), '/x/probe.node');
    const env: NodeJS.ProcessEnv = { ARRAYLENS_NODE_PROBE: 'x' };
    applyNodeProbeEnv(env, undefined);
    assert.equal('ARRAYLENS_NODE_PROBE' in env, false);
    applyNodeProbeEnv(env, '0');
    assert.equal(env.ARRAYLENS_NODE_PROBE, '0');
  });

  it('the probe lookup follows a change of the variable (no stale cached answer)', () => {
    const before = process.env.ARRAYLENS_NODE_PROBE;
    try {
      process.env.ARRAYLENS_NODE_PROBE = '0';
      const off = findProbe();
      assert.equal(off.file, null);
      assert.match(off.reason ?? '', /turned off/);
      process.env.ARRAYLENS_NODE_PROBE = path.join(ROOT, 'no-such-probe.node');
      const missing = findProbe();
      assert.equal(missing.file, null);
      assert.match(missing.reason ?? '', /no-such-probe\.node: no such file/, 'the setting changed but the lookup answered from its cache');
    } finally {
      applyNodeProbeEnv(process.env, before);
    }
  });
});
