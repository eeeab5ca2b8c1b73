/**
 * The demo's hub in a real browser (Debian's Chromium driven by playwright-core): `npm start`
 * (scripts/demo.mjs on shifted ports), the editor open on the demo flow, a click on the inject
 * button "press the hub's button" presses the emulated S200B through the emulator's control
 * interface, the lamp-event node reads the single click from the hub's log, and the demo's
 * colour bulb toggles: its lamp-control node's status in the editor follows, and the emulated
 * bulb itself is toggled, once. Needs a build.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { startDemo } from '../package/demo-runner';
import { DEMO_PASSWORD, DEMO_USER, repoRoot, waitFor } from '../package/support';
import { launchChromium, shots } from './editor-support';

// Apart from test/package/demo.test.ts's offsets, so the two can run side by side.
const OFFSETS = [1300, 2500, 3700, 4900, 6100];

// biome-ignore lint/suspicious/noExplicitAny: untyped browser globals
declare const RED: any;

type Lamp = { getState(): Promise<Record<string, unknown>>; close(): Promise<void> };

async function bulbOn(port: number): Promise<boolean> {
  const { connect } = require(repoRoot);
  const lamp: Lamp = await connect({
    host: '127.0.0.1',
    port,
    protocol: 'klap',
    username: DEMO_USER,
    password: DEMO_PASSWORD,
  });
  try {
    return (await lamp.getState()).on === true;
  } finally {
    await lamp.close();
  }
}

test("a click on the demo's hub button in the editor toggles the demo lamp", async () => {
  // The browser first: without Chromium nothing starts (launchChromium says what to do).
  const browser = await launchChromium();
  const demo = await startDemo(OFFSETS).catch(async (error) => {
    await browser.close();
    throw error;
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    await page.goto(`http://127.0.0.1:${demo.port(1880)}`);
    await page.waitForFunction(() => RED?.nodes?.node?.('demo-hub-press'), null, {
      timeout: 30_000,
    });
    // Bring the hub's part of the flow into view, as a user scrolls to it.
    await page.evaluate(() => RED.view.reveal('demo-hub-event-button'));
    await page.waitForTimeout(800);
    const statusOf = (id: string) =>
      page.evaluate(
        (nodeId) =>
          document.querySelector(`[id="${nodeId}"] .red-ui-flow-node-status-label`)?.textContent ??
          '',
        id,
      );
    // The lamp-event node's first read (its baseline) is done: it listens.
    await waitFor(
      'the lamp-event node listening',
      async () => /listening/.test(await statusOf('demo-hub-event-button')),
      20_000,
    );
    const before = await bulbOn(demo.port(8080));
    const toggleBefore = await statusOf('demo-hub-toggle');

    // A real click on the inject node's button.
    await page.click('[id="demo-hub-press"] .red-ui-flow-node-button');

    await waitFor(
      'the lamp-event node reports the click',
      async () => /singleClick · Button/.test(await statusOf('demo-hub-event-button')),
      20_000,
    );
    const expected = before ? /off/ : /on/;
    await waitFor(
      'the toggle node shows the lamp toggled',
      async () => {
        const text = await statusOf('demo-hub-toggle');
        return text !== toggleBefore && expected.test(text);
      },
      20_000,
    );
    await page.screenshot({ path: path.join(shots, 'demo-hub-button.png') });
    assert.equal(await bulbOn(demo.port(8080)), !before, 'the emulated bulb toggled');
    // Once: two more reads later it is still toggled exactly once.
    await page.waitForTimeout(2500);
    assert.equal(await bulbOn(demo.port(8080)), !before, 'toggled once, not twice');
    assert.deepEqual(errors, [], 'no script errors in the editor');
  } finally {
    await browser.close();
    const code = await demo.stop();
    assert.equal(code, 0, demo.output());
  }
});
