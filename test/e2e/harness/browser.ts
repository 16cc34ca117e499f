// Debian's chromium under playwright-core, contained in a temp profile, with the flags measured to work here.

import * as fs from 'fs';
import * as path from 'path';
import { BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium with its profile in `profileDir` and HOME beside it (crash reports and caches stay in the temp tree). */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: apt-get install chromium (scripts/setup.sh installs it as root)`);
  }
  fs.mkdirSync(profileDir, { recursive: true });
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 1000 },
    timeout: 60_000,
    env: {
      ...process.env,
      HOME: path.join(profileDir, 'home'),
      XDG_CONFIG_HOME: path.join(profileDir, 'home', '.config'),
      XDG_CACHE_HOME: path.join(profileDir, 'home', '.cache'),
    },
  });
}
