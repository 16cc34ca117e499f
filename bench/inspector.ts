// Array Inspector on an 8192 x 8192 float32 image (256 MiB) in real headless Chromium, over our adapter and real
// debugpy: host read + reduce of the fit-to-window overview, first paint after the data arrived, pan frame times.
// Baselines from the same run: one whole-array stats pass over the same bytes, and the 300 ms / 16.7 ms budgets.

import * as path from 'path';
import { fixture } from '../test/helpers/env';
import { ensureBundles, launchBrowser, launchStopped, openInspectorPage, serveInspector } from '../test/e2e/webviewHarness';

function quantile(xs: number[], q: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
}

export async function run(): Promise<void> {
  ensureBundles();
  const program = fixture('python', 'inspector_big.py');
  const prog = await launchStopped(program, ['# BREAK big']);
  const { server, origin } = await serveInspector();
  const browser = await launchBrowser();
  try {
    const { source, frameId } = prog;
    // Baseline: one streaming stats pass over the same 256 MiB through the same transport.
    let t0 = performance.now();
    const st = await source.inspect({ frameId, expr: 'big', stats: { bins: 256 } });
    const statsMs = performance.now() - t0;
    // Host side of one overview: read all 256 MiB in strips and reduce 16 x 16 blocks (the fit level of a ~600 px view).
    t0 = performance.now();
    await source.inspect({ frameId, expr: 'big', reduce: { index: '[0:8192, 0:8192]', transpose: false, factor: 16, mode: 'mean' } });
    const reduceMs = performance.now() - t0;
    console.log(`array: big float32 8192x8192 (256 MiB) via ${st.transport}; stats backend ${st.stats?.backend}`);
    console.log(`host: whole-array stats pass ${statsMs.toFixed(0)} ms (baseline); 16x16 mean overview read+reduce ${reduceMs.toFixed(0)} ms = ${(reduceMs / statsMs).toFixed(2)}x the stats pass`);

    t0 = performance.now();
    const { page } = await openInspectorPage(browser, origin, source, frameId, 'big', { width: 1200, height: 760 });
    const openMs = performance.now() - t0;
    t0 = performance.now();
    await page.waitForFunction(
      () => {
        const c = document.getElementById('heatmap');
        const t = c?.dataset.tiles?.split('/');
        return c?.dataset.paintMs !== undefined && t && t[0] === t[1] && t[1] !== '0';
      },
      undefined,
      { timeout: 300000, polling: 20 },
    );
    const wholeMs = performance.now() - t0 + openMs;
    const fit = await page.evaluate(() => {
      const c = document.getElementById('heatmap')!;
      return {
        paintMs: Number(c.dataset.paintMs),
        step: Number(c.dataset.step),
        tiles: c.dataset.tiles,
        w: c.clientWidth,
        h: c.clientHeight,
        // The page's clock starts when the panel's page starts loading: these are "after the panel opens".
        firstAt: Number(c.dataset.firstPictureAt),
        fullAt: Number(c.dataset.fullPictureAt),
      };
    });
    console.log(
      `after the panel opened: first (coarse) picture ${fit.firstAt.toFixed(0)} ms (budget 300 ms: ${(fit.firstAt / 300).toFixed(2)}x), ` +
        `full resolution of the view ${fit.fullAt.toFixed(0)} ms (budget 800 ms: ${(fit.fullAt / 800).toFixed(2)}x)`,
    );
    console.log(
      `first paint: ${fit.paintMs.toFixed(1)} ms after the last overview tile arrived (budget 300 ms: ${(fit.paintMs / 300).toFixed(2)}x); ` +
        `canvas ${fit.w}x${fit.h}, step ${fit.step}, tiles ${fit.tiles}; page open to full picture ${wholeMs.toFixed(0)} ms (incl. host read + reduce)`,
    );
    await page.screenshot({ path: path.join(__dirname, '..', '..', 'test', 'artifacts', 'bench-inspector-8192.png') });

    // Pan: a synthetic drag of 6 px per frame for 180 frames; our draw time per frame and the frame intervals.
    const pan = async (): Promise<{ draw: number[]; frame: number[] }> =>
      page.evaluate(
        () =>
          new Promise<{ draw: number[]; frame: number[] }>((resolve) => {
            const c = document.getElementById('heatmap')!;
            const r = c.getBoundingClientRect();
            const x0 = r.left + r.width / 2;
            const y0 = r.top + r.height / 2;
            c.dispatchEvent(new MouseEvent('mousedown', { clientX: x0, clientY: y0, bubbles: true }));
            const draw: number[] = [];
            const frame: number[] = [];
            let last = 0;
            let i = 0;
            const tick = (now: number): void => {
              if (i > 0) {
                frame.push(now - last);
                draw.push(Number(c.dataset.drawMs));
              }
              last = now;
              if (i++ >= 180) {
                window.dispatchEvent(new MouseEvent('mouseup'));
                resolve({ draw, frame });
                return;
              }
              const dx = 6 * (i % 120 < 60 ? -i % 60 : (i % 60) - 60);
              c.dispatchEvent(new MouseEvent('mousemove', { clientX: x0 + dx, clientY: y0 + dx / 2, bubbles: true }));
              requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
          }),
      );
    const report = (what: string, r: { draw: number[]; frame: number[] }): void => {
      const over = r.frame.filter((f) => f > 1000 / 60 + 2).length;
      console.log(
        `pan ${what}: draw p50 ${quantile(r.draw, 0.5).toFixed(2)} ms, p95 ${quantile(r.draw, 0.95).toFixed(2)} ms, max ${Math.max(...r.draw).toFixed(2)} ms ` +
          `(budget 16.7 ms: p95 ${(quantile(r.draw, 0.95) / 16.7).toFixed(2)}x); frame interval p50 ${quantile(r.frame, 0.5).toFixed(1)} ms, ` +
          `p95 ${quantile(r.frame, 0.95).toFixed(1)} ms, ${over}/${r.frame.length} frames late`,
      );
    };
    report('at fit (overview tiles)', await pan());
    // One element per pixel: full-resolution 256 x 256 tiles stream in while the view moves.
    await page.evaluate(() => {
      const c = document.getElementById('heatmap')!;
      for (let i = 0; i < 4 && Number(c.dataset.scale) < 1; i++) document.getElementById('zoom-in')!.click();
    });
    await page.waitForFunction(() => Number(document.getElementById('heatmap')!.dataset.step) === 1, undefined, { timeout: 60000 });
    report('at 1 element/px (tiles loading)', await pan());
    await page.close();
  } finally {
    await browser.close();
    server.close();
    await prog.dap.close();
  }
}

if (require.main === module) run().catch((e) => (console.error(e), process.exit(1)));
