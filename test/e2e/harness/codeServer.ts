// A contained code-server for end-to-end tests: its own port, user-data, extensions, config and HOME, the
// .vsix installed through its CLI, and a stop() that ends its whole process group (extension host, adapters).

import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const E2E_CACHE = path.join(REPO_ROOT, '.cache', 'e2e');

export interface CodeServerInstall {
  node: string;
  entry: string;
  version: string;
}

/** Finds the code-server that scripts/setup.d/50-code-server.sh installs; throws what to run if it is missing. */
export function findCodeServer(): CodeServerInstall {
  const node = path.join(E2E_CACHE, 'node24', 'node_modules', 'node', 'bin', 'node');
  const pkgDir = path.join(E2E_CACHE, 'code-server', 'node_modules', 'code-server');
  const entry = path.join(pkgDir, 'out', 'node', 'entry.js');
  if (!fs.existsSync(node) || !fs.existsSync(entry)) {
    throw new Error(
      `code-server is not installed (${path.relative(REPO_ROOT, entry)} or Node 24 missing): ` +
        'run `bash scripts/setup.d/50-code-server.sh` (needs Debian libkrb5-dev and the npm registry)',
    );
  }
  const version = (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  return { node, entry, version };
}

/** The ArrayLens output channel of the code-server started with `root` (CodeServerOptions.root), as written to its logs folder ('' before any line). */
export function arrayLensLog(root: string): string {
  const logs = path.join(root, 'user-data', 'logs');
  if (!fs.existsSync(logs)) return '';
  const files = (fs.readdirSync(logs, { recursive: true }) as string[]).filter((f) => f.endsWith('-ArrayLens.log'));
  return files.map((f) => fs.readFileSync(path.join(logs, f), 'utf8')).join('');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
}

/** GET url; resolves the status code (0 when nothing answers). */
export function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.once('error', () => resolve(0));
  });
}

export interface CodeServerOptions {
  /** Everything of this instance (HOME, XDG dirs, user-data, extensions, config, log) lives under here. */
  root: string;
  vsix?: string;
  /** User settings.json; "chat.disableAIFeatures" is always on (removes ~150 MB of agent processes). */
  settings?: Record<string, unknown>;
  log?: (line: string) => void;
}

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  logFile: string;
  /** Ends code-server and everything it started (extension host, debug adapters, debuggees). */
  stop(): Promise<void>;
}

function containedEnv(root: string, install: CodeServerInstall): NodeJS.ProcessEnv {
  const home = path.join(root, 'home');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    XDG_RUNTIME_DIR: path.join(home, 'run'),
    // Debug adapters of type "runtime: node" run on the node code-server runs on.
    PATH: `${path.dirname(install.node)}:${process.env.PATH ?? ''}`,
  };
  for (const k of ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR'] as const) {
    fs.mkdirSync(env[k]!, { recursive: true, mode: 0o700 });
  }
  delete env.VSCODE_IPC_HOOK_CLI;
  delete env.ELECTRON_RUN_AS_NODE;
  return env;
}

function commonArgs(root: string): string[] {
  return [
    '--user-data-dir',
    path.join(root, 'user-data'),
    '--extensions-dir',
    path.join(root, 'extensions'),
    '--config',
    path.join(root, 'config.yaml'),
  ];
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const install = findCodeServer();
  const log = opts.log ?? (() => undefined);
  fs.mkdirSync(opts.root, { recursive: true });
  const env = containedEnv(opts.root, install);
  const userDir = path.join(opts.root, 'user-data', 'User');
  fs.mkdirSync(userDir, { recursive: true });
  const settings = {
    'chat.disableAIFeatures': true,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'update.mode': 'none',
    'security.workspace.trust.enabled': false,
    'window.restoreWindows': 'none',
    'files.hotExit': 'off',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'remote.autoForwardPorts': false,
    'git.openRepositoryInParentFolders': 'never',
    ...opts.settings,
  };
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify(settings, null, 2));
  fs.writeFileSync(path.join(opts.root, 'config.yaml'), 'auth: none\ncert: false\n');

  if (opts.vsix) {
    const t0 = Date.now();
    const r = spawnSync(install.node, [install.entry, ...commonArgs(opts.root), '--install-extension', opts.vsix, '--force'], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0 || !/successfully installed|already installed/i.test(r.stdout + r.stderr)) {
      throw new Error(`code-server --install-extension ${opts.vsix} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
    log(`installed ${path.basename(opts.vsix)} in ${Date.now() - t0} ms`);
  }

  const port = await freePort();
  const logFile = path.join(opts.root, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const args = [
    install.entry,
    ...commonArgs(opts.root),
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--reconnection-grace-time',
    '15',
    '--ignore-last-opened',
  ];
  // detached: its own process group, so stop() reaches the extension host, adapters and debuggees too.
  const child: ChildProcess = spawn(install.node, args, { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = false;
  child.once('exit', () => (exited = true));
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    for (const [sig, waitMs] of [
      ['SIGTERM', 5000],
      ['SIGKILL', 2000],
    ] as const) {
      if (!groupAlive(pid)) break;
      try {
        process.kill(-pid, sig);
      } catch {
        /* already gone */
      }
      const until = Date.now() + waitMs;
      while (groupAlive(pid) && Date.now() < until) await sleep(100);
    }
  };

  const t0 = Date.now();
  while (Date.now() - t0 < 30_000) {
    if (exited) break;
    if ((await httpStatus(`${url}/healthz`)) === 200) {
      log(`code-server ${install.version} answers on ${url} after ${Date.now() - t0} ms (pid ${pid})`);
      return { url, port, pid, logFile, stop };
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`code-server did not answer on ${url} within 30 s; log:\n${fs.readFileSync(logFile, 'utf8').slice(-4000)}`);
}

/** True while any process of the group led by pid is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids whose command line mentions `needle` (a temp folder of ours): what a stop left behind. */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(needle)) pids.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
