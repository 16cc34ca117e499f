// The layer arrows of .dependency-cruiser.cjs: the real tree has no violation, and a planted tree with a cycle, an
// upward import, a webview import of the engine and a vscode import below extension/ is refused (the rules can fail).

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/env';

const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  type: string;
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: { name: string }[];
}

/** The violations depcruise reports for `dirs` under `cwd`, one readable line each. */
function cruise(cwd: string, dirs: string[]): string[] {
  const r = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...dirs], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.ok(r.stdout.trim().startsWith('{'), `depcruise ran (exit ${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: Violation[]; error: number } };
  return out.summary.violations.map((v) =>
    v.cycle ? `${v.rule.name}: ${v.from} -> ${v.cycle.map((c) => c.name).join(' -> ')}` : `${v.rule.name}: ${v.from} -> ${v.to}`,
  );
}

describe('layer arrows (dependency-cruiser)', () => {
  it('the tree has no import cycle and no import against the arrows', () => {
    const found = cruise(ROOT, ['src', 'extension', 'webview']);
    assert.deepEqual(found, [], `dependency rules broken (see .dependency-cruiser.cjs):\n  ${found.join('\n  ')}`);
  });

  it('a planted cycle, upward import, webview import and vscode import are each reported', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-layers-'));
    const put = (file: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    put('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node', strict: true } }));
    put('src/core/a.ts', "import { b } from './b';\nexport const a = (): number => b() + 1;\n");
    put('src/core/b.ts', "import type { a } from './a';\nexport const b = (): number => 0;\nexport type A = typeof a;\n");
    put('src/engine/y.ts', 'export const y = 1;\n');
    put('src/core/x.ts', "import { y } from '../engine/y';\nexport const x = y;\n");
    put('src/protocol/p.ts', "import { a } from '../core/a';\nexport const p = a;\n");
    put('src/leaks/v.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n");
    put('webview/w.ts', "import { y } from '../src/engine/y';\nimport { p } from '../src/protocol/p';\nexport const w = y + p();\n");
    try {
      const found = cruise(dir, ['src', 'webview']).sort();
      const cycles = found.filter((l) => l.startsWith('no-circular:'));
      assert.equal(cycles.length, 1, found.join('\n'));
      assert.match(cycles[0], /^no-circular: src\/core\/(a|b)\.ts -> src\/core\/(b|a)\.ts -> src\/core\/\1\.ts$/);
      assert.deepEqual(
        found.filter((l) => !l.startsWith('no-circular:')),
        [
          'layer-src-core: src/core/x.ts -> src/engine/y.ts',
          'no-vscode-below-extension: src/leaks/v.ts -> vscode',
          'webview-only-protocol-and-core: webview/w.ts -> src/engine/y.ts',
        ],
        found.join('\n'),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
