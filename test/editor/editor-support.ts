/**
 * Shared plumbing of the Chromium editor tests: a Node-RED user dir with this repo linked in,
 * Debian's Chromium (or the one npm test found), opening the editor and its dialogs, deploying
 * from the editor and reading the deployed flow back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { getJson, MODULE, type NodeRed, repoRoot } from '../package/support';

// npm test passes the Chromium that scripts/chromium.mjs found (or installed); run alone, this
// falls back to Debian's.
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const shots = path.join(repoRoot, 'test-results');

// The editor page's globals, used only inside page.evaluate / waitForFunction callbacks.
// biome-ignore lint/suspicious/noExplicitAny: untyped browser globals
declare const RED: any;

/** A temporary dir with a Node-RED user dir (`user`) that has this package linked in. */
export function linkedUserDir(prefix: string): { tmp: string; userDir: string } {
  requireChromium();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const userDir = path.join(tmp, 'user');
  const scope = path.join(userDir, 'node_modules', MODULE.split('/')[0] as string);
  fs.mkdirSync(scope, { recursive: true });
  fs.symlinkSync(repoRoot, path.join(scope, MODULE.split('/')[1] as string), 'dir');
  fs.mkdirSync(shots, { recursive: true });
  return { tmp, userDir };
}

/** Fails with what to do when there is no Chromium to drive. */
function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: run these tests through npm test, which finds or installs one, or set CHROMIUM_PATH`,
    );
  }
}

export function launchChromium(): Promise<Browser> {
  requireChromium();
  fs.mkdirSync(shots, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The editor of the Node-RED at `url`, once node `readyId` and palette type `palette` exist. */
export async function openEditor(
  browser: Browser,
  url: string,
  readyId: string,
  palette: string,
  locale = 'en-US',
): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(url);
  await page.waitForFunction(
    (id) => (window as { RED?: typeof RED }).RED?.nodes?.node?.(id),
    readyId,
    { timeout: 30_000 },
  );
  // Let the editor finish its start-up (palette, sidebar) before opening dialogs.
  await page.waitForSelector(`.red-ui-palette-node[data-palette-type="${palette}"]`);
  assert.deepEqual(errors, [], 'no script errors in the editor');
  return page;
}

export async function editNode(page: Page, id: string, firstField: string): Promise<void> {
  await page.evaluate((nodeId) => RED.editor.edit(RED.nodes.node(nodeId)), id);
  await page.waitForSelector(firstField, { state: 'visible' });
  await page.waitForTimeout(400); // tray slide-in animation
}

export async function editConfig(page: Page, id: string): Promise<void> {
  await page.evaluate((nodeId) => RED.editor.editConfig('', 'klap-device', nodeId), id);
  await page.waitForSelector('#node-config-input-host', { state: 'visible' });
  await page.waitForTimeout(400);
}

export async function deployFromEditor(page: Page): Promise<void> {
  await page.waitForTimeout(300); // tray closing
  await page.click('#red-ui-header-button-deploy');
  // Node-RED asks for confirmation when a flow has invalid or unused nodes; a clean flow
  // deploys straight away and shows a notification.
  const outcome = await Promise.race([
    page.waitForSelector('.red-ui-notification', { timeout: 10_000 }).then(() => 'deployed'),
    page
      .waitForSelector('#node-dialog-confirm-deploy', { state: 'visible', timeout: 10_000 })
      .then(() => 'confirm'),
  ]);
  assert.equal(outcome, 'deployed', 'deploy needed no confirmation (all nodes valid)');
}

/** A node of the deployed flow, as the runtime has it. */
export async function flowNode(
  url: string,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const flows = await getJson<Record<string, unknown>[]>(`${url}/flows`);
  return flows.find((n) => n.id === id);
}

/**
 * Clicks "Test connection" in the open klap-device dialog, waits for the result line to be
 * marked `outcome` and returns its text.
 */
export async function testConnection(
  page: Page,
  outcome: 'ok' | 'error',
  timeout: number,
): Promise<string> {
  await page.click('#node-config-lamp-control-probe');
  await page.waitForSelector(
    `#node-config-lamp-control-probe-result.lamp-control-probe-${outcome}`,
    { timeout },
  );
  return (await page.textContent('#node-config-lamp-control-probe-result')) ?? '';
}

/**
 * An editor test's after(): closes the browser, Node-RED and the emulators, whichever of them
 * before() got to start, then removes the temporary dir.
 */
export async function tearDown(
  tmp: string | undefined,
  browser: Browser | undefined,
  red: NodeRed | undefined,
  ...devices: ({ close(): void | Promise<void> } | undefined)[]
): Promise<void> {
  await browser?.close();
  await red?.stop();
  for (const device of devices) await device?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
