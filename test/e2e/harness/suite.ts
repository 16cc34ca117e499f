// The before/after every code-server suite shares: a private temp dir, test-only stand-in extensions installed, a
// contained code-server with ArrayLens's .vsix and Chromium started; after, both stopped and no process left behind.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { CodeServer, REPO_ROOT, processesMentioning, sleep, startCodeServer } from './codeServer';
import { installExtension, packageTestExtension } from './extensions';
import { Workbench } from './workbench';

export const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');

export interface SuiteOptions {
  /** The temp dir is arraylens-e2e-<name>-*. */
  name: string;
  log: (line: string) => void;
  /** Files the suite needs, each with what the user runs to get it. */
  requires?: [file: string, hint: string][];
  /** Screenshots in test/artifacts starting with this are removed first (a stale one would read as this run's). */
  artifactsPrefix?: string;
  /** Extension folders (test/e2e/extensions/*) packaged and installed before code-server starts. */
  standIns?: string[];
  /** User settings, given the suite's temp dir. */
  settings?: (tmp: string) => Record<string, unknown>;
}

/** What the suite's tests use; filled in by its before hook. */
export interface Suite {
  tmp: string;
  server: CodeServer;
  browser: BrowserContext;
}

/** Registers the suite's before/after hooks (call it inside describe, before the suite's own hooks). */
export function codeServerSuite(opts: SuiteOptions): Suite {
  const vsix = process.env.ARRAYLENS_VSIX ?? path.join(REPO_ROOT, 'arraylens.vsix');
  const suite = { tmp: '' } as Suite;
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;

  before(async () => {
    assert.ok(fs.existsSync(vsix), `${vsix} missing: run npm run package (or set ARRAYLENS_VSIX)`);
    for (const [file, hint] of opts.requires ?? []) assert.ok(fs.existsSync(file), `${file} missing: ${hint}`);
    suite.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `arraylens-e2e-${opts.name}-`));
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const prefix = opts.artifactsPrefix;
    if (prefix) for (const f of fs.readdirSync(ARTIFACTS)) if (f.startsWith(prefix)) fs.rmSync(path.join(ARTIFACTS, f));
    const root = path.join(suite.tmp, 'code-server');
    // The stand-ins first: startCodeServer installs ArrayLens, then starts; they must be there by then.
    for (const dir of opts.standIns ?? []) installExtension(root, packageTestExtension(dir, suite.tmp));
    suite.server = server = await startCodeServer({ root, vsix, log: opts.log, settings: opts.settings?.(suite.tmp) });
    suite.browser = browser = await launchChromium(path.join(suite.tmp, 'chromium'));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (!suite.tmp) return;
    const left = processesMentioning(suite.tmp);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(300);
    if (process.env.ARRAYLENS_E2E_KEEP !== '1') fs.rmSync(suite.tmp, { recursive: true, force: true });
    assert.deepEqual(left, [], `processes left behind: ${left.join(', ')}`);
  });
  return suite;
}

/**
 * One case on a fresh page of the suite's code-server: `body` gets a Workbench whose screenshots are named
 * `<prefix>-NN-…` and its page; a failure saves a `FAILED` screenshot before it is thrown on; the page is always closed.
 */
export async function onPage(suite: Suite, prefix: string, log: (line: string) => void, body: (wb: Workbench, page: Page) => Promise<void>): Promise<void> {
  const page = await suite.browser.newPage();
  const wb = new Workbench(page, ARTIFACTS, prefix, log);
  try {
    await body(wb, page);
  } catch (e) {
    await wb.screenshot('FAILED').catch(() => undefined);
    throw e;
  } finally {
    await page.close().catch(() => undefined);
  }
}
