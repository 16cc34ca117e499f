// Colour images in the Array Inspector, in real headless Chromium: uint8 H×W×3/4 arrays of a real NumPy program
// (our adapter over debugpy) open as RGB(A) pictures, BGR on request, alpha kept, only the visible tiles read.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { DapClient } from '../../src/rpc/dapClient';
import type { DapArraySource } from '../../src/engine/arraySource';
import type { InspectorHost } from '../../src/inspector/inspectorHost';
import { fixture, waitNoProcess } from '../helpers/env';
import { ARTIFACTS, InspectorPage, ensureBundles, launchBrowser, launchStopped, openInspectorPage, serveInspector } from './webviewHarness';

const FIXTURE = fixture('python', 'inspector_images.py');

let dap: DapClient;
let source: DapArraySource;
let frameId = 0;
let server: http.Server;
let origin = '';
let browser: Browser;
const hosts: InspectorHost[] = [];

before(async () => {
  ensureBundles();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  ({ dap, source, frameId } = await launchStopped(FIXTURE, ['# BREAK']));
  ({ server, origin } = await serveInspector());
  browser = await launchBrowser();
});

after(async () => {
  for (const h of hosts) h.dispose();
  await browser?.close();
  server?.close();
  await dap?.close();
  assert.deepEqual(await waitNoProcess(FIXTURE), [], 'the debuggee must not outlive the session');
});

async function openInspector(expr: string): Promise<InspectorPage> {
  const i = await openInspectorPage(browser, origin, source, frameId, expr);
  hosts.push(i.host);
  await i.page.waitForFunction(() => /kernels/.test(document.getElementById('stats-caption')?.textContent ?? ''));
  return i;
}

/** Waits until every tile in view is drawn (two frames after any change, so that the change is drawn first). */
async function drawn(page: Page): Promise<void> {
  const frames = (): Promise<unknown> => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await frames();
  await page.waitForFunction(() => {
    const t = document.getElementById('heatmap')?.dataset.tiles?.split('/');
    return t && t[0] === t[1] && t[1] !== '0';
  });
  await frames();
}

/** RGBA of the canvas pixel at the centre of plane element (r, c) (the canvas's own pixels: alpha as drawn). */
async function pixelOf(page: Page, r: number, c: number): Promise<number[]> {
  await drawn(page);
  return page.evaluate(
    ([r, c]) => {
      const cv = document.getElementById('heatmap') as HTMLCanvasElement;
      const s = Number(cv.dataset.scale);
      const x = Math.floor((c + 0.5 - Number(cv.dataset.ox)) * s);
      const y = Math.floor((r + 0.5 - Number(cv.dataset.oy)) * s);
      return Array.from(cv.getContext('2d')!.getImageData(x, y, 1, 1).data);
    },
    [r, c] as const,
  );
}

const count = (requests: string[], method: string): number => requests.filter((m) => m === method).length;

test('uint8 H×W×3 opens as an RGB image: red, green and blue where NumPy put them; BGR swaps red and blue; one read per channel', async () => {
  const { page, requests, consoleErrors } = await openInspector('rgb');
  assert.equal(await page.getAttribute('#mode-heatmap', 'aria-pressed'), 'true');
  const meta = await page.textContent('#meta');
  assert.match(meta ?? '', /uint8 · shape \(24, 32, 3\)/);
  assert.equal(await page.inputValue('#channels'), '2', `the last axis is shown as colour channels without asking (${meta})`);
  assert.equal(await page.inputValue('#channel-order'), 'rgb', 'a NumPy array is taken as RGB');
  assert.ok(await page.locator('#channel-order').isVisible(), 'the RGB/BGR choice is offered');
  assert.ok(await page.locator('#colorbar').isHidden(), 'no colour bar for a colour image');
  assert.deepEqual(await pixelOf(page, 2, 2), [255, 0, 0, 255], 'red left half');
  assert.deepEqual(await pixelOf(page, 2, 20), [0, 255, 0, 255], 'green right half');
  assert.deepEqual(await pixelOf(page, 5, 5), [0, 0, 255, 255], 'blue square');
  // The one tile in view, all three channels of it, nothing else.
  assert.equal(count(requests, 'readTile'), 3, `requests: ${requests}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-images-rgb.png') });

  await page.selectOption('#channel-order', 'bgr');
  assert.deepEqual(await pixelOf(page, 2, 2), [0, 0, 255, 255], 'BGR: channel 0 (255) is blue');
  assert.deepEqual(await pixelOf(page, 5, 5), [255, 0, 0, 255], 'BGR: channel 2 (255) is red');
  assert.deepEqual(await pixelOf(page, 2, 20), [0, 255, 0, 255], 'green stays green');
  assert.equal(count(requests, 'readTile'), 3, 'the order is applied to the tiles at hand, nothing read again');
  // The readout names the pixel (all channels) and the order its values are in.
  const box = (await page.locator('#heatmap').boundingBox())!;
  const at = await page.evaluate(() => {
    const d = document.getElementById('heatmap')!.dataset;
    return { s: Number(d.scale), ox: Number(d.ox), oy: Number(d.oy) };
  });
  const x = box.x + (5.5 - at.ox) * at.s;
  const y = box.y + (5.5 - at.oy) * at.s;
  for (let i = 0; i < 100 && !/BGR$/.test((await page.textContent('#readout')) ?? ''); i++) await page.mouse.move(x + (i % 2), y);
  assert.equal(await page.textContent('#readout'), 'rgb[5, 5, :] = (0, 0, 255) BGR');
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-images-bgr.png') });

  // Without channels it is a plane of channel 0 through the colormap again (255 is the max: viridis(1) = #fde725).
  await page.selectOption('#channels', '-1');
  assert.ok(await page.locator('#channel-order').isHidden(), 'no order without colour channels');
  assert.deepEqual(await pixelOf(page, 2, 2), [0xfd, 0xe7, 0x25, 255]);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('uint8 H×W×4 opens as an RGBA image whose pixels keep their alpha (transparent over a checkerboard)', async () => {
  const { page, requests, consoleErrors } = await openInspector('rgba');
  assert.equal(await page.inputValue('#channels'), '2');
  assert.deepEqual(await pixelOf(page, 2, 2), [255, 0, 0, 255], 'opaque red');
  assert.deepEqual(await pixelOf(page, 20, 2), [255, 0, 0, 128], 'red at alpha 128');
  assert.deepEqual(await pixelOf(page, 2, 20), [0, 0, 0, 0], 'alpha 0: nothing drawn over the background');
  // The checkerboard behind the canvas covers the image and no more (its box is the image's on the canvas).
  const [box, img] = await page.evaluate(() => {
    const cv = document.getElementById('heatmap') as HTMLCanvasElement;
    const ch = document.getElementById('heat-checker')!;
    const s = Number(cv.dataset.scale);
    return [
      [ch.offsetLeft, ch.offsetTop, ch.offsetWidth, ch.offsetHeight],
      [-Number(cv.dataset.ox) * s, -Number(cv.dataset.oy) * s, 32 * s, 24 * s].map(Math.round),
    ];
  });
  assert.ok(box.every((v, i) => Math.abs(v - img[i]) <= 1), `checkerboard ${box} over the image ${img}`);
  assert.equal(count(requests, 'readTile'), 4, `one read per channel of the tile in view: ${requests}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-images-rgba.png') });
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('other dtypes of the same shape open as today: one plane through the colormap (float32, uint16)', async () => {
  for (const expr of ['planes', 'wide']) {
    const { page } = await openInspector(expr);
    assert.equal(await page.inputValue('#channels'), '-1', `${expr}: no colour channels by default`);
    assert.ok(await page.locator('#channel-order').isHidden());
    assert.ok(await page.locator('#colorbar').isVisible(), `${expr}: colour bar of the colormap`);
    await page.close();
  }
});

test('a 1200×1600 RGB image: zoomed out the host reduces each channel, zoomed in only the tiles in view are read', async () => {
  const { page, requests } = await openInspector('big');
  assert.equal(await page.inputValue('#channels'), '2');
  await drawn(page);
  assert.ok(Number(await page.getAttribute('#heatmap', 'data-step')) > 1, 'fitted: zoomed out');
  // Zoomed out, no element-by-element reads: at most the coarse first picture, one strided sample per channel.
  const sample = count(requests, 'readTile');
  assert.ok(sample === 0 || sample === 3, `zoomed out: ${requests}`);
  const fitTiles = Number((await page.getAttribute('#heatmap', 'data-tiles'))!.split('/')[1]);
  assert.equal(count(requests, 'readOverview'), 3 * fitTiles, 'one overview per channel of each tile in view');
  for (let i = 0; i < 8 && Number(await page.getAttribute('#heatmap', 'data-step')) > 1; i++) {
    await page.click('#zoom-in');
    await drawn(page);
  }
  assert.equal(await page.getAttribute('#heatmap', 'data-step'), '1');
  // The element at the canvas centre is (c % 256, 0, r % 256), as the fixture made it.
  const [r, c] = await page.evaluate(() => {
    const cv = document.getElementById('heatmap') as HTMLCanvasElement;
    const s = Number(cv.dataset.scale);
    return [Math.floor(Number(cv.dataset.oy) + cv.height / 2 / s), Math.floor(Number(cv.dataset.ox) + cv.width / 2 / s)];
  });
  assert.deepEqual(await pixelOf(page, r, c), [c % 256, 0, r % 256, 255], `element [${r}, ${c}]`);
  const inView = Number((await page.getAttribute('#heatmap', 'data-tiles'))!.split('/')[1]);
  const all = Math.ceil(1200 / 256) * Math.ceil(1600 / 256);
  assert.ok(inView < all, `${inView} of ${all} tiles in view`);
  assert.equal(count(requests, 'readTile') - sample, 3 * inView, 'three channels of the tiles in view, no more');
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-images-big-zoomed.png') });
  await page.close();
});
