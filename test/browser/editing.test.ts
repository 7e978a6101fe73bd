import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Dialog, Page } from 'playwright-core';
import { designerPage, POLL, screenshotOnFailure as shoot } from './designer-page.ts';
import { newGraph } from '../../designer/src/model/newGraph.ts';
import { v0Sketch } from '../../schemas/fixtures.ts';
import type { TestRunner } from './runner.ts';

const opened = designerPage();
let runner: TestRunner;
let page: Page;
beforeAll(() => {
  ({ runner, page } = opened);
});

const screenshotOnFailure = (ctx: TestContext) => shoot(ctx, 'editing-', () => page);

const newGraphDocument = () => newGraph('Imported over unsaved edits');

const CONTROLS = 'button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])';

/** Controls a person can see and use: shown, enabled, not inside a hidden panel. */
function usableControls(selector: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const describe = (el: Element) =>
      el.getAttribute('data-testid') ??
      `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}[${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 20)}]`;
    return (
      [...document.querySelectorAll(selector)]
        // Inactive tabs leave the Tab order on purpose (WAI-ARIA tabs): the arrow keys reach them.
        .filter(
          (el) =>
            (el as HTMLElement).checkVisibility?.() &&
            !(el as HTMLButtonElement).disabled &&
            el.getAttribute('aria-hidden') !== 'true' &&
            !el.matches('[role=tab][tabindex="-1"]'),
        )
        .map(describe)
    );
  }, selector);
}

describe('editing without a pointer, and the basics around it', () => {
  it('adds nodes from the palette by search and Enter, and by number key; a graph with problems saves as a draft and cannot run', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.goto(`${runner.url}/`);
    await page.click('[data-testid=new-graph]');
    await page.waitForSelector('[data-testid=node-topic-user_input]');

    await page.fill('[data-testid=palette-search]', 'assist');
    expect(await page.locator('.palette-item').count()).toBe(1);
    await page.press('[data-testid=palette-search]', 'Enter');
    await page.waitForSelector('[data-testid=node-agent-assistant]');
    await page.fill('[data-testid=palette-search]', '');

    // The new agent is wired to nothing: the problems are listed and marked on it.
    await page.click('[data-testid=tab-problems]');
    await expect
      .poll(() => page.locator('[data-testid=validation-panel] .problem.error').count(), POLL)
      .toBeGreaterThan(0);
    expect(
      await page.locator('.agent-node.mark-error, .agent-node.mark-warning, .topic-node.mark-error').count(),
    ).toBeGreaterThan(0);
    await page.click('[data-testid=save]');
    await expect
      .poll(() => page.locator('[data-testid=save-status]').textContent(), POLL)
      .toMatch(/^Saved · v\d+ · draft$/);
    expect(await page.locator('[data-testid=start-session]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid=not-runnable]').isVisible()).toBe(true);

    // The topic's number key adds a topic; undo takes it away again.
    const key = (await page.locator('[data-testid=palette-topic] kbd').textContent())!;
    await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    await page.keyboard.press(key);
    await page.waitForSelector('[data-testid=node-topic-topic]');
    await page.keyboard.press('ControlOrMeta+Z');
    await expect.poll(() => page.locator('[data-testid=node-topic-topic]').count(), POLL).toBe(0);
  });

  it('wires the agent with the inspector’s pickers and runs the graph once it has no problems', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=node-agent-assistant]');
    await page.click('[data-testid=tab-inspector]');
    await page.selectOption('[data-testid=connect-subscribe]', { label: '#user_input' });
    await page.selectOption('[data-testid=connect-publish]', { label: '#reply' });
    await expect.poll(() => page.locator('.react-flow__edge').count(), POLL).toBe(2);
    await page.click('[data-testid=tab-problems]');
    await expect
      .poll(() => page.locator('[data-testid=validation-panel]').textContent(), POLL)
      .toContain('No problems');
    expect(await page.locator('.mark-error').count()).toBe(0);
    expect(await page.locator('[data-testid=node-agent-assistant] [data-testid=node-model]').textContent()).toContain(
      'scripted',
    );
    expect(
      await page.locator('[data-testid=node-topic-user_input] [data-testid=topic-subscribers]').textContent(),
    ).toBe('1 subscriber');
    expect(await page.locator('[data-testid=start-session]').isDisabled()).toBe(false);
  });

  it('selects several nodes, deletes them with the key, and undo brings them and their edges back', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    await page.click('[data-testid=node-agent-assistant]');
    await page.click('[data-testid=node-topic-reply]', { modifiers: ['Shift'] });
    await expect.poll(() => page.locator('.react-flow__node.selected').count(), POLL).toBe(2);
    await page.click('[data-testid=tab-inspector]');
    expect(await page.locator('[data-testid=inspector]').textContent()).toContain('2 items selected');
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('.react-flow__node').count(), POLL).toBe(1);
    expect(await page.locator('.react-flow__edge').count()).toBe(0);
    await page.click('[data-testid=undo]');
    await expect.poll(() => page.locator('.react-flow__node').count(), POLL).toBe(3);
    expect(await page.locator('.react-flow__edge').count()).toBe(2);
    await page.click('[data-testid=redo]');
    await expect.poll(() => page.locator('.react-flow__node').count(), POLL).toBe(1);
    await page.keyboard.press('ControlOrMeta+Z');
    await expect.poll(() => page.locator('.react-flow__node').count(), POLL).toBe(3);
  });

  it('shows a minimap, and fit view brings every node back on screen', async (ctx) => {
    screenshotOnFailure(ctx);
    expect(await page.locator('.react-flow__minimap').count()).toBe(1);
    const canvas = (await page.locator('[data-testid=canvas]').boundingBox())!;
    // Nodes off screen are not rendered at all (onlyRenderVisibleElements): all three must be there, inside.
    const inside = async () => {
      const boxes = await Promise.all((await page.locator('.react-flow__node').all()).map((n) => n.boundingBox()));
      return (
        boxes.length === 3 &&
        boxes.every(
          (b) =>
            b &&
            b.x >= canvas.x &&
            b.y >= canvas.y &&
            b.x + b.width <= canvas.x + canvas.width &&
            b.y + b.height <= canvas.y + canvas.height,
        )
      );
    };
    // Pan the whole graph off to the right, past the canvas edge.
    await page.mouse.move(canvas.x + 20, canvas.y + 20);
    await page.mouse.down();
    await page.mouse.move(canvas.x + canvas.width - 10, canvas.y + 20, { steps: 10 });
    await page.mouse.up();
    expect(await inside()).toBe(false);
    await page.click('[data-testid=fit-view]');
    await expect.poll(inside, POLL).toBe(true);
  });

  it('switches theme and language at run time, without a reload', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    const before = await theme();
    await page.click('[data-testid=theme-toggle]');
    const after = await theme();
    expect(after).not.toBe(before);
    expect(await page.locator('.react-flow').getAttribute('class')).toContain(after!);

    await page.selectOption('[data-testid=language]', 'zh');
    await expect.poll(() => page.locator('[data-testid=tab-run]').textContent(), POLL).toBe('运行');
    expect(await page.locator('[data-testid=node-topic-reply]').textContent()).toContain('主题');
    expect(await page.locator('[data-testid=undo]').getAttribute('aria-label')).toBe('撤销');
    const edgeLabels = () =>
      page.locator('.react-flow__edge').evaluateAll((edges) => edges.map((e) => e.getAttribute('aria-label')).sort());
    expect(await edgeLabels()).toEqual(['#user_input 投递给 assistant', 'assistant 发布到 #reply']);
    await page.selectOption('[data-testid=language]', 'en');
    await expect.poll(() => page.locator('[data-testid=tab-run]').textContent(), POLL).toBe('Run');
    expect(await edgeLabels()).toEqual(['#user_input delivers to assistant', 'assistant publishes to #reply']);
    await page.click('[data-testid=theme-toggle]');
    expect(await theme()).toBe(before);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

    // The choice is kept, and the page's lang attribute follows it from the first paint.
    await page.selectOption('[data-testid=language]', 'zh');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.click('[data-testid=save]');
    await expect.poll(() => page.locator('[data-testid=save-status]').textContent(), POLL).toMatch(/^已保存/);
    await page.reload();
    await expect.poll(() => page.locator('[data-testid=tab-run]').textContent(), POLL).toBe('运行');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.selectOption('[data-testid=language]', 'en');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
  });

  it('names every control: icon buttons carry a label, inputs have one', async (ctx) => {
    screenshotOnFailure(ctx);
    const unnamed = async () =>
      page.evaluate((selector) => {
        const letters = /\p{L}/u;
        const nameOf = (el: Element) => {
          const labelledBy = el.getAttribute('aria-labelledby');
          const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
          return [
            el.getAttribute('aria-label'),
            labelledBy && document.getElementById(labelledBy)?.textContent,
            label?.textContent,
            el.closest('label')?.textContent,
            ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) ? '' : el.textContent,
          ].find((s) => s && letters.test(s));
        };
        const shown = [...document.querySelectorAll(selector)].filter((el) => (el as HTMLElement).checkVisibility?.());
        if (shown.length < 10) return [`only ${shown.length} controls on screen`];
        return shown.filter((el) => !nameOf(el)).map((el) => el.outerHTML.slice(0, 160));
      }, CONTROLS);
    // The editor with something selected, each bottom tab, and the start page.
    await page.click('[data-testid=node-agent-assistant]');
    await page.click('[data-testid=tab-inspector]');
    for (const tab of ['tab-run', 'tab-trace', 'tab-sessions', 'tab-tests']) {
      await page.click(`[data-testid=${tab}]`);
      expect(await unnamed(), tab).toEqual([]);
    }
    await page.click('[data-testid=tab-run]');
    await page.click('[data-testid=start-session]');
    await page.waitForSelector('[data-testid=chat]');
    expect(await unnamed(), 'with a chat').toEqual([]);
    await page.goto(`${runner.url}/#/`);
    await page.waitForSelector('[data-testid=graph-card]');
    expect(await unnamed(), 'start page').toEqual([]);
  });

  it('reaches every control with the Tab key', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.click('[data-testid=graph-card] a');
    await page.waitForSelector('[data-testid=node-agent-assistant]');
    await page.click('[data-testid=tab-run]');
    const wanted = new Set(await usableControls(CONTROLS));
    expect(wanted.size).toBeGreaterThan(30);
    await page.locator('body').focus();
    const reached = new Set<string>();
    for (let i = 0; i < 400 && reached.size < wanted.size; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return undefined;
        return (
          el.getAttribute('data-testid') ??
          `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}[${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 20)}]`
        );
      });
      if (id) reached.add(id);
    }
    expect([...wanted].filter((id) => !reached.has(id))).toEqual([]);
  });

  it('selects a node from the keyboard and opens its form; tabs move with the arrow keys', async (ctx) => {
    screenshotOnFailure(ctx);
    await page.locator('.react-flow__node', { has: page.locator('[data-testid=node-agent-assistant]') }).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=inspector-agent]');
    await page.locator('[data-testid=tab-run]').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('[data-testid=tab-trace]').getAttribute('aria-selected'), POLL).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('tab-trace');
  });
  it('imports an older file: migrates it, lists its problems first, and opens it as a draft', async (ctx) => {
    screenshotOnFailure(ctx);
    const v0 = v0Sketch('Old sketch from a file', 'missing-model');
    await page.goto(`${runner.url}/#/`);
    await page.click('[data-testid=import-open]');
    await page.setInputFiles('[data-testid=import-file]', {
      name: 'old.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(v0)),
    });
    const result = page.locator('[data-testid=import-result]');
    await expect.poll(() => result.textContent(), POLL).toContain('Old sketch from a file');
    const problems = await page.locator('[data-testid=import-problems] li').allTextContents();
    expect(problems).toEqual([
      expect.stringContaining('upgraded from version 0'),
      expect.stringContaining('unknown model "missing-model"'),
    ]);
    await page.click('[data-testid=import-confirm]');
    await page.waitForSelector('[data-testid=node-agent-bot]');
    expect(await page.locator('.agent-node.mark-error').count()).toBe(1);
    expect(await page.locator('[data-testid=save-status]').textContent()).toContain('draft');
  });

  it('asks before leaving or reloading a graph with unsaved changes', async (ctx) => {
    screenshotOnFailure(ctx);
    const asked: string[] = [];
    const refuse = (dialog: Dialog) => {
      asked.push(dialog.type());
      void dialog.dismiss();
    };
    page.on('dialog', refuse);
    try {
      await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
      await page.keyboard.press((await page.locator('[data-testid=palette-topic] kbd').textContent())!);
      await expect
        .poll(() => page.locator('[data-testid=save-status]').textContent(), POLL)
        .toMatch(/^Unsaved changes/);
      const here = page.url();

      await page.click('[data-testid=back]');
      expect(asked).toEqual(['confirm']);
      expect(page.url()).toBe(here);
      // Importing another graph would replace this one too.
      await page.click('[data-testid=import-open]');
      await page.fill('[data-testid=import-text]', JSON.stringify(newGraphDocument()));
      await page.click('[data-testid=import-confirm]');
      expect(asked).toEqual(['confirm', 'confirm']);
      expect(page.url()).toBe(here);
      await page.click('[data-testid=import-dialog] header button');
      await page.evaluate(() => location.reload());
      await expect.poll(() => asked, POLL).toEqual(['confirm', 'confirm', 'beforeunload']);
      expect(await page.locator('[data-testid=save-status]').textContent()).toMatch(/^Unsaved changes/);

      await page.keyboard.press('ControlOrMeta+S');
      await expect.poll(() => page.locator('[data-testid=save-status]').textContent(), POLL).toMatch(/^Saved/);
      await page.click('[data-testid=back]');
      await page.waitForSelector('[data-testid=graph-search]');
      expect(asked).toHaveLength(3);
    } finally {
      page.off('dialog', refuse);
    }
  });
});
