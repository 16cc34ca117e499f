// Test-only extensions for the contained code-server: packaging a stand-in (test/e2e/extensions/*) with vsce and
// installing a second .vsix beside ArrayLens's, and writing a workspace's launch.json.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, findCodeServer } from './codeServer';

/** Packages the extension folder `src` into `dir` with vsce (offline) and returns the .vsix. */
export function packageTestExtension(src: string, dir: string): string {
  const copy = path.join(dir, `${path.basename(src)}-standin`);
  fs.cpSync(src, copy, { recursive: true });
  const out = `${copy}.vsix`;
  execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', out], {
    cwd: copy,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return out;
}

/** Installs a .vsix into the contained code-server under `root` before it starts (startCodeServer installs ArrayLens's). */
export function installExtension(root: string, vsix: string): void {
  const cs = findCodeServer();
  const args = ['--user-data-dir', path.join(root, 'user-data'), '--extensions-dir', path.join(root, 'extensions'), '--config', path.join(root, 'config.yaml')];
  fs.mkdirSync(path.join(root, 'home'), { recursive: true });
  if (!fs.existsSync(path.join(root, 'config.yaml'))) fs.writeFileSync(path.join(root, 'config.yaml'), 'auth: none\ncert: false\n');
  const r = spawnSync(cs.node, [cs.entry, ...args, '--install-extension', vsix, '--force'], {
    env: { ...process.env, HOME: path.join(root, 'home') },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.ok(r.status === 0 && /successfully installed|already installed/i.test(r.stdout + r.stderr), `installing ${vsix}: ${r.stdout}\n${r.stderr}`);
}

/** Writes `ws`/.vscode/launch.json with `configurations`. */
export function writeLaunch(ws: string, configurations: Record<string, unknown>[]): void {
  fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', configurations }, null, 2));
}
