// `npm run bench`: runs every benchmark module in this folder (each exports `run()`), one after another.

import * as fs from 'fs';
import * as path from 'path';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const modules = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && f !== 'run.js')
    .map((f) => f.replace(/\.js$/, ''))
    .filter((m) => only.length === 0 || only.includes(m))
    .sort();
  for (const m of modules) {
    const mod = require(path.join(__dirname, m)) as { run?: () => Promise<void> }; // eslint-disable-line @typescript-eslint/no-require-imports
    if (typeof mod.run !== 'function') continue;
    console.log(`\n=== bench/${m} ===`);
    await mod.run();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
