/**
 * Hubs in the editor, in a real browser (Debian's Chromium driven by playwright-core) against a
 * Node-RED 4 child process with this repo linked in and an emulated H100 with four children:
 * Test connection says "Tapo hub H100, 4 devices paired"; the child list of lamp-control,
 * lamp-status and lamp-event shows the hub's children (name, model, kind) through the admin
 * probe route, and a choice lands in the Child field and persists through a deploy; the
 * lamp-event dialog's defaults and its interval floor; German labels. Needs a build.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  DEMO_PASSWORD,
  DEMO_USER,
  deploy,
  type Emulator,
  type NodeRed,
  repoRoot,
  startEmulator,
  startNodeRed,
  waitFor,
} from '../package/support';
import {
  flowNode as deployedNode,
  deployFromEditor,
  editConfig,
  editNode,
  launchChromium,
  linkedUserDir,
  openEditor as openAt,
  shots,
  tearDown,
  testConnection,
} from './editor-support';

let tmp: string;
let red: NodeRed;
let hub: Emulator;
let browser: Browser;

// biome-ignore lint/suspicious/noExplicitAny: untyped browser globals
declare const RED: any;
// biome-ignore lint/suspicious/noExplicitAny: untyped browser globals
declare const $: any;

before(async () => {
  let userDir: string;
  ({ tmp, userDir } = linkedUserDir('lamp-control-hub-editor-'));
  hub = await startEmulator('H100', repoRoot, DEMO_USER, DEMO_PASSWORD, {
    children: ['S200B', 'T100', 'S220', 'T310'],
    discoveryPort: 0,
  });
  // Search asks 127.0.0.1 only, on the emulated hub's discovery port.
  red = await startNodeRed(userDir, {
    lampControlDiscoveryPort: hub.discoveryPort,
    lampControlDiscoveryTargets: ['127.0.0.1'],
    lampControlLegacyDiscoveryPort: false,
  });
  await deploy(red, [
    { id: 'tab1', type: 'tab', label: 'hub editor test' },
    {
      id: 'hub1',
      type: 'klap-device',
      name: 'Hallway hub',
      host: '127.0.0.1',
      port: hub.port,
      timeout: 5,
      protocol: 'auto',
      version: 1,
      credentials: { username: DEMO_USER, password: DEMO_PASSWORD },
    },
    { id: 'ev1', type: 'lamp-event', z: 'tab1', x: 200, y: 100, device: 'hub1', wires: [[]] },
    {
      id: 'ctl1',
      type: 'lamp-control',
      z: 'tab1',
      x: 200,
      y: 180,
      device: 'hub1',
      child: 'Light switch',
      wires: [[]],
    },
    { id: 'st1', type: 'lamp-status', z: 'tab1', x: 200, y: 260, device: 'hub1', wires: [[]] },
  ]);
  browser = await launchChromium();
});

after(() => tearDown(tmp, browser, red, hub));

function openEditor(locale = 'en-US'): Promise<Page> {
  return openAt(browser, red.url, 'ev1', 'lamp-event', locale);
}

async function childOptions(page: Page): Promise<string[][]> {
  await page.waitForSelector('#node-input-child-list', { state: 'visible', timeout: 15_000 });
  return page.$$eval('#node-input-child-list option', (els) =>
    els.map((e) => [(e as HTMLOptionElement).value, e.textContent?.trim() ?? '']),
  );
}

function flowNode(id: string): Promise<Record<string, unknown> | undefined> {
  return deployedNode(red.url, id);
}

test('Test connection on a hub: "Tapo hub H100, 4 devices paired"', async () => {
  const page = await openEditor();
  try {
    await editConfig(page, 'hub1');
    const text = await testConnection(page, 'ok', 15_000);
    assert.match(text, /Tapo hub H100, 4 devices paired/);
    assert.doesNotMatch(text, new RegExp(DEMO_PASSWORD));
    await page.screenshot({ path: path.join(shots, 'klap-device-probe-hub.png') });
    await page.click('#node-config-dialog-cancel');
  } finally {
    await page.context().close();
  }
});

test('Search names the hub: "Tapo hub H100"', async () => {
  const page = await openEditor();
  try {
    await editConfig(page, 'hub1');
    await page.click('#node-config-lamp-control-search');
    const item = page.locator('#node-config-lamp-control-search-results li button');
    await item.first().waitFor({ timeout: 15_000 });
    const text = (await item.first().textContent()) ?? '';
    assert.match(text, new RegExp(`^Tapo hub H100 · 127\\.0\\.0\\.1:${hub.port}$`), text);
    await page.click('#node-config-dialog-cancel');
  } finally {
    await page.context().close();
  }
});

test('lamp-event dialog: defaults, the child list (name, model, kind), the interval floor, saving persists', async () => {
  const page = await openEditor();
  try {
    const defaults = await page.evaluate(() => {
      const d = RED.nodes.getType('lamp-event').defaults;
      return [d.child.value, d.events.value, d.interval.value, d.device.type];
    });
    assert.deepEqual(defaults, ['', '', 1, 'klap-device']);
    assert.equal(
      await page.evaluate(() => RED.utils.getNodeLabel(RED.nodes.node('ev1'))),
      'events: Hallway hub',
    );
    await editNode(page, 'ev1', '#node-input-child');
    assert.equal(await page.inputValue('#node-input-interval'), '1', 'runtime default shown');
    assert.deepEqual(await childOptions(page), [
      ['', 'every child'],
      ['Button', 'Button · S200B · button'],
      ['Motion sensor', 'Motion sensor · T100 · motion sensor'],
      ['Light switch', 'Light switch · S220 · switch'],
      ['Climate sensor', 'Climate sensor · T310 · temperature & humidity'],
    ]);
    await page.screenshot({ path: path.join(shots, 'lamp-event-dialog.png') });

    // Faster than every 0.5 s is marked invalid.
    for (const [value, invalid] of [
      ['0.2', true],
      ['0', true],
      ['x', true],
      ['0.5', false],
      ['2', false],
    ] as const) {
      await page.fill('#node-input-interval', value);
      const marked = await page.evaluate(() => {
        $('#node-input-interval').trigger('change');
        return $('#node-input-interval').hasClass('input-error');
      });
      assert.equal(marked, invalid, `interval ${value}`);
    }
    await page.selectOption('#node-input-child-list', 'Button');
    assert.equal(await page.inputValue('#node-input-child'), 'Button');
    await page.fill('#node-input-events', 'singleClick, doubleClick');
    await page.click('#node-dialog-ok');
    await deployFromEditor(page);
    const saved = await waitFor('lamp-event saved', async () => {
      const n = await flowNode('ev1');
      return n?.child === 'Button' ? n : undefined;
    });
    assert.equal(saved.events, 'singleClick, doubleClick');
    assert.equal(Number(saved.interval), 2);
  } finally {
    await page.context().close();
  }
});

test('lamp-control and lamp-status list the hub children beside Child', async () => {
  const page = await openEditor();
  try {
    assert.equal(
      await page.evaluate(() => RED.utils.getNodeLabel(RED.nodes.node('ctl1'))),
      'Hallway hub › Light switch',
    );
    await editNode(page, 'ctl1', '#node-input-child');
    const options = await childOptions(page);
    assert.deepEqual(options[0], ['', 'the device itself']);
    assert.equal(options.length, 5);
    assert.equal(await page.inputValue('#node-input-child-list'), 'Light switch', 'saved child');
    await page.screenshot({ path: path.join(shots, 'lamp-control-children.png') });
    await page.click('#node-dialog-cancel');
    await page.waitForTimeout(400);

    await editNode(page, 'st1', '#node-input-child');
    await childOptions(page);
    await page.selectOption('#node-input-child-list', 'Motion sensor');
    assert.equal(await page.inputValue('#node-input-child'), 'Motion sensor');
    await page.click('#node-dialog-ok');
    await deployFromEditor(page);
    await waitFor('lamp-status child saved', async () =>
      (await flowNode('st1'))?.child === 'Motion sensor' ? true : undefined,
    );
  } finally {
    await page.context().close();
  }
});

test('German: the lamp-event dialog and the child kinds are translated', async () => {
  const page = await openEditor('de-DE');
  try {
    await editNode(page, 'ev1', '#node-input-child');
    const labels = await page.$$eval('.red-ui-tray label', (els) =>
      els.map((e) => e.textContent?.trim()),
    );
    assert.ok(labels.includes('Kindgerät'), labels.join(' | '));
    assert.ok(labels.includes('Lesen alle'), labels.join(' | '));
    const options = await childOptions(page);
    assert.ok(
      options.some(([, label]) => label === 'Motion sensor · T100 · Bewegungsmelder'),
      JSON.stringify(options),
    );
    assert.match((await page.textContent('.form-tips')) ?? '', /Ereignis/);
    await page.screenshot({ path: path.join(shots, 'lamp-event-dialog-de.png') });
  } finally {
    await page.context().close();
  }
});
