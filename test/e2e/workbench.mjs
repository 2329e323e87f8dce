// Playwright helpers for driving the VS Code workbench in code-server: the command palette, quick picks,
// editors, CodeLens, inline decorations and the extension's webviews (nested iframes).
import { sleep } from './codeServer.mjs';

const QUICK_INPUT = '.quick-input-widget';

export class Workbench {
  /** @param {import('playwright-core').Page} page */
  constructor(page, log) {
    this.page = page;
    this.log = log;
  }

  async waitReady() {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await this.page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: 90_000 });
  }

  quickInput() {
    return this.page.locator(QUICK_INPUT);
  }

  async quickInputVisible() {
    return this.page.locator(`${QUICK_INPUT}:visible`).count().then((n) => n > 0);
  }

  /** Runs a palette command by its full title; retries while a just-activated extension registers it. */
  async runCommand(title, { attempts = 40 } = {}) {
    const row = this.page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: title }).first();
    const ran = await this.throughPalette(`>${title}`, attempts, async () => {
      await row.waitFor({ timeout: 2_000 });
      const label = (await row.getAttribute('aria-label')) ?? '';
      if (!label.includes(title)) throw new Error(`first match is "${label}"`);
      await this.page.keyboard.press('Enter');
    });
    if (!ran) throw new Error(`command "${title}" never appeared in the palette`);
  }

  /** Opens a workspace file through Quick Open. */
  async openFile(relativePath) {
    const name = relativePath.split('/').pop();
    const row = this.page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: name }).first();
    const opened = await this.throughPalette(relativePath, 20, async () => {
      await row.waitFor({ timeout: 3_000 });
      await this.page.keyboard.press('Enter');
      // .first(): with several editor groups, each can show the file as its active tab.
      await this.page.locator('.tabs-container .tab.active', { hasText: name }).first().waitFor({ timeout: 15_000 });
    });
    if (!opened) throw new Error(`could not open ${relativePath}`);
  }

  /**
   * Opens the palette (F1), types `text` and runs `accept`, up to `attempts` times; false when no attempt
   * succeeded. The palette can close again under us (focus moving to a webview or a notification), so
   * the fill has a short timeout of its own and a failed attempt presses Escape and starts over.
   */
  async throughPalette(text, attempts, accept) {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await this.closeQuickInput();
      await this.focusWorkbench();
      await this.page.keyboard.press('F1');
      const input = this.page.locator(`${QUICK_INPUT} input`).first();
      if (!(await input.waitFor({ timeout: 3_000 }).then(() => true, () => false))) continue;
      try {
        await input.fill(text, { timeout: 3_000 });
        await accept();
        return true;
      } catch {
        await this.page.keyboard.press('Escape');
        await sleep(500);
      }
    }
    return false;
  }

  /** Takes keyboard focus out of a webview iframe (which does not forward F1) back to the workbench. */
  async focusWorkbench() {
    await this.page.evaluate(() => {
      const active = document.activeElement;
      if (active instanceof HTMLElement && active.tagName === 'IFRAME') active.blur();
    });
  }

  async closeQuickInput() {
    if (await this.quickInputVisible()) {
      await this.page.keyboard.press('Escape');
      await sleep(200);
    }
  }

  /**
   * Answers a quick pick: waits until one whose title contains `titleIncludes` is showing, types `filter`
   * (when given) and accepts the first visible item (or the typed value of an input box).
   */
  async answerQuickPick(titleIncludes, filter, { timeout = 60_000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const title = await this.quickInputTitle();
      if (title !== undefined && title.includes(titleIncludes)) break;
      if (Date.now() > deadline) throw new Error(`no quick pick titled "${titleIncludes}" appeared (showing: ${JSON.stringify(title)})`);
      await sleep(200);
    }
    const input = this.page.locator(`${QUICK_INPUT} input`).first();
    if (filter !== undefined) {
      await input.fill(filter);
      await this.page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: filter }).first().waitFor({ timeout: 10_000 });
    }
    await this.page.keyboard.press('Enter');
    await sleep(300);
  }

  /** Waits until a quick input whose title contains `titleIncludes` is showing; returns its title. */
  async waitQuickInput(titleIncludes, { timeout = 60_000 } = {}) {
    return this.until(`a quick input titled "${titleIncludes}"`, () => this.quickInputTitle(), (t) => t !== undefined && t.includes(titleIncludes), { timeout, interval: 200 });
  }

  /**
   * Answers a multi-select quick pick: ticks exactly the rows whose text contains one of `labels` (unticking the
   * others, e.g. ones ticked at first) and accepts. Returns the labels of the rows that were ticked when it showed.
   */
  async answerQuickPickMany(titleIncludes, labels, { timeout = 60_000 } = {}) {
    await this.waitQuickInput(titleIncludes, { timeout });
    const rows = this.page.locator(`${QUICK_INPUT} .monaco-list-row`);
    await rows.first().waitFor({ timeout: 10_000 });
    const ticked = async () => {
      const state = [];
      for (const row of await rows.all()) state.push({ row, text: (await row.getAttribute('aria-label')) ?? (await row.textContent()) ?? '', checked: (await row.getAttribute('aria-checked')) === 'true' });
      return state;
    };
    const before = await ticked();
    for (const { row, text, checked } of before) {
      const wanted = labels.some((label) => text.includes(label));
      if (wanted !== checked) {
        const box = row.locator('.quick-input-list-checkbox, input[type="checkbox"], .monaco-checkbox').first();
        if ((await box.count()) > 0) await box.click();
        else await row.click();
      }
    }
    const after = await ticked();
    const wrong = after.filter(({ text, checked }) => labels.some((label) => text.includes(label)) !== checked);
    if (wrong.length > 0) throw new Error(`could not tick ${JSON.stringify(labels)} in "${titleIncludes}": ${JSON.stringify(after.map(({ text, checked }) => `${checked ? '[x]' : '[ ]'} ${text}`))}`);
    await this.page.locator(`${QUICK_INPUT} input`).first().focus();
    await this.page.keyboard.press('Enter');
    await sleep(300);
    return before.filter((r) => r.checked).map((r) => r.text);
  }

  /** Presses the quick input's Back button (the title bar's arrow), as a multi-step flow shows it from step 2. */
  async quickInputBack() {
    await this.page.locator(`${QUICK_INPUT} .quick-input-titlebar .action-label[aria-label^="Back"], ${QUICK_INPUT} .quick-input-titlebar .action-label[title^="Back"]`).first().click();
    await sleep(300);
  }

  /** Answers an input box (a quick input with no list) whose title contains `titleIncludes` with `value`. */
  async answerInputBox(titleIncludes, value, { timeout = 60_000 } = {}) {
    await this.until(`an input box titled "${titleIncludes}"`, () => this.quickInputTitle(), (t) => t !== undefined && t.includes(titleIncludes), { timeout, interval: 200 });
    await this.page.locator(`${QUICK_INPUT} input`).first().fill(value);
    await this.page.keyboard.press('Enter');
    await sleep(300);
  }

  /** The title of the quick input on screen, or undefined when none is visible. */
  async quickInputTitle() {
    if (!(await this.quickInputVisible())) return undefined;
    const title = this.page.locator(`${QUICK_INPUT} .quick-input-title`);
    return (await title.count()) > 0 ? ((await title.first().textContent()) ?? '') : '';
  }

  /** Clicks a CodeLens by its text in the editor showing `fileName` (editors carry their model's URI). */
  async clickCodeLens(text, fileName) {
    const lens = this.page.locator(`.monaco-editor[data-uri$="/${fileName}"] .codelens-decoration a`, { hasText: text }).first();
    for (let attempt = 1; ; attempt++) {
      if (await lens.waitFor({ timeout: 10_000 }).then(() => true, () => false)) break;
      if (attempt === 6) throw new Error(`no CodeLens "${text}" in the editor of ${fileName}`);
      // A relayout (the side bar switching views) can drop an editor's lenses until its next content change:
      // make one that leaves the text as it was.
      this.log(`CodeLens "${text}" not shown yet in ${fileName}: nudging the editor`);
      await this.page.locator(`.monaco-editor[data-uri$="/${fileName}"] .view-line`).last().click();
      await this.page.keyboard.press('End');
      await this.page.keyboard.type(' ');
      await this.page.keyboard.press('Backspace');
    }
    await lens.click();
  }

  /** Puts the cursor at the end of the first editor line that has `hasText` (and not `hasNotText`). */
  async cursorToEndOfLine(hasText, hasNotText) {
    const line = this.page.locator('.monaco-editor .view-line').filter(hasNotText ? { hasText, hasNotText } : { hasText }).first();
    await line.waitFor({ timeout: 15_000 });
    await line.click();
    await this.page.keyboard.press('End');
  }

  async errorSquiggles() {
    return this.page.locator('.monaco-editor .squiggly-error').count();
  }

  /** Texts of inline `after` decorations in the visible editors (VS Code renders them as CSS content). */
  async inlineDecorations() {
    return this.page.evaluate(() => [...document.querySelectorAll('.monaco-editor .view-lines span')]
      .map((el) => getComputedStyle(el, '::after').content)
      .filter((c) => c && c !== 'none' && c !== 'normal' && c !== '""')
      .map((c) => c.replace(/^"|"$/g, '')));
  }

  async waitForInlineDecoration(predicate, { timeout = 180_000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const texts = await this.inlineDecorations();
      const hit = texts.find(predicate);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no inline result appeared; decorations: ${JSON.stringify(texts)}`);
      await sleep(500);
    }
  }

  /**
   * The content frame of one of the extension's webviews, found by the layout its body declares
   * (`iframe.webview.ready` → `iframe#active-frame` → body[data-layout]).
   */
  async webview(layout, { timeout = 60_000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (const frame of this.page.frames()) {
        if (frame.name() !== 'active-frame' && !frame.url().includes('fake.html')) continue;
        try {
          if ((await frame.locator(`body[data-layout="${layout}"]`).count()) > 0) return frame;
        } catch {
          // a frame that navigated away while we looked
        }
      }
      if (Date.now() > deadline) throw new Error(`the ${layout} webview did not appear`);
      await sleep(300);
    }
  }

  /** Whether a webview (any frame but the workbench's) shows `text`. */
  async webviewText(text) {
    for (const frame of this.page.frames()) {
      if (frame === this.page.mainFrame()) continue;
      try {
        if ((await frame.getByText(text).count()) > 0) return true;
      } catch {
        // a frame that navigated away while we looked
      }
    }
    return false;
  }

  /** Polls `read` until `accept` holds for its value; returns that value. */
  async until(description, read, accept, { timeout = 120_000, interval = 500 } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        last = await read();
        if (accept(last)) return last;
      } catch (error) {
        last = `error: ${error.message}`;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${description} (last: ${JSON.stringify(last)})`);
      await sleep(interval);
    }
  }

  async screenshot(file) {
    await this.page.screenshot({ path: file });
    this.log(`screenshot ${file}`);
  }
}
