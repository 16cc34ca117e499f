// What the webview tests and bench/inspector.ts share: fresh bundles, the CSP page served as VS Code serves it,
// a debuggee stopped under our adapter (real debugpy), and an inspector page wired to an InspectorHost.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Browser, Page, chromium } from 'playwright-core';
import { DapClient } from '../../src/rpc/dapClient';
import { ArraySource, DapArraySource } from '../../src/engine/arraySource';
import { InspectorHost, InspectorSettings } from '../../src/inspector/inspectorHost';
import { inspectorHtml, makeNonce } from '../../extension/inspectorHtml';
import type { ArrayState, HostMessage } from '../../src/protocol/webview';
import { PYTHON, ROOT, markerLine } from '../helpers/env';

export const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Rebuilds a bundle when one of its sources is newer (a test of a stale bundle proves nothing). */
export function ensureBundles(): void {
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }, 0);
  const stale = (bundle: string, dirs: string[]): boolean => {
    const b = path.join(ROOT, 'dist', bundle);
    return !fs.existsSync(b) || fs.statSync(b).mtimeMs < Math.max(...dirs.map((d) => newest(path.join(ROOT, d))));
  };
  const names: string[] = [];
  if (stale('webview.js', ['webview', 'src/core', 'src/protocol']) || !fs.existsSync(path.join(ROOT, 'dist', 'webview.css'))) names.push('webview');
  if (stale('adapter.js', ['src'])) names.push('adapter');
  if (names.length)
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'webpack'), ['--mode', 'production', '--no-stats', ...names.flatMap((n) => ['--config-name', n])], {
      cwd: ROOT,
      stdio: 'inherit',
    });
}

/** A Python program stopped at its first marker under dist/adapter.js (our adapter over real debugpy). */
export interface StoppedProgram {
  dap: DapClient;
  source: DapArraySource;
  threadId: number;
  frameId: number;
}

export async function topFrame(dap: DapClient, threadId: number): Promise<number> {
  const st = await dap.request<{ stackFrames: { id: number }[] }>('stackTrace', { threadId, startFrame: 0, levels: 1 });
  return st.stackFrames[0].id;
}

export async function launchStopped(program: string, markers: string[]): Promise<StoppedProgram> {
  const dap = await DapClient.spawn('arraylens adapter', process.execPath, [path.join(ROOT, 'dist', 'adapter.js')], { ...process.env, ARRAYLENS_PYTHON: PYTHON });
  await dap.request('initialize', { clientID: 'webview-test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const launched = dap.request('launch', { program, python: PYTHON });
  await dap.waitEvent('initialized', 30000);
  await dap.request('setBreakpoints', { source: { path: program }, breakpoints: markers.map((m) => ({ line: markerLine(program, m) })) });
  const stopped = dap.waitEvent<{ threadId: number }>('stopped', 120000);
  await dap.request('configurationDone', {});
  await launched;
  const threadId = (await stopped).threadId;
  return { dap, source: new DapArraySource(dap), threadId, frameId: await topFrame(dap, threadId) };
}

/** Serves the inspector page (same CSP as VS Code's) and dist/ on 127.0.0.1; returns the origin. */
export async function serveInspector(): Promise<{ server: http.Server; origin: string }> {
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        inspectorHtml({
          cspSource: origin,
          nonce: makeNonce(),
          scriptUri: `${origin}/dist/webview.js`,
          styleUri: `${origin}/dist/webview.css`,
          codiconsUri: `${origin}/dist/codicons/codicon.css`,
          title: 'test',
        }),
      );
      return;
    }
    const file = path.join(ROOT, path.normalize(url.pathname));
    if (!file.startsWith(path.join(ROOT, 'dist') + path.sep) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : file.endsWith('.ttf') ? 'font/ttf' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { server, origin };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface InspectorPage {
  page: Page;
  host: InspectorHost;
  problems: string[];
  consoleErrors: string[];
  /** Methods of the requests the webview sent, in order. */
  requests: string[];
  /** The same requests with their parameters. */
  calls: { method: string; params: unknown }[];
  /** Every `state` the host sent the page, in order. */
  states: ArrayState[];
}

/** A page with the inspector for `expr`, its host wired both ways through the typed protocol. */
export async function openInspectorPage(
  browser: Browser,
  origin: string,
  source: ArraySource,
  frameId: number,
  expr: string,
  viewport = { width: 1200, height: 760 },
  settings: InspectorSettings = {},
  /** Holds back the answer to a request by this many ms (e.g. slow overviews), to see what the webview shows meanwhile. */
  delayMs: (method: string) => number = () => 0,
): Promise<InspectorPage> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  const states: ArrayState[] = [];
  const post = (m: HostMessage): void => {
    if (m.type === 'notify' && m.method === 'state') states.push(m.params);
    void page.evaluate((msg) => window.postMessage(msg, '*'), m).catch(() => undefined);
  };
  const host = new InspectorHost(post, expr, 'webview-test', null, (p) => problems.push(p), settings);
  await host.stopped({ source, frameId });
  const requests: string[] = [];
  const calls: { method: string; params: unknown }[] = [];
  await page.exposeFunction('__arraylensHost', (m: unknown) => {
    const r = m as { type?: string; method?: string; params?: unknown };
    const wait = r?.type === 'request' && typeof r.method === 'string' ? delayMs(r.method) : 0;
    if (r?.type === 'request' && typeof r.method === 'string') {
      requests.push(r.method);
      calls.push({ method: r.method, params: r.params });
    }
    if (wait > 0) setTimeout(() => void host.handle(m), wait);
    else void host.handle(m);
  });
  await page.addInitScript(() => {
    (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => (window as unknown as { __arraylensHost: (m: unknown) => void }).__arraylensHost(m),
      getState: () => undefined,
      setState: () => undefined,
    });
  });
  await page.goto(origin);
  await page.waitForFunction((e) => document.getElementById('title')?.textContent === e, expr);
  return { page, host, problems, consoleErrors, requests, calls, states };
}
