// Drives the VS Code workbench in a browser page the way a user does: keyboard shortcuts, the command palette,
// the gutter, views and the Array Inspector webview. Every wait is for something visible, never a fixed delay.

import * as fs from 'fs';
import * as path from 'path';
import { FrameLocator, Locator, Page } from 'playwright-core';
import { sleep } from './codeServer';

export class Workbench {
  private shot = 0;

  constructor(
    readonly page: Page,
    private readonly artifacts: string,
    private readonly prefix: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    fs.mkdirSync(artifacts, { recursive: true });
  }

  /** Opens `folder` in the workbench at `baseUrl` and waits until the editor area and status bar are there. */
  async open(baseUrl: string, folder: string): Promise<void> {
    const t0 = Date.now();
    await this.page.goto(`${baseUrl}/?folder=${encodeURIComponent(folder)}`, { waitUntil: 'domcontentloaded' });
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await this.page.locator('.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    // The explorer shows the folder once the remote file system answers.
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    this.log(`workbench ready in ${Date.now() - t0} ms`);
  }

  async screenshot(step: string): Promise<string> {
    const file = path.join(this.artifacts, `${this.prefix}-${String(++this.shot).padStart(2, '0')}-${step}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** F1, ">title", Enter on the entry whose label is exactly `title` (e.g. "ArrayLens: Refresh Arrays"). */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await input.press('Enter');
    await this.page
      .locator('.quick-input-widget')
      .waitFor({ state: 'hidden' })
      .catch(() => undefined);
  }

  /** Quick Open (Ctrl+P) on a file name; waits for its editor tab to be the active one. */
  async openFile(relPath: string): Promise<void> {
    const name = path.basename(relPath);
    const input = this.page.locator('.quick-input-widget input');
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
    // Quick Open's file search (ripgrep) of a just-opened folder can miss its first query on a loaded machine (seen in
    // CI and with several suites at once): close it and ask again, up to three times, before giving up.
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('Control+P');
      await input.waitFor({ state: 'visible' });
      await input.fill(relPath);
      try {
        await row.waitFor({ timeout: 15_000 });
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
        this.log(`Quick Open did not list ${relPath} (attempt ${attempt}); asking again`);
        await this.page.keyboard.press('Escape');
        await input.waitFor({ state: 'hidden' }).catch(() => undefined);
      }
    }
    await input.press('Enter');
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 15_000 });
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
  }

  /** Ctrl+G in the active editor, then the line number. */
  async goToLine(line: number): Promise<void> {
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}`);
    await input.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await this.page
      .locator('.statusbar-item', { hasText: new RegExp(`Ln ${line}, Col`) })
      .first()
      .waitFor({ timeout: 10_000 });
  }

  /** F9 on the cursor line; waits for the breakpoint glyph in the gutter. */
  async toggleBreakpoint(): Promise<void> {
    await this.page.keyboard.press('F9');
    await this.page
      .locator('.editor-instance .codicon-debug-breakpoint')
      .first()
      .waitFor({ timeout: 10_000 })
      .catch(() => {
        throw new Error(
          'F9 set no breakpoint: VS Code allows breakpoints only in languages that an installed debugger lists in ' +
            'package.json contributes.breakpoints (e.g. [{"language": "python"}])',
        );
      });
  }

  /** F5 runs the selected launch configuration; waits until the debuggee stops (top frame highlighted). */
  async startDebuggingAndWaitForStop(timeoutMs = 90_000): Promise<void> {
    const t0 = Date.now();
    await this.page.keyboard.press('F5');
    await this.waitForStop(timeoutMs);
    this.log(`stopped ${Date.now() - t0} ms after F5`);
  }

  /** Waits for the top-frame highlight; fails at once with its text when an error dialog or toast shows up. */
  async waitForStop(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    const stopped = this.page.locator('.monaco-editor .debug-top-stack-frame-line');
    while (Date.now() < until) {
      if ((await stopped.count()) > 0) return;
      const problem = await this.visibleError();
      if (problem) throw new Error(`the debug session failed instead of stopping: ${problem}`);
      await sleep(200);
    }
    throw new Error(`no stop within ${timeoutMs} ms (no error shown either)`);
  }

  /** Text of a visible error dialog or error notification, if any. */
  async visibleError(): Promise<string | null> {
    const dialog = this.page.locator('.monaco-dialog-box');
    if (await dialog.isVisible().catch(() => false)) return (await dialog.innerText()).replace(/\s+/g, ' ').trim();
    const toast = this.page.locator('.notifications-toasts .notification-toast', { has: this.page.locator('.codicon-error') });
    if ((await toast.count()) > 0) return (await toast.first().innerText()).replace(/\s+/g, ' ').trim();
    return null;
  }

  /** The 1-based line of the top stack frame highlighted in the active editor. */
  async stoppedLine(): Promise<number> {
    const line = await this.page.evaluate(() => {
      const hl = document.querySelector('.monaco-editor .view-overlays .debug-top-stack-frame-line');
      const lineEl = hl?.parentElement;
      const top = lineEl ? parseFloat((lineEl as HTMLElement).style.top) : NaN;
      const numbers = Array.from(document.querySelectorAll('.monaco-editor .margin-view-overlays > div'));
      for (const n of numbers) {
        if (parseFloat((n as HTMLElement).style.top) === top) return parseInt((n.textContent ?? '').trim(), 10);
      }
      return NaN;
    });
    return line;
  }

  /** Waits until the highlighted top-frame line is `want` (the editor may still be switching files); returns the last seen. */
  async waitForStoppedLine(want: number, timeoutMs = 30_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    let now = NaN;
    while (Date.now() < until) {
      now = await this.stoppedLine().catch(() => NaN);
      if (now === want) return now;
      await sleep(200);
    }
    return now;
  }

  /** F10; waits for the highlighted line to move. */
  async stepOver(timeoutMs = 30_000): Promise<number> {
    const before = await this.stoppedLine();
    await this.page.keyboard.press('F10');
    const until = Date.now() + timeoutMs;
    for (;;) {
      const now = await this.stoppedLine().catch(() => NaN);
      if (Number.isFinite(now) && now !== before) return now;
      if (Date.now() > until) throw new Error(`F10: still on line ${before} after ${timeoutMs} ms`);
      await sleep(150);
    }
  }

  /** Shift+F5. */
  async stopDebugging(): Promise<void> {
    await this.page.keyboard.press('Shift+F5');
    await this.page
      .locator('.debug-toolbar')
      .waitFor({ state: 'hidden', timeout: 20_000 })
      .catch(() => undefined);
  }

  /** A view pane of the side bar by its title (e.g. "Arrays"), expanded. */
  async viewPane(title: string): Promise<Locator> {
    const pane = this.page.locator('.pane', {
      has: this.page.locator('.pane-header h3.title', { hasText: new RegExp(`^${title}$`, 'i') }),
    });
    await pane.first().waitFor({ timeout: 20_000 });
    const header = pane.first().locator('.pane-header');
    // The extension may expand the Arrays pane itself at a session's first stop: a click racing with that would
    // collapse it again, so look again after clicking.
    for (let i = 0; i < 3 && (await header.getAttribute('aria-expanded')) === 'false'; i++) {
      await header.click();
      await sleep(500);
    }
    return pane.first();
  }

  /** Collapses the named panes of the side bar (those open): a tree draws only the rows in sight. */
  async collapsePanes(titles: string[]): Promise<void> {
    for (const title of titles) {
      const header = this.page.locator('.pane-header', { has: this.page.locator('h3.title', { hasText: new RegExp(`^${title}$`, 'i') }) }).first();
      if ((await header.count()) && (await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
  }

  /** Rows of a tree view pane, as their visible text. */
  async rowTexts(pane: Locator): Promise<string[]> {
    // Label and description are separate spans with no space between them in innerText.
    return pane.locator('.pane-body .monaco-list-row').evaluateAll((rows) =>
      rows.map(
        (r) =>
          Array.from(r.querySelectorAll('.label-name, .label-description'))
            .map((e) => e.textContent ?? '')
            .join(' ')
            .replace(/\s+/g, ' ')
            .trim() || (r.textContent ?? '').trim(),
      ),
    );
  }

  /** The row of a tree view pane whose label is exactly `label`. */
  treeRow(pane: Locator, label: string): Locator {
    const name = this.page.locator('.label-name', {
      hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`),
    });
    return pane.locator('.pane-body .monaco-list-row', { has: name }).first();
  }

  /** Waits until `pred` holds for the rows of `pane`; returns them. */
  async waitForRows(pane: Locator, pred: (rows: string[]) => boolean, what: string, timeoutMs = 45_000): Promise<string[]> {
    const until = Date.now() + timeoutMs;
    let rows: string[] = [];
    while (Date.now() < until) {
      rows = await this.rowTexts(pane).catch(() => []);
      if (pred(rows)) return rows;
      await sleep(250);
    }
    throw new Error(`${what}: not seen within ${timeoutMs} ms; rows were ${JSON.stringify(rows)}`);
  }

  /**
   * Hovers a tree row. Another row's tooltip stays open while the pointer rests on it and can cover this one (seen in
   * CI: "context-view subtree intercepts pointer events"): move away and let it close; if one still covers the row,
   * Escape closes a workbench hover, and the hover is tried again (three times in all).
   */
  async hoverRow(row: Locator): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.page.mouse.move(1, 1);
      await this.page
        .locator('.context-view .monaco-hover, .workbench-hover-container, .context-view.monaco-component')
        .first()
        .waitFor({ state: 'hidden', timeout: 5_000 })
        .catch(() => undefined);
      // Rows of a pane collapsed meanwhile are not drawn: every caller's rows are the Arrays view's.
      if (!(await row.isVisible())) await this.viewPane('Arrays');
      try {
        await row.hover({ timeout: 5_000 });
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
        this.log(`a tooltip covered the row to hover (attempt ${attempt}); Escape and again`);
        await this.page.keyboard.press('Escape');
        await sleep(500);
      }
    }
  }

  /** Hovers a tree row and clicks its inline action (e.g. "Open in Array Inspector"). */
  async clickInlineAction(row: Locator, actionLabel: string): Promise<void> {
    await this.hoverRow(row);
    const action = row.locator(`.actions .action-label[aria-label^="${actionLabel}"]`);
    await action.waitFor({ state: 'visible', timeout: 10_000 });
    await action.click();
  }

  /** The content frame of the active webview panel (VS Code nests the page in iframe#active-frame). */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
  }
}

/** The Array Inspector webview (webview/main.ts): mode tabs, value grid, stats table, heatmap canvas. */
export class InspectorPage {
  constructor(private readonly wb: Workbench) {}

  private get frame(): FrameLocator {
    return this.wb.webview();
  }

  async headerText(): Promise<string> {
    return this.frame.locator('header').innerText();
  }

  /** Waits until the stats panel row `key` (count, min, max, mean, std, NaN, ...) shows a value matching `value`. */
  async waitForStat(stat: { key: string; value: RegExp }, what: string, timeoutMs = 45_000): Promise<string> {
    const cell = this.frame.locator(`.stats-panel tr[data-key="${stat.key}"] td`);
    return this.poll(
      async () => cell.innerText({ timeout: 1000 }),
      (t) => stat.value.test(t),
      `${what}: stat ${stat.key} ${stat.value}`,
      timeoutMs,
    );
  }

  /** The stats caption, e.g. "whole array (12 elements, avx512 kernels)": which kernels computed the stats. */
  async statsCaption(): Promise<string> {
    return this.frame.locator('#stats-caption').innerText();
  }

  /** Waits until a cell of the value grid shows a value matching `value`. */
  async waitForCell(value: RegExp, what: string, timeoutMs = 30_000): Promise<string[]> {
    const cells = this.frame.locator('[role="grid"] [role="gridcell"]');
    let texts: string[] = [];
    await this.poll(
      async () => ((texts = await cells.allInnerTexts()), texts.join(' | ')),
      () => texts.some((t) => value.test(t)),
      `${what}: a grid cell ${value}`,
      timeoutMs,
    );
    return texts;
  }

  async showGrid(): Promise<void> {
    await this.frame.locator('#mode-grid').click();
    await this.frame.locator('[role="grid"] [role="gridcell"]').first().waitFor({ state: 'visible', timeout: 20_000 });
  }

  async showHeatmap(): Promise<void> {
    await this.frame.locator('#mode-heatmap').click();
    await this.frame.locator('#mode-heatmap[aria-pressed="true"]').waitFor({ timeout: 10_000 });
    await this.frame.locator('canvas#heatmap').waitFor({ state: 'visible', timeout: 20_000 });
  }

  /** Waits until the header's stop badge says `stop N`: the panel was refreshed for that stop. */
  async waitForStopNumber(n: number, what: string, timeoutMs = 45_000): Promise<string> {
    return this.poll(
      async () => this.frame.locator('#stop').innerText({ timeout: 1000 }),
      (t) => t.trim() === `stop ${n}`,
      `${what}: badge "stop ${n}"`,
      timeoutMs,
    );
  }

  /** Waits until the whole-array stats are in (the caption names the kernels, no longer "computing…"). */
  async waitForStatsDone(what: string, timeoutMs = 45_000): Promise<string> {
    return this.poll(async () => this.statsCaption(), (t) => /kernels\)$/.test(t.trim()), `${what}: stats computed`, timeoutMs);
  }

  /** The line plot of a 1-D array (the webview's "Line" mode). */
  async showLinePlot(): Promise<void> {
    await this.frame.locator('#mode-plot').click();
    await this.frame.locator('#mode-plot[aria-pressed="true"]').waitFor({ timeout: 10_000 });
    await this.frame.locator('canvas#lineplot').waitFor({ state: 'visible', timeout: 20_000 });
  }

  private async poll(read: () => Promise<string>, ok: (t: string) => boolean, what: string, timeoutMs: number): Promise<string> {
    const until = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < until) {
      last = await read().catch(() => last);
      if (ok(last)) return last;
      await sleep(200);
    }
    const body = await this.frame
      .locator('body')
      .innerText({ timeout: 2000 })
      .catch(() => '(webview not readable)');
    throw new Error(
      `${what}: not seen within ${timeoutMs} ms (last: ${JSON.stringify(last.slice(0, 300))}); the inspector showed:\n${body.slice(0, 1500)}`,
    );
  }
}
