#!/usr/bin/env node
// `npm run screenshot`: remakes docs/images/config-dialog.png, the README's picture of the
// klap-device dialog, from the real thing. Runs the demo (scripts/demo.mjs builds, starts the
// emulated lamps and Node-RED on 127.0.0.1) in a temporary user dir on shifted ports, so a
// running `npm start` is left alone; opens the dialog of the demo's colour bulb in Chromium
// (scripts/chromium.mjs finds one), picks the bulb from the device search, tests the
// connection, and photographs the page with the answer.
//
//   node scripts/screenshot.mjs [out.png]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ensureChromium } from './chromium.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] || path.join(root, 'docs', 'images', 'config-dialog.png'));
// Clear of the demo's own ports (1880, 8080…, 20002…) and of its test's (offset 1100).
const OFFSET = 1300;
const URL_BASE = `http://127.0.0.1:${1880 + OFFSET}`;

const found = ensureChromium();
if (found.error) {
  console.error(found.error);
  process.exit(1);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamp-control-screenshot-'));
const demo = spawn(process.execPath, [path.join(root, 'scripts', 'demo.mjs')], {
  cwd: root,
  env: { ...process.env, LAMP_DEMO_DIR: dir, LAMP_DEMO_PORT_OFFSET: String(OFFSET) },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let log = '';
demo.stdout.on('data', (d) => {
  log += d;
});
demo.stderr.on('data', (d) => {
  log += d;
});
const demoExited = new Promise((resolve) => demo.once('exit', resolve));

let browser;
try {
  const deadline = Date.now() + 120_000; // includes the build
  while (!log.includes('Node-RED with lamp-control:')) {
    if (demo.exitCode !== null || Date.now() > deadline)
      throw new Error(`demo did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  browser = await chromium.launch({
    executablePath: found.path,
    // As in the editor tests: no sandbox (root), and none of Chromium's own network traffic.
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
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  await page.goto(URL_BASE);
  await page.waitForFunction(() => window.RED?.nodes?.node?.('demo-dev-l530'), null, {
    timeout: 30_000,
  });
  await page.waitForSelector('.red-ui-palette-node[data-palette-type="lamp-control"]');
  await page.evaluate(() => window.RED.editor.editConfig('', 'klap-device', 'demo-dev-l530'));
  await page.waitForSelector('#node-config-input-host', { state: 'visible' });
  await page.waitForTimeout(500); // the tray slides in

  // With Host empty the search asks the demo's emulated devices (the demo's settings list
  // them); picking the colour bulb fills Host and Port, as a user would.
  await page.fill('#node-config-input-host', '');
  await page.click('#node-config-lamp-control-search');
  const bulb = page.locator('#node-config-lamp-control-search-results li button', {
    hasText: 'L530',
  });
  await bulb.waitFor({ timeout: 15_000 });
  await bulb.click();
  await page.click('#node-config-lamp-control-probe');
  await page.waitForSelector('#node-config-lamp-control-probe-result.lamp-control-probe-ok', {
    timeout: 15_000,
  });
  // No focus ring on the button just clicked: the picture is of the dialog, not of the click.
  await page.evaluate(() => document.activeElement?.blur());
  await page.waitForTimeout(300);

  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} catch (err) {
  console.error(`screenshot: ${err.message}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  if (demo.exitCode === null) demo.kill('SIGINT');
  await demoExited;
  fs.rmSync(dir, { recursive: true, force: true });
}
