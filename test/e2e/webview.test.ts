// The Array Inspector in real headless Chromium: the built dist/webview.js in the same CSP page VS Code gets,
// talking the typed protocol to a test host that answers from real arrays (our adapter over real debugpy + NumPy).

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { DapClient } from '../../src/rpc/dapClient';
import type { DapArraySource } from '../../src/engine/arraySource';
import { loadKernels } from '../../src/engine/kernels';
import { InspectorHost, InspectorSettings } from '../../src/inspector/inspectorHost';
import type { HostMessage } from '../../src/protocol/webview';
import { PYTHON, fixture, waitNoProcess } from '../helpers/env';
import { execFileSync } from 'node:child_process';
import {
  ARTIFACTS,
  InspectorPage,
  ensureBundles,
  launchBrowser,
  launchStopped,
  openInspectorPage,
  serveInspector,
  topFrame as harnessTopFrame,
} from './webviewHarness';

const FIXTURE = fixture('python', 'inspector_steps.py');

let dap: DapClient;
let source: DapArraySource;
let frameId = 0;
let threadId = 0;
let server: http.Server;
let origin = '';
let browser: Browser;
const hosts: InspectorHost[] = [];

async function topFrame(): Promise<number> {
  return harnessTopFrame(dap, threadId);
}

before(async () => {
  ensureBundles();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  ({ dap, source, threadId, frameId } = await launchStopped(FIXTURE, ['# BREAK first', '# BREAK second']));
  ({ server, origin } = await serveInspector());
  browser = await launchBrowser();
});

after(async () => {
  for (const h of hosts) h.dispose();
  await browser?.close();
  server?.close();
  await dap?.close();
  const left = await waitNoProcess(FIXTURE);
  assert.deepEqual(left, [], 'the debuggee must not outlive the session');
});

type Inspector = InspectorPage;

/** Where the test host "saves" (no dialog) and what it "copied". */
const EXPORTS = path.join(ARTIFACTS, 'export');
const saved: string[] = [];
const copied: string[] = [];
const settings: InspectorSettings = {
  save: async (name, data) => {
    fs.mkdirSync(EXPORTS, { recursive: true });
    const file = path.join(EXPORTS, name);
    fs.writeFileSync(file, data);
    saved.push(file);
    return file;
  },
  copy: async (text) => void copied.push(text),
};

async function openInspector(expr: string): Promise<Inspector> {
  const i = await openInspectorPage(browser, origin, source, frameId, expr, undefined, settings);
  hosts.push(i.host);
  return i;
}

async function waitText(page: Page, selector: string, pred: string | RegExp, timeout = 20000): Promise<string> {
  const handle = await page.waitForFunction(
    ([sel, src, flags]) => {
      const t = document.querySelector(sel)?.textContent ?? '';
      return (flags === null ? t === src : new RegExp(src, flags).test(t)) ? t : null;
    },
    [selector, typeof pred === 'string' ? pred : pred.source, typeof pred === 'string' ? null : pred.flags] as const,
    { timeout },
  );
  return (await handle.jsonValue()) as string;
}

/** Text of grid cell (r, c) once loaded; with `want`, waits (a while) for that text and returns what is there. */
async function cellText(page: Page, r: number, c: number, want?: string): Promise<string> {
  const read = (): Promise<string | null> =>
    page.evaluate(([r, c]) => {
      const cell = document.querySelector(`.grid-cell[data-r="${r}"][data-c="${c}"]`);
      return cell && !cell.classList.contains('loading') ? cell.textContent : null;
    }, [r, c] as const);
  const end = Date.now() + 20000;
  let last: string | null = null;
  while (Date.now() < end) {
    last = await read();
    if (last !== null && (want === undefined || last === want)) return last;
    await new Promise((res) => setTimeout(res, 50));
  }
  return last ?? '(not loaded)';
}

async function expectCell(page: Page, r: number, c: number, want: string): Promise<void> {
  assert.equal(await cellText(page, r, c, want), want, `grid cell [${r}, ${c}]`);
}

/** Moves the pointer to (x, y) until the hover readout matches `re` (tiles may still be loading at first). */
async function hoverReadout(page: Page, x: number, y: number, re: RegExp): Promise<string> {
  const end = Date.now() + 20000;
  let last = '';
  for (let i = 0; Date.now() < end; i++) {
    await page.mouse.move(x + (i % 2), y);
    await page.mouse.move(x, y);
    last = (await page.textContent('#readout')) ?? '';
    if (re.test(last)) return last;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`readout '${last}' does not match ${re}`);
}

/** RGBA of the heatmap pixel at the centre of plane element (r, c), once its tile is drawn. */
async function pixelOf(page: Page, r: number, c: number): Promise<number[]> {
  // A change made just before is drawn on the next frame: let it be drawn before asking whether tiles are complete.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForFunction(() => {
    const t = document.getElementById('heatmap')?.dataset.tiles?.split('/');
    return t && t[0] === t[1] && t[1] !== '0';
  });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
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

async function select(page: Page, id: string, value: string): Promise<void> {
  await page.selectOption(`#${id}`, value);
}

async function setInput(page: Page, id: string, value: string): Promise<void> {
  await page.fill(`#${id}`, value);
  await page.press(`#${id}`, 'Enter');
  await page.dispatchEvent(`#${id}`, 'change');
}

test('heatmap: NaN/±Inf colours, colormap and contrast, colour bar, stats panel (image float32 64×96)', async () => {
  const { page, consoleErrors } = await openInspector('image');
  const caption = await waitText(page, '#stats-caption', /^whole array \(6,144 elements, .* kernels/);
  // The bundled adapter must load the same kernels as the engine here (a bundler can break the addon's require).
  const expected = loadKernels().backend;
  assert.ok(caption.includes(`${expected} kernels`), `stats by '${expected}' kernels expected: ${caption}`);
  assert.equal(await page.textContent('#stats tr[data-key="NaN"] td'), '1');
  assert.equal(await page.textContent('#stats tr[data-key="+Inf"] td'), '1');
  assert.equal(await page.textContent('#stats tr[data-key="−Inf"] td'), '1');
  assert.equal(await page.textContent('#stats tr[data-key="max"] td'), '1');
  assert.deepEqual(await pixelOf(page, 0, 0), [255, 0, 255, 255], 'NaN in its own colour');
  assert.deepEqual(await pixelOf(page, 0, 1), [0, 255, 0, 255], '+Inf in its own colour');
  assert.deepEqual(await pixelOf(page, 0, 2), [0, 229, 255, 255], '−Inf in its own colour');
  // viridis: the array's max (last element, auto contrast over the whole array) is viridis(1) = #fde725.
  assert.deepEqual(await pixelOf(page, 63, 95), [0xfd, 0xe7, 0x25, 255]);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-heatmap-viridis.png') });

  await select(page, 'colormap', 'gray');
  assert.deepEqual(await pixelOf(page, 63, 95), [255, 255, 255, 255], 'gray: max is white');
  const mid = await pixelOf(page, 32, 48);
  assert.ok(mid[0] > 60 && mid[0] < 200 && mid[0] === mid[1] && mid[1] === mid[2], `gray mid-value pixel ${mid}`);
  // Manual contrast [0, 0.25]: everything above 0.25 saturates to white, NaN stays magenta.
  await select(page, 'contrast', 'manual');
  await setInput(page, 'lo', '0');
  await setInput(page, 'hi', '0.25');
  assert.deepEqual(await pixelOf(page, 32, 48), [255, 255, 255, 255], 'manual contrast saturates');
  assert.deepEqual(await pixelOf(page, 0, 0), [255, 0, 255, 255]);
  assert.equal(await page.textContent('#cb-hi'), '0.25');
  await select(page, 'colormap', 'RdBu (diverging)');
  const low = await pixelOf(page, 1, 0);
  assert.ok(low[2] > low[0], `diverging map: low values are blue (${low})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-heatmap-diverging-manual.png') });
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('heatmap zoom and pan: tiles follow the view, hover readout names the element (ramp 300×200)', async () => {
  const { page } = await openInspector('ramp');
  await waitText(page, '#stats-caption', /^whole array \(60,000 elements/);
  assert.equal(await page.textContent('#stats tr[data-key="mean"] td'), '149599.5');
  const box = (await page.locator('#heatmap').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const before = await hoverReadout(page, cx, cy, /^ramp\[\d+, \d+\] = \d+$/);
  const [, r0, c0, v0] = /\[(\d+), (\d+)\] = (\d+)/.exec(before)!.map(Number);
  assert.equal(v0, r0 * 1000 + c0, 'value under the pointer is the ramp value of that index');
  // Zoom in around the pointer: the same element stays under it.
  for (let i = 0; i < 30 && Number(await page.getAttribute('#heatmap', 'data-scale')) < 40; i++) {
    await page.mouse.wheel(0, -100);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
  }
  const zoomed = await hoverReadout(page, cx, cy, /^ramp\[\d+, \d+\] = \d+$/);
  const [, r1, c1] = /\[(\d+), (\d+)\]/.exec(zoomed)!.map(Number);
  assert.ok(Math.abs(r1 - r0) <= 1 && Math.abs(c1 - c0) <= 1, `zoom keeps ${before} under the pointer (got ${zoomed})`);
  const scale = Number(await page.getAttribute('#heatmap', 'data-scale'));
  assert.ok(scale >= 40, `zoomed to values-in-pixels level (scale ${scale})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-heatmap-zoomed.png') });
  // Pan: drag 3 elements to the left -> the element under the pointer is 3 columns further right.
  await page.mouse.down();
  await page.mouse.move(cx - 3 * scale, cy, { steps: 5 });
  await page.mouse.up();
  const panned = await hoverReadout(page, cx, cy, /^ramp\[\d+, \d+\] = \d+$/);
  const [, r2, c2, v2] = /\[(\d+), (\d+)\] = (\d+)/.exec(panned)!.map(Number);
  assert.equal(r2, r1);
  assert.equal(c2, c1 + 3, `pan by 3 elements (${zoomed} -> ${panned})`);
  assert.equal(v2, r2 * 1000 + c2);
  // Zoom far out: each pixel is the host-computed mean of a 2^k × 2^k block, and the readout says which block.
  await page.click('#zoom-fit');
  await setInput(page, 'precision', '12');
  for (let i = 0; i < 3; i++) await page.click('#zoom-out');
  await page.waitForFunction(() => Number(document.getElementById('heatmap')!.dataset.step) >= 4);
  const fitBox = (await page.locator('#heatmap').boundingBox())!;
  const out = await hoverReadout(page, fitBox.x + fitBox.width / 2, fitBox.y + fitBox.height / 2, /^ramp\[\d+, \d+\] = [\d.]+ \(mean of the \d+×\d+ block from here\)$/);
  const [, r3, c3, v3, s3] = /\[(\d+), (\d+)\] = ([\d.]+) \(mean of the (\d+)/.exec(out)!.map(Number);
  assert.ok(r3 + s3 <= 300 && c3 + s3 <= 200, `a whole block in the middle (${out})`);
  assert.equal(v3, (r3 + (s3 - 1) / 2) * 1000 + c3 + (s3 - 1) / 2, `block mean of ramp (${out})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-heatmap-zoomed-out.png') });
  await page.close();
});

test('zoomed out: overviews reduced on the host (mean, min, max of each block), not every n-th element (checker 1024×1536)', async () => {
  const { page, requests, calls, states } = await openInspector('checker');
  await waitText(page, '#stats-caption', /^whole array \(1,572,864 elements, /);
  await select(page, 'colormap', 'gray');
  await page.waitForFunction(() => Number(document.getElementById('heatmap')!.dataset.step) >= 2);
  const step = Number(await page.getAttribute('#heatmap', 'data-step'));
  // Sampling every step-th element of a 0/1 checkerboard would see only 0 (black); the block mean is 0.5 (mid grey).
  const mid = await pixelOf(page, 512, 768);
  assert.ok(mid[0] > 100 && mid[0] < 160 && mid[0] === mid[1], `mean overview is mid grey (${mid})`);
  const box = (await page.locator('#heatmap').boundingBox())!;
  await hoverReadout(page, box.x + box.width / 2, box.y + box.height / 2, new RegExp(`^checker\\[\\d+, \\d+\\] = 0\\.5 \\(mean of the ${step}×${step} block`));
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-overview-mean.png') });
  // Zoomed out, only overviews are asked for; the one strided sample of the whole plane (the coarse first picture)
  // came with the state, so the webview asked for no tile at all.
  const tiles = calls.filter((c) => c.method === 'readTile').map((c) => (c.params as { index: string }).index);
  assert.ok(requests.includes('readOverview'), `overviews asked for: ${requests}`);
  assert.deepEqual(tiles, [], 'no readTile: the sample came with the state');
  const sent = states.at(-1)?.preview;
  assert.deepEqual([sent?.index, sent?.transpose, sent?.tile.shape], ['[0:1024:8, 0:1536:8]', false, [128, 192]], 'the state carried every 8th element');
  await select(page, 'overview-mode', 'max');
  assert.deepEqual(await pixelOf(page, 512, 768), [255, 255, 255, 255], 'max of each block: white');
  await select(page, 'overview-mode', 'min');
  assert.deepEqual(await pixelOf(page, 512, 768), [0, 0, 0, 255], 'min of each block: black');
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-overview-min.png') });
  // Zoomed in to one element per pixel or more, the real elements come back.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
  for (let i = 0; i < 6 && Number(await page.getAttribute('#heatmap', 'data-step')) > 1; i++) await page.click('#zoom-in');
  assert.ok(requests.includes('readTile'));
  const px = await pixelOf(page, 512, 768);
  assert.ok(px[0] === 0 || px[0] === 255, `single elements are 0 or 1 again (${px})`);
  await page.close();
});

test('progressive: a strided sample paints first while the overviews are read, then the overview replaces it (checker 1024×1536)', async () => {
  // The host answers overviews 2 s late (a big array's read): the coarse picture must not wait for them.
  const i = await openInspectorPage(browser, origin, source, frameId, 'checker', undefined, settings, (m) => (m === 'readOverview' ? 2000 : 0));
  hosts.push(i.host);
  const { page } = i;
  await select(page, 'colormap', 'gray');
  const first = Number((await (await page.waitForFunction(() => document.getElementById('heatmap')!.dataset.firstPictureAt)).jsonValue()) as string);
  const during = await page.evaluate(() => ({ tiles: document.getElementById('heatmap')!.dataset.tiles, full: document.getElementById('heatmap')!.dataset.fullPictureAt }));
  assert.equal(during.full, undefined, 'the complete picture is not there yet');
  assert.match(during.tiles ?? '', /^0\/[1-9]/, 'no overview tile has come');
  // Every 8th element of a 0/1 checkerboard is 0: the sample is one flat colour, not the mean's mid grey.
  const sampled = await page.evaluate(() => {
    const cv = document.getElementById('heatmap') as HTMLCanvasElement;
    const s = Number(cv.dataset.scale);
    return Array.from(cv.getContext('2d')!.getImageData(Math.floor((768.5 - Number(cv.dataset.ox)) * s), Math.floor((512.5 - Number(cv.dataset.oy)) * s), 1, 1).data);
  });
  assert.equal(sampled[3], 255, `the sample is drawn (${sampled})`);
  const full = Number((await (await page.waitForFunction(() => document.getElementById('heatmap')!.dataset.fullPictureAt, undefined, { timeout: 30000 })).jsonValue()) as string);
  assert.ok(full - first > 1000, `first picture at ${first} ms, complete at ${full} ms: the first did not wait for the overviews`);
  const mid = await pixelOf(page, 512, 768);
  assert.ok(mid[0] > 100 && mid[0] < 160 && mid[0] === mid[1], `then the mean overview, mid grey (${mid})`);
  assert.notDeepEqual(mid, sampled, 'the overview replaced the sample');
  await page.close();
});

test('image modes: RGB / RGBA from an axis of size 3 or 4 (uint8 0-255, float 0-1), channels first or last', async () => {
  const { page } = await openInspector('rgb8');
  await waitText(page, '#stats-caption', /kernels/);
  // uint8 H × W × 3 opens as a colour image (webview_images.test.ts has more); float and channels-first do not.
  assert.equal(await page.inputValue('#channels'), '2');
  assert.equal(await page.locator('#fix-2').count(), 0, 'the channel axis has no slider while shown as colour');
  assert.deepEqual(await pixelOf(page, 2, 2), [255, 0, 0, 255], 'red half');
  assert.deepEqual(await pixelOf(page, 2, 40), [0, 255, 0, 255], 'green half');
  assert.deepEqual(await pixelOf(page, 10, 10), [0, 0, 255, 255], 'blue square');
  const box = (await page.locator('#heatmap').boundingBox())!;
  const s = Number(await page.getAttribute('#heatmap', 'data-scale'));
  const ox = Number(await page.getAttribute('#heatmap', 'data-ox'));
  const oy = Number(await page.getAttribute('#heatmap', 'data-oy'));
  await hoverReadout(page, box.x + (10.5 - ox) * s, box.y + (10.5 - oy) * s, /^rgb8\[10, 10, :\] = \(0, 0, 255\) RGB$/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-image-rgb8.png') });
  await page.close();

  const f = await openInspector('rgbf');
  assert.equal(await f.page.inputValue('#channels'), '-1');
  await select(f.page, 'channels', '2');
  assert.deepEqual(await pixelOf(f.page, 5, 5), [51, 102, 153, 255], 'float RGBA 0-1');
  await f.page.screenshot({ path: path.join(ARTIFACTS, 'webview-image-rgba-float.png') });
  await f.page.close();

  const c = await openInspector('chw');
  await select(c.page, 'channels', '0');
  assert.deepEqual(await pixelOf(c.page, 10, 10), [0, 0, 255, 255], 'channels-first blue square');
  assert.deepEqual(await pixelOf(c.page, 2, 40), [0, 255, 0, 255]);
  await c.page.close();
});

test('percentile contrast (p1-p99 from the engine); histogram labelled whole-array when the image is decimated', async () => {
  const { page } = await openInspector('skewed');
  await waitText(page, '#stats-caption', /kernels/);
  assert.equal(await page.inputValue('#hi'), '1000000000', 'min/max contrast is wrecked by the outlier');
  await select(page, 'contrast', 'percentile');
  await page.waitForFunction(() => (document.getElementById('hi') as HTMLInputElement).value === '989.01');
  assert.equal(await page.inputValue('#lo'), '9.99');
  assert.equal(await page.textContent('#cb-hi'), '989.01');
  // gray: element 500 sits near the middle of p1..p99.
  await select(page, 'colormap', 'gray');
  const mid = await pixelOf(page, 12, 20);
  assert.ok(mid[0] > 100 && mid[0] < 160, `mid value is mid grey under p1-p99 (${mid})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-percentile-contrast.png') });
  assert.equal(await page.textContent('#hist-note'), 'statistics and histogram: whole array');
  await page.close();

  const big = await openInspector('checker');
  await waitText(big.page, '#hist-note', /^statistics and histogram: whole array; the image is decimated \(mean of \d+×\d+ blocks\)$/);
  assert.match((await big.page.textContent('#stats-caption'))!, /^whole array \(1,572,864 elements/);
  await big.page.close();
});

/** Canvas x of element i of the line plot, and whether any pixel of column x inside the plot area is drawn. */
async function plotColumn(page: Page, i: number): Promise<{ x: number; drawn: boolean; below: number[] }> {
  await page.waitForFunction(() => document.getElementById('lineplot')?.dataset.points !== undefined);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return page.evaluate((i) => {
    const c = document.getElementById('lineplot') as HTMLCanvasElement;
    const d = c.dataset;
    const n = Number(d.points);
    const x = Math.round(Number(d.left) + (i / Number(d.factor) / (n - 1)) * (Number(d.right) - Number(d.left)));
    const top = Number(d.top);
    const bottom = Number(d.bottom);
    const col = c.getContext('2d')!.getImageData(x, top, 1, bottom - top).data;
    let drawn = false;
    for (let k = 3; k < col.length; k += 4) if (col[k] > 0) drawn = true;
    return { x, drawn, below: Array.from(c.getContext('2d')!.getImageData(x, bottom + 2, 1, 1).data) };
  }, i);
}

test('line plot of 1-D data: NaN gaps, hover readout, min/max envelope for long arrays', async () => {
  const { page } = await openInspector('wave');
  await page.waitForSelector('#mode-plot[aria-pressed="true"]');
  assert.equal((await plotColumn(page, 50)).drawn, true, 'the line is drawn at element 50');
  assert.equal((await plotColumn(page, 300)).drawn, true);
  for (const i of [102, 105, 107]) {
    const col = await plotColumn(page, i);
    assert.equal(col.drawn, false, `NaN gap at element ${i}`);
    assert.deepEqual(col.below, [255, 0, 255, 255], `NaN marked under the axis at ${i}`);
  }
  const col = await plotColumn(page, 250);
  const box = (await page.locator('#lineplot').boundingBox())!;
  const want = String(Number(Math.sin((4 * Math.PI * 250) / 499).toPrecision(6)));
  await hoverReadout(page, box.x + col.x, box.y + box.height / 2, new RegExp(`^wave\\[250\\] = ${want.replace('.', '\\.')}$`));
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-lineplot.png') });
  await page.close();

  const long = await openInspector('longwave');
  await long.page.waitForSelector('#mode-plot[aria-pressed="true"]');
  assert.equal((await plotColumn(long.page, 150_000)).drawn, true);
  assert.ok(Number(await long.page.getAttribute('#lineplot', 'data-factor')) >= 64, 'long arrays come as block min/max');
  assert.ok(long.requests.includes('readOverview') && !long.requests.includes('readTile'), `${long.requests}`);
  const lbox = (await long.page.locator('#lineplot').boundingBox())!;
  await hoverReadout(long.page, lbox.x + lbox.width / 2, lbox.y + lbox.height / 2, /^longwave\[\d+\] = -?[\d.e-]+ … -?[\d.e-]+ \(min, max of elements \d+…\d+\)$/);
  await long.page.screenshot({ path: path.join(ARTIFACTS, 'webview-lineplot-envelope.png') });
  await long.page.close();
});

test('compare with another expression: counts, max |a−b| and where, allclose with editable tolerances, difference image', async () => {
  const { page } = await openInspector('a1');
  await waitText(page, '#stats-caption', /kernels/);
  await select(page, 'compare-with', 'expr');
  await page.fill('#compare-expr', 'a2');
  await page.click('#compare-run');
  await waitText(page, '#compare-verdict', 'allclose: no (rtol 0.00001, atol 1e-8)');
  assert.equal(await page.textContent('#compare-result tr[data-key="differing"] td'), '2 of 768');
  assert.equal(await page.textContent('#compare-result tr[data-key="notClose"] td'), '2');
  const a1020 = (10 * 32 + 20) / (24 * 32 - 1);
  assert.equal(await page.textContent('#compare-result tr[data-key="maxAbs"] td'), String(Number((5 - a1020).toPrecision(8))));
  assert.equal(await page.textContent('#compare-result tr[data-key="maxAbsIndex"] td'), '[10, 20]');
  assert.equal(await page.textContent('#compare-status'), 'a1 (stop 1) vs a2 (stop 1), shape (24, 32)');
  // The difference image: a1 − a2 is about −4.5 at [10, 20] (strong blue in RdBu, low end), 0 elsewhere (white-ish).
  const px = (r: number, c: number): Promise<number[]> =>
    page.evaluate(([r, c]) => Array.from((document.getElementById('diff') as HTMLCanvasElement).getContext('2d')!.getImageData(c, r, 1, 1).data), [r, c] as const);
  const hot = await px(10, 20);
  assert.ok(hot[2] > hot[0] + 60, `difference pixel is blue (${hot})`);
  const calm = await px(0, 0);
  assert.ok(calm[0] > 230 && calm[1] > 230 && calm[2] > 230, `equal elements are white (${calm})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-compare.png') });
  // Looser tolerances: atol 10 makes them allclose (the host re-evaluates on the arrays it already read).
  await setInput(page, 'atol', '10');
  await waitText(page, '#compare-verdict', 'allclose: yes (rtol 0.00001, atol 10)');
  assert.equal(await page.textContent('#compare-result tr[data-key="notClose"] td'), '0');
  // A different shape is refused with the reason.
  await page.fill('#compare-expr', 'cube');
  await page.click('#compare-run');
  await waitText(page, '#compare-status', /compare failed: shapes differ: a1 \(stop 1\) is \(24, 32\), cube \(stop 1\) is \(4, 5, 6\)/);
  // A bad tolerance never reaches the host.
  await page.fill('#rtol', '-1');
  await page.click('#compare-run');
  await waitText(page, '#compare-status', 'rtol and atol must be numbers ≥ 0');
  await page.close();
});

test('pin: the panel follows another expression from now on', async () => {
  const { page, host } = await openInspector('a1');
  await waitText(page, '#stats-caption', /kernels/);
  await page.fill('#pin-expr', 'cube');
  await page.press('#pin-expr', 'Enter');
  await waitText(page, '#title', 'cube');
  assert.equal(host.expr, 'cube');
  assert.match((await page.textContent('#meta'))!, /int32 · shape \(4, 5, 6\)/);
  await page.fill('#pin-expr', 'no_such_name');
  await page.press('#pin-expr', 'Enter');
  await waitText(page, '#error-text', /no_such_name/);
  await page.close();
});

test('export: .npy of the displayed slice (read back by NumPy), PNG of the image, CSV and NumPy literal of the visible cells', async () => {
  const { page } = await openInspector('cube');
  await page.fill('#fix-num-0', '2');
  await page.dispatchEvent('#fix-num-0', 'change');
  await page.click('#export-npy');
  await waitText(page, '#readout', /^saved cube\[2, :, :\] to .*cube\[2,_,_\]\.npy$/);
  const npy = saved[saved.length - 1];
  const check = execFileSync(PYTHON, ['-c', `import numpy as np; a = np.load(${JSON.stringify(npy)}); b = np.arange(120, dtype=np.int32).reshape(4, 5, 6)[2]; print(a.dtype, a.shape, bool((a == b).all()))`], { encoding: 'utf8' });
  assert.equal(check.trim(), 'int32 (5, 6) True', 'NumPy reads back the slice');

  await page.click('#export-png');
  await waitText(page, '#readout', /^saved the image to .*cube\.png$/);
  const png = fs.readFileSync(saved[saved.length - 1]);
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
  const cv = await page.evaluate(() => [(document.getElementById('heatmap') as HTMLCanvasElement).width, (document.getElementById('heatmap') as HTMLCanvasElement).height]);
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], cv, 'PNG of the canvas as shown');

  await page.click('#mode-grid');
  await expectCell(page, 0, 0, '60');
  await page.click('#export-csv');
  await waitText(page, '#readout', /^saved 5×6 visible cells to .*cube\.csv$/);
  const csv = fs.readFileSync(saved[saved.length - 1], 'utf8').trim().split('\n');
  assert.equal(csv[0], ',0,1,2,3,4,5');
  assert.equal(csv[1], '0,60,61,62,63,64,65');
  assert.equal(csv.length, 6);
  await page.click('#copy-numpy');
  await waitText(page, '#readout', 'copied 5×6 visible cells as a NumPy literal');
  const lit = copied[copied.length - 1];
  assert.ok(lit.startsWith('np.array([[60, 61, 62, 63, 64, 65],'), lit);
  assert.ok(lit.endsWith('dtype=np.int32)'), lit);
  const back = execFileSync(PYTHON, ['-c', `import numpy as np; a = ${lit}; print(a.dtype, a.shape, int(a.sum()))`], { encoding: 'utf8' });
  assert.equal(back.trim(), `int32 (5, 6) ${Array.from({ length: 30 }, (_, i) => 60 + i).reduce((x, y) => x + y)}`);
  await page.close();

  // Floats: shortest digits that read back the same float32, NaN/Inf as np.nan/np.inf.
  const img = await openInspector('image');
  await img.page.click('#mode-grid');
  await cellText(img.page, 0, 0, 'nan');
  await img.page.click('#copy-numpy');
  await waitText(img.page, '#readout', /^copied \d+×\d+ visible cells/);
  const f = copied[copied.length - 1];
  assert.ok(f.startsWith('np.array([[np.nan, np.inf, -np.inf, '), f.slice(0, 80));
  const ok = execFileSync(PYTHON, ['-c', `import numpy as np\nfrom numpy import *\na = ${f}\nb = np.linspace(0.0, 1.0, 64 * 96, dtype=np.float32).reshape(64, 96)\nb[0, :3] = [np.nan, np.inf, -np.inf]\nr, c = a.shape\nprint(bool(np.array_equal(a, b[:r, :c], equal_nan=True)))`], { encoding: 'utf8' });
  assert.equal(ok.trim(), 'True', 'float32 values round-trip exactly');
  await img.page.close();
});

test('access: keyboard navigation in the grid, names for every control, high-contrast theme', async () => {
  const { page } = await openInspector('ramp');
  await page.click('#mode-grid');
  await expectCell(page, 0, 0, '0');
  await page.focus('#grid');
  const active = async (): Promise<[number, number]> =>
    page.evaluate(() => [Number(document.getElementById('grid')!.dataset.activeR), Number(document.getElementById('grid')!.dataset.activeC)] as [number, number]);
  /** Presses `key` and checks where the active cell went. */
  const press = async (key: string, to: [number, number]): Promise<void> => {
    await page.keyboard.press(key);
    assert.deepEqual(await active(), to);
  };
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await active(), [2, 1]);
  await waitText(page, '#readout', 'ramp[2, 1] = 2001');
  assert.equal(await page.getAttribute('#grid', 'aria-activedescendant'), 'grid-active');
  assert.equal(await page.textContent('#grid-active'), '2001');
  assert.equal(await page.getAttribute('#grid-active', 'aria-selected'), 'true');
  await press('End', [2, 199]);
  await expectCell(page, 2, 199, '2199');
  await waitText(page, '#readout', 'ramp[2, 199] = 2199');
  await press('Home', [2, 0]);
  await page.keyboard.press('PageDown');
  const [pr] = await active();
  assert.ok(pr > 10, `PageDown moves a page (${pr})`);
  await press('Control+End', [299, 199]);
  await expectCell(page, 299, 199, '299199');
  await waitText(page, '#grid-active', '299199');
  await press('Control+Home', [0, 0]);
  await waitText(page, '#grid-active', '0');
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-grid-keyboard.png') });
  // Every control and picture has a name a screen reader can say.
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll('button, select, input, canvas, [role="grid"]')]
      .filter((e) => !(e as HTMLElement).hidden && (e as HTMLElement).offsetParent !== null)
      .filter((e) => !(e.getAttribute('aria-label') || (e as HTMLInputElement).labels?.length || e.textContent?.trim() || e.getAttribute('title')))
      .map((e) => e.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unnamed, []);
  // High contrast as VS Code sets it: body class and theme variables. Controls get borders, the active cell the contrast outline.
  await page.evaluate(() => {
    document.body.classList.add('vscode-high-contrast');
    const s = document.documentElement.style;
    s.setProperty('--vscode-editor-background', '#000000');
    s.setProperty('--vscode-foreground', '#ffffff');
    s.setProperty('--vscode-contrastBorder', '#6fc3df');
    s.setProperty('--vscode-contrastActiveBorder', '#f38518');
    s.setProperty('--vscode-list-activeSelectionBackground', '#000000');
    s.setProperty('--vscode-list-activeSelectionForeground', '#ffffff');
  });
  const hc = await page.evaluate(() => {
    const b = getComputedStyle(document.getElementById('mode-grid')!);
    const a = getComputedStyle(document.getElementById('grid-active')!);
    const cell = getComputedStyle(document.querySelector('.grid-cell:not(.active)')!);
    const lum = (rgb: string): number => {
      const [r, g, bl] = rgb.match(/\d+/g)!.slice(0, 3).map((x) => Number(x) / 255).map((x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
    };
    const fg = lum(cell.color);
    const bg = lum(getComputedStyle(document.body).backgroundColor);
    return { border: b.borderTopColor, borderWidth: b.borderTopWidth, outline: a.outlineColor, contrast: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05) };
  });
  assert.equal(hc.border, 'rgb(111, 195, 223)');
  assert.equal(hc.borderWidth, '1px');
  assert.equal(hc.outline, 'rgb(243, 133, 24)');
  assert.ok(hc.contrast >= 7, `cell text contrast ${hc.contrast.toFixed(1)}:1 in high contrast`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-high-contrast.png') });
  await page.close();
});

test('grid: N-d slicing with sliders and the index field, axis swap, number formats (cube int32 4×5×6)', async () => {
  const { page } = await openInspector('cube');
  await page.click('#mode-grid');
  assert.equal(await page.inputValue('#index'), '[0, :, :]');
  await expectCell(page, 2, 3, String(0 * 30 + 2 * 6 + 3));
  await page.fill('#fix-num-0', '2');
  await page.dispatchEvent('#fix-num-0', 'change');
  assert.equal(await page.inputValue('#index'), '[2, :, :]');
  await expectCell(page, 2, 3, String(2 * 30 + 2 * 6 + 3));
  // The index field drives the axes: rows = axis 0, cols = axis 2, axis 1 fixed at 1.
  await setInput(page, 'index', '[:, 1, :]');
  assert.equal(await page.inputValue('#row-axis'), '0');
  assert.equal(await page.inputValue('#col-axis'), '2');
  await expectCell(page, 3, 4, String(3 * 30 + 1 * 6 + 4));
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-grid-slice.png') });
  // Swap: rows = axis 2, cols = axis 0 (the host reads the transposed tile).
  await page.click('#swap-axes');
  assert.equal(await page.inputValue('#row-axis'), '2');
  await expectCell(page, 4, 3, String(3 * 30 + 1 * 6 + 4));
  assert.equal(await page.inputValue('#index'), '[:, 1, :]');
  // Number formats.
  await select(page, 'format', 'hex');
  await expectCell(page, 4, 3, `0x${(100).toString(16)}`);
  await select(page, 'format', 'scientific');
  await setInput(page, 'precision', '2');
  await expectCell(page, 4, 3, '1.00e+2');
  // A bad index is refused with a message, and the view stays as it was.
  await setInput(page, 'index', '[9, :, :]');
  await waitText(page, '#error-text', /out of bounds for axis 0 with size 4/);
  assert.equal(await page.inputValue('#row-axis'), '2');
  await page.close();
});

test('grid: virtualised in both directions, NaN/Inf as text, complex as re+imj', async () => {
  const { page } = await openInspector('ramp');
  await page.click('#mode-grid');
  await expectCell(page, 0, 0, '0');
  const firstRequests = Number(await page.getAttribute('#grid', 'data-requests'));
  assert.ok(firstRequests >= 1 && firstRequests <= 4, `only visible tiles requested (${firstRequests})`);
  assert.ok((await page.locator('.grid-cell').count()) < 1000, 'only visible cells exist in the DOM');
  await page.evaluate(() => {
    const g = document.getElementById('grid')!;
    g.scrollTop = g.scrollHeight;
    g.scrollLeft = g.scrollWidth;
  });
  await expectCell(page, 299, 199, '299199');
  const requests = Number(await page.getAttribute('#grid', 'data-requests'));
  assert.ok(requests <= firstRequests + 4, `scrolling to the corner fetched only the tiles there (${requests})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-grid-corner.png') });
  await page.close();

  const img = await openInspector('image');
  await img.page.click('#mode-grid');
  assert.deepEqual([await cellText(img.page, 0, 0), await cellText(img.page, 0, 1), await cellText(img.page, 0, 2)], ['nan', 'inf', '-inf']);
  await img.page.close();

  const z = await openInspector('z');
  await z.page.click('#mode-grid');
  await expectCell(z.page, 0, 0, '0+5j');
  await expectCell(z.page, 1, 2, '5+0j');
  await expectCell(z.page, 0, 2, '2+3j');
  await z.page.screenshot({ path: path.join(ARTIFACTS, 'webview-grid-complex.png') });
  await z.page.close();
});

test('malformed and hostile messages are rejected with an error shown, never executed', async () => {
  const { page, host, problems } = await openInspector('steady');
  await waitText(page, '#stop', 'stop 1');
  // Host -> webview: wrong shape (unexpected field), unknown method, HTML in a string field.
  await page.evaluate(() => window.postMessage({ type: 'notify', method: 'state', params: { stop: 1, evil: '<img src=x onerror="window.__pwned=1">' } }, '*'));
  await waitText(page, '#error-text', /rejected a malformed message from the host: .*unexpected field|expected/);
  await page.waitForFunction(() => true);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(problems.some((p) => /webview rejected a message/.test(p)), `host told of the rejection: ${problems}`);
  await page.evaluate(() => window.postMessage({ type: 'notify', method: 'eval', params: { code: 'window.__pwned = 1' } }, '*'));
  await waitText(page, '#error-text', /unknown notification method 'eval'/);
  await page.evaluate(() => window.postMessage({ type: 'notify', method: 'error', params: { message: '<img src=x onerror="window.__pwned=1">' } }, '*'));
  await waitText(page, '#error-text', '<img src=x onerror="window.__pwned=1">');
  assert.equal(await page.locator('img').count(), 0, 'host text is never parsed as HTML');
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  // Webview -> host: a request with a hostile index is answered with a protocol error, not read.
  const replies: HostMessage[] = [];
  const probe = new InspectorHost((m) => replies.push(m), 'steady', 't', { source, frameId }, (p) => problems.push(p));
  await probe.handle({ type: 'request', id: 7, method: 'readTile', params: { stop: 0, index: '[__import__("os").system("id")]', transpose: false } });
  await probe.handle({ type: 'request', id: 8, method: 'readTile', params: { stop: 0, index: '[0:4]', transpose: false, extra: 1 } });
  await probe.handle('not even an object');
  assert.equal(replies.length, 3);
  assert.ok(replies.slice(0, 2).every((r) => r.type === 'response' && !r.ok && r.error.code === 'protocol'), JSON.stringify(replies));
  assert.equal(replies[2].type === 'notify' && replies[2].method, 'error');
  await page.screenshot({ path: path.join(ARTIFACTS, 'webview-rejected-message.png') });
  void host;
  await page.close();
});

test('refresh on every stop: new values and "changed since last stop"', async () => {
  const ramp = await openInspector('ramp');
  const steady = await openInspector('steady');
  await ramp.page.click('#mode-grid');
  await expectCell(ramp.page, 0, 0, '0');
  await waitText(ramp.page, '#stop', 'stop 1');
  assert.equal(await ramp.page.textContent('#changed'), '');
  const stopped = dap.waitEvent<{ threadId: number }>('stopped', 30000);
  await dap.request('continue', { threadId });
  threadId = (await stopped).threadId;
  frameId = await topFrame();
  await Promise.all([ramp.host.stopped({ source, frameId }), steady.host.stopped({ source, frameId })]);
  await waitText(ramp.page, '#stop', 'stop 2');
  await waitText(ramp.page, '#changed', 'changed since last stop');
  await expectCell(ramp.page, 0, 0, '-5.5');
  await waitText(ramp.page, '#stats tr[data-key="min"] td', '-5.5');
  await waitText(steady.page, '#changed', 'unchanged since last stop');
  await ramp.page.screenshot({ path: path.join(ARTIFACTS, 'webview-grid-changed.png') });
  // One array at two stops: the host kept stop 1's values.
  await ramp.page.click('#compare-run');
  await waitText(ramp.page, '#compare-verdict', /^allclose: no/);
  assert.equal(await ramp.page.textContent('#compare-status'), 'ramp (stop 2) vs ramp (stop 1), shape (300, 200)');
  assert.equal(await ramp.page.textContent('#compare-result tr[data-key="differing"] td'), '1 of 60000');
  assert.equal(await ramp.page.textContent('#compare-result tr[data-key="maxAbs"] td'), '5.5');
  assert.equal(await ramp.page.textContent('#compare-result tr[data-key="maxAbsIndex"] td'), '[0, 0]');
  await ramp.page.screenshot({ path: path.join(ARTIFACTS, 'webview-compare-stops.png') });
  // History strip: stop 1's picture and stats are kept; stepping back shows them, "live" returns.
  await ramp.page.click('#mode-heatmap');
  await ramp.page.waitForSelector('#history .history-item[data-stop="1"]');
  await ramp.page.click('#history .history-item[data-stop="1"]');
  await waitText(ramp.page, '#history-caption', /^ramp at stop 1 \(kept picture and stats/);
  await waitText(ramp.page, '#stats tr[data-key="min"] td', '0');
  await ramp.page.screenshot({ path: path.join(ARTIFACTS, 'webview-history.png') });
  await ramp.page.click('#history-live');
  await waitText(ramp.page, '#stats tr[data-key="min"] td', '-5.5');
  assert.equal(await ramp.page.isHidden('#history-view'), true);
  // A tile request for the previous stop is refused as stale.
  const replies: HostMessage[] = [];
  const probe = new InspectorHost((m) => replies.push(m), 'ramp', 't', { source, frameId }, () => undefined);
  await probe.stopped({ source, frameId });
  await probe.handle({ type: 'request', id: 1, method: 'readTile', params: { stop: 0, index: '[0:2, 0:2]', transpose: false } });
  assert.ok(replies.some((r) => r.type === 'response' && !r.ok && r.error.code === 'stale'));
  await ramp.page.close();
  await steady.page.close();
});
