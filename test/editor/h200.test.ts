/**
 * The H200 in the editor, in a real browser (Chromium driven by playwright-core) against a
 * Node-RED 4 child process with this repo linked in and an emulated H200 over sslaes with a
 * button, a contact sensor and a D230 doorbell: Test connection says "Tapo hub H200, 3 devices
 * paired", shows the certificate's SHA-256 fingerprint, and says that the button's presses
 * cannot be read; in German too. The protocol list offers "HTTPS (H200 hub)". Needs a build.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  DEMO_PASSWORD,
  DEMO_USER,
  deploy,
  type NodeRed,
  repoRoot,
  startNodeRed,
} from '../package/support';
import {
  editConfig,
  launchChromium,
  linkedUserDir,
  openEditor,
  shots,
  tearDown,
  testConnection,
} from './editor-support';

let tmp: string;
let red: NodeRed;
let hub: { port: number; server: { certificateFingerprint: string }; close(): Promise<void> };
let browser: Browser;

before(async () => {
  let userDir: string;
  ({ tmp, userDir } = linkedUserDir('lamp-control-h200-editor-'));
  const emulator = require(path.join(repoRoot, 'dist', 'emulator', 'index.js'));
  hub = await emulator.startH200({
    username: DEMO_USER,
    password: DEMO_PASSWORD,
    children: ['S200B', 'T110', 'D230'],
  });
  red = await startNodeRed(userDir, { lampControlLegacyDiscoveryPort: false });
  await deploy(red, [
    { id: 'tab1', type: 'tab', label: 'H200 editor test' },
    {
      id: 'hub1',
      type: 'klap-device',
      name: 'H200',
      host: '127.0.0.1',
      port: hub.port,
      timeout: 5,
      protocol: 'sslaes',
      version: 1,
      credentials: { username: DEMO_USER, password: DEMO_PASSWORD },
    },
    { id: 'ev1', type: 'lamp-event', z: 'tab1', x: 200, y: 100, device: 'hub1', wires: [[]] },
  ]);
  browser = await launchChromium();
});

after(() => tearDown(tmp, browser, red, hub));

for (const [locale, paired, buttons, label] of [
  [
    'en-US',
    /Tapo hub H200, 3 devices paired/,
    /Button presses cannot be read on this H200/,
    'HTTPS (H200 hub)',
  ],
  [
    'de',
    /Tapo-Hub H200, 3 Geräte angelernt/,
    /Tastendrücke sind an diesem H200 nicht lesbar/,
    'HTTPS (Hub H200)',
  ],
] as const) {
  test(`Test connection on an H200 (${locale}): devices, certificate fingerprint, unreadable presses`, async () => {
    const page = await openEditor(browser, red.url, 'ev1', 'lamp-event', locale);
    try {
      await editConfig(page, 'hub1');
      const option = await page.textContent('#node-config-input-protocol option[value="sslaes"]');
      assert.equal(option?.trim(), label);
      const text = await testConnection(page, 'ok', 20_000);
      assert.match(text, paired);
      assert.ok(text.includes(hub.server.certificateFingerprint), text);
      assert.match(text, buttons);
      assert.doesNotMatch(text, new RegExp(DEMO_PASSWORD));
      if (locale === 'en-US') {
        await page.screenshot({ path: path.join(shots, 'klap-device-probe-h200.png') });
      }
      await page.click('#node-config-dialog-cancel');
    } finally {
      await page.context().close();
    }
  });
}
