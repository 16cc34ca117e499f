// The matrices and images C++ code holds, in a real VS Code (code-server + Chromium): a program built here with g++
// against Debian's Eigen and OpenCV (test/fixtures/c/native_images/images.cpp), debugged under the `arraylens` type
// (lldb-dap). The Arrays view lists the cv::Mat images and the Eigen matrix with NumPy's dtype and shape; the inspector
// opens the cv::Mat as a colour image in OpenCV's BGR order (pixels read from its canvas), the BGRA one with its alpha,
// the matrix as a heatmap with its stats. Needs a .vsix (ARRAYLENS_VSIX, else arraylens.vsix): run with
// node --test out/test/e2e/native_images.e2e.js. Screenshots: test/artifacts/native-images-*.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FrameLocator, Locator } from 'playwright-core';
import { REPO_ROOT, sleep } from './harness/codeServer';
import { writeLaunch } from './harness/extensions';
import { Suite, codeServerSuite, onPage } from './harness/suite';
import { InspectorPage, Workbench } from './harness/workbench';
import { markerLine } from '../helpers/env';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'c', 'native_images');
const SRC = path.join(FIXTURE, 'images.cpp');
const EIGEN = '/usr/include/eigen3/Eigen/Dense';
const OPENCV = '/usr/include/opencv4/opencv2/core.hpp';
const log = (line: string): boolean => process.stderr.write(`[e2e-native-images] ${line}\n`);

const rowOf = (rows: string[], name: string): string | undefined => rows.find((t) => t.startsWith(`${name} `));

/** The fixture's folder copied into the suite's temp dir and built there (the debug info names that copy). */
function imagesWorkspace(tmp: string): string {
  const ws = path.join(tmp, 'ws-images');
  fs.mkdirSync(path.join(ws, 'build'), { recursive: true });
  fs.copyFileSync(SRC, path.join(ws, 'images.cpp'));
  execFileSync(
    'nice',
    ['g++', '-g', '-O0', '-I/usr/include/eigen3', '-I/usr/include/opencv4', '-o', path.join(ws, 'build', 'images'), path.join(ws, 'images.cpp'), '-lopencv_core'],
    { stdio: 'inherit' },
  );
  return ws;
}

/** RGBA of the inspector canvas's pixel at the centre of plane element (r, c), once every tile in view is drawn. */
async function pixelOf(frame: FrameLocator, r: number, c: number, timeoutMs = 30_000): Promise<number[]> {
  const canvas = frame.locator('canvas#heatmap');
  const until = Date.now() + timeoutMs;
  let last: number[] | string = 'not read';
  while (Date.now() < until) {
    last = await canvas
      .evaluate(
        (cv: HTMLCanvasElement, [r, c]) => {
          const t = cv.dataset.tiles?.split('/');
          if (!t || t[0] !== t[1] || t[1] === '0') return `tiles ${cv.dataset.tiles}`;
          const s = Number(cv.dataset.scale);
          const x = Math.floor((c + 0.5 - Number(cv.dataset.ox)) * s);
          const y = Math.floor((r + 0.5 - Number(cv.dataset.oy)) * s);
          return Array.from(cv.getContext('2d')!.getImageData(x, y, 1, 1).data);
        },
        [r, c] as const,
        { timeout: 2000 },
      )
      .catch((e: Error) => e.message);
    if (Array.isArray(last)) return last;
    await sleep(200);
  }
  throw new Error(`pixel [${r}, ${c}] of the inspector canvas not drawn within ${timeoutMs} ms (${last})`);
}

/** Waits until pixel (r, c) is `want` (a change of order or panel is drawn on a later frame); returns the last seen. */
async function waitPixel(frame: FrameLocator, r: number, c: number, want: number[], timeoutMs = 30_000): Promise<number[]> {
  const until = Date.now() + timeoutMs;
  let px = await pixelOf(frame, r, c, timeoutMs);
  while (px.join() !== want.join() && Date.now() < until) {
    await sleep(200);
    px = await pixelOf(frame, r, c, timeoutMs);
  }
  return px;
}

/** Moves the pointer over plane element (r, c) of the inspector canvas until the readout matches `re`; returns it. */
async function hoverReadout(frame: FrameLocator, r: number, c: number, re: RegExp, timeoutMs = 20_000): Promise<string> {
  const canvas = frame.locator('canvas#heatmap');
  const until = Date.now() + timeoutMs;
  let last = '';
  for (let i = 0; Date.now() < until; i++) {
    const at = await canvas.evaluate((cv: HTMLCanvasElement) => ({ s: Number(cv.dataset.scale), ox: Number(cv.dataset.ox), oy: Number(cv.dataset.oy) }));
    await canvas.hover({ position: { x: (c + 0.5 - at.ox) * at.s + (i % 2), y: (r + 0.5 - at.oy) * at.s } });
    last = (await frame.locator('#readout').textContent()) ?? '';
    if (re.test(last)) return last;
    await sleep(150);
  }
  throw new Error(`readout over [${r}, ${c}]: '${last}' does not match ${re}`);
}

/** Opens `name` from the Arrays view; waits for its inspector's header to name it and its type, dtype and shape. */
async function openInspector(wb: Workbench, arrays: Locator, name: string, meta: string): Promise<{ frame: FrameLocator; header: string }> {
  await wb.clickInlineAction(wb.treeRow(arrays, name), 'Open in Array Inspector');
  const frame = wb.webview();
  const until = Date.now() + 45_000;
  let header = '';
  while (Date.now() < until) {
    header = await new InspectorPage(wb).headerText().catch(() => '');
    if (header.startsWith(name) && header.includes(meta)) break;
    await sleep(250);
  }
  assert.ok(header.includes(meta), `the inspector of ${name} shows '${meta}': ${JSON.stringify(header)}`);
  return { frame, header };
}

let suite: Suite;

describe('Eigen and OpenCV arrays of a C++ program in code-server: Arrays view and inspector (colour images)', () => {
  suite = codeServerSuite({
    name: 'native-images',
    log,
    requires: [
      [EIGEN, 'apt-get install libeigen3-dev'],
      [OPENCV, 'apt-get install libopencv-dev (or libopencv-core-dev)'],
    ],
    artifactsPrefix: 'native-images-',
  });

  test('cv::Mat BGR and BGRA images and an Eigen::MatrixXf: rows with dtype and shape, colour pixels in the inspector', { timeout: 360_000 }, async () => {
    const ws = imagesWorkspace(suite.tmp);
    writeLaunch(ws, [{ type: 'arraylens', request: 'launch', name: 'ArrayLens: images', program: '${workspaceFolder}/build/images', cwd: '${workspaceFolder}' }]);
    await onPage(suite, 'native-images', log, async (wb) => {
      await wb.open(suite.server.url, ws);
      await wb.openFile('images.cpp');
      const line = markerLine(SRC, '// BREAK');
      await wb.goToLine(line);
      await wb.toggleBreakpoint();
      await wb.startDebuggingAndWaitForStop(120_000);
      assert.equal(await wb.waitForStoppedLine(line), line, 'stopped at BREAK');
      await wb.collapsePanes(['Variables', 'Watch', 'Breakpoints', 'Call Stack']);
      const arrays = await wb.viewPane('Arrays');

      // Rows: name, NumPy dtype and shape, element count (channels are the last axis of a cv::Mat).
      const want: Record<string, string> = {
        photo: 'photo uint8 (48, 64, 3) · 9216 el',
        overlay: 'overlay uint8 (32, 32, 4) · 4096 el',
        heat: 'heat float32 (20, 30) · 600 el',
      };
      const rows = await wb.waitForRows(arrays, (r) => Object.keys(want).every((n) => rowOf(r, n)), 'photo, overlay and heat in the Arrays view', 90_000);
      log(`rows: ${JSON.stringify(rows)}`);
      for (const [name, text] of Object.entries(want)) assert.ok(rowOf(rows, name)!.startsWith(text), `${name}: '${rowOf(rows, name)}' should start with '${text}'`);
      await wb.screenshot('arrays');

      // The cv::Mat opens as a colour image, read as BGR (OpenCV's order): red, green and blue where cv::Scalar put them.
      const photo = await openInspector(wb, arrays, 'photo', 'cv::Mat (3 channels of uint8) · uint8 · shape (48, 64, 3)');
      assert.equal(await photo.frame.locator('#mode-heatmap').getAttribute('aria-pressed'), 'true', 'the image view');
      assert.equal(await photo.frame.locator('#channels').inputValue(), '2', 'the last axis shown as colour channels');
      assert.equal(await photo.frame.locator('#channel-order').inputValue(), 'bgr', 'OpenCV order');
      assert.deepEqual(await pixelOf(photo.frame, 2, 2), [255, 0, 0, 255], 'cv::Scalar(0, 0, 255) is red');
      assert.deepEqual(await pixelOf(photo.frame, 2, 40), [0, 255, 0, 255], 'cv::Scalar(0, 255, 0) is green');
      assert.deepEqual(await pixelOf(photo.frame, 12, 12), [0, 0, 255, 255], 'cv::Scalar(255, 0, 0) is blue');
      // The pointer on the blue square: the readout gives the pixel's three values in the order they are read (BGR).
      const readout = await hoverReadout(photo.frame, 12, 12, /BGR$/);
      assert.equal(readout, 'photo[12, 12, :] = (255, 0, 0) BGR');
      await wb.screenshot('inspector-photo-bgr');
      // Read as RGB instead, the first channel is red: the square turns red, the left half blue.
      await photo.frame.locator('#channel-order').selectOption('rgb');
      assert.deepEqual(await waitPixel(photo.frame, 12, 12, [255, 0, 0, 255]), [255, 0, 0, 255], 'RGB: the blue square reads red');
      assert.deepEqual(await pixelOf(photo.frame, 2, 2), [0, 0, 255, 255], 'RGB: the red half reads blue');
      await wb.screenshot('inspector-photo-as-rgb');

      // BGRA: opaque yellow over a transparent half (the canvas keeps alpha 0 there, the checkerboard shows).
      const overlay = await openInspector(wb, arrays, 'overlay', 'cv::Mat (4 channels of uint8) · uint8 · shape (32, 32, 4)');
      assert.equal(await overlay.frame.locator('#channel-order').inputValue(), 'bgr');
      assert.deepEqual(await waitPixel(overlay.frame, 4, 4, [255, 255, 0, 255]), [255, 255, 0, 255], 'opaque yellow');
      assert.deepEqual(await pixelOf(overlay.frame, 24, 4), [0, 0, 0, 0], 'transparent');
      assert.ok(await overlay.frame.locator('#heat-checker').isVisible(), 'a checkerboard behind the transparent pixels');
      await wb.screenshot('inspector-overlay-bgra');

      // The Eigen matrix: a heatmap (no colour channels) with NumPy's stats of r * 30 + c.
      const heat = await openInspector(wb, arrays, 'heat', 'Eigen::MatrixXf · float32 · shape (20, 30) · strides (4, 80)');
      assert.ok(await heat.frame.locator('#channel-order').isHidden(), 'no colour channels for a matrix');
      const inspector = new InspectorPage(wb);
      await inspector.waitForStat({ key: 'max', value: /^\s*599\s*$/ }, 'heat max');
      await inspector.waitForStat({ key: 'mean', value: /^\s*299\.5\s*$/ }, 'heat mean');
      // viridis: the max (row 19, column 29) is viridis(1) = #fde725, the min viridis(0) = #440154.
      assert.deepEqual(await waitPixel(heat.frame, 19, 29, [0xfd, 0xe7, 0x25, 255]), [0xfd, 0xe7, 0x25, 255], 'max is viridis(1)');
      assert.deepEqual(await pixelOf(heat.frame, 0, 0), [0x44, 0x01, 0x54, 255], 'min is viridis(0)');
      await wb.screenshot('inspector-eigen-heat');
      await wb.stopDebugging();
    });
  });
});
