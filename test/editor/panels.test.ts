/**
 * The editor panels in a real browser (Debian's Chromium driven by playwright-core) against a
 * Node-RED 4 child process with this repo linked into its user dir and an emulated L530 lamp:
 * fields and defaults, red validation marking, the password never reaching the page, the
 * "Test connection" button (good and bad credentials), values persisting through a deploy, and
 * German labels. Screenshots of each dialog go to test-results/. Needs a build.
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
let emulator: Emulator;
let strip: Emulator;
let browser: Browser;

// The editor page's globals, used only inside page.evaluate / waitForFunction callbacks.
// biome-ignore lint/suspicious/noExplicitAny: untyped browser globals
declare const RED: any;
// biome-ignore lint/suspicious/noExplicitAny: untyped browser globals
declare const $: any;

before(async () => {
  let userDir: string;
  ({ tmp, userDir } = linkedUserDir('lamp-control-editor-'));
  emulator = await startEmulator('L530', repoRoot, DEMO_USER, DEMO_PASSWORD, { discoveryPort: 0 });
  strip = await startEmulator('P300', repoRoot, DEMO_USER, DEMO_PASSWORD);
  red = await startNodeRed(userDir, { lampControlDiscoveryPort: emulator.discoveryPort });
  await deploy(red, [
    { id: 'tab1', type: 'tab', label: 'editor test' },
    {
      id: 'dev1',
      type: 'klap-device',
      name: '',
      host: '127.0.0.1',
      port: emulator.port,
      timeout: 5,
      credentials: { username: DEMO_USER, password: DEMO_PASSWORD },
    },
    { id: 'ctl1', type: 'lamp-control', z: 'tab1', x: 300, y: 100, device: 'dev1', wires: [[]] },
    {
      id: 'dev3',
      type: 'klap-device',
      name: 'Study strip',
      host: '127.0.0.1',
      port: strip.port,
      timeout: 5,
      credentials: { username: DEMO_USER, password: DEMO_PASSWORD },
    },
    {
      id: 'ctl3',
      type: 'lamp-control',
      z: 'tab1',
      x: 300,
      y: 340,
      device: 'dev3',
      outlet: '2',
      wires: [[]],
    },
    // Written without the optional properties, as hand-made or older flows are.
    { id: 'dev2', type: 'klap-device', host: '127.0.0.1' },
    { id: 'st2', type: 'lamp-status', z: 'tab1', x: 300, y: 260, device: 'dev2', wires: [[]] },
    {
      id: 'st1',
      type: 'lamp-status',
      z: 'tab1',
      x: 300,
      y: 180,
      device: 'dev1',
      interval: 10,
      output: 'state',
      wires: [[]],
    },
  ]);
  browser = await launchChromium();
});

after(() => tearDown(tmp, browser, red, emulator, strip));

function openEditor(locale = 'en-US'): Promise<Page> {
  return openAt(browser, red.url, 'ctl1', 'lamp-control', locale);
}

/** Sets a field the way a user would and lets Node-RED re-validate it. */
async function setField(page: Page, selector: string, value: string): Promise<boolean> {
  await page.fill(selector, value);
  return page.evaluate((sel) => {
    $(sel).trigger('change');
    return $(sel).hasClass('input-error');
  }, selector);
}

/** Shows a node's help in the sidebar, with the topic list folded away so the text has the height. */
async function showHelp(page: Page, type: string): Promise<void> {
  await page.evaluate((t) => RED.sidebar.help.show(t), type);
  await page.waitForTimeout(300);
  await page.evaluate(() => $('#red-ui-sidebar-help-show-toc.selected').trigger('click'));
  await page.waitForTimeout(300);
}

/** The text of the help sidebar (Node-RED renders it in more than one .red-ui-help element). */
async function helpText(page: Page): Promise<string> {
  return page.$$eval('.red-ui-help', (els) => els.map((e) => e.textContent).join(' '));
}

function flowNode(id: string): Promise<Record<string, unknown> | undefined> {
  return deployedNode(red.url, id);
}

test('palette shows the lamp control category with its nodes', async () => {
  const page = await openEditor();
  try {
    for (const type of ['lamp-control', 'lamp-status', 'lamp-event']) {
      const label = await page.textContent(
        `.red-ui-palette-node[data-palette-type="${type}"] .red-ui-palette-label`,
      );
      assert.ok(label?.trim(), `${type} has a palette label`);
    }
    const categories = await page.$$eval('.red-ui-palette-header', (els) =>
      els.map((e) => e.textContent?.trim()),
    );
    assert.ok(
      categories.some((c) => c === 'lamp control'),
      `category listed: ${categories.join(', ')}`,
    );
  } finally {
    await page.context().close();
  }
});

test('labels; nodes from flows without the optional properties are valid (runtime defaults apply)', async () => {
  const page = await openEditor();
  try {
    const valid = await page.evaluate(() =>
      ['dev1', 'dev2', 'ctl1', 'st1', 'st2'].map((id) => [id, RED.nodes.node(id).valid]),
    );
    assert.deepEqual(valid, [
      ['dev1', true],
      ['dev2', true],
      ['ctl1', true],
      ['st1', true],
      ['st2', true],
    ]);
    const labels = await page.evaluate(() =>
      ['dev1', 'dev2', 'ctl1', 'st1'].map((id) => RED.utils.getNodeLabel(RED.nodes.node(id))),
    );
    assert.deepEqual(labels, [
      `127.0.0.1:${emulator.port}`,
      '127.0.0.1',
      '127.0.0.1',
      'status: 127.0.0.1',
    ]);
    await editConfig(page, 'dev2');
    // A device saved before protocols existed shows what the runtime migrates it to.
    assert.equal(await page.inputValue('#node-config-input-port'), '80');
    assert.equal(await page.inputValue('#node-config-input-protocol'), 'auto');
    assert.equal(await page.inputValue('#node-config-input-timeout'), '5');
    await page.click('#node-config-dialog-cancel');
    await page.waitForTimeout(400);
    await editNode(page, 'st2', '#node-input-interval');
    assert.equal(await page.inputValue('#node-input-interval'), '10');
    assert.equal(await page.inputValue('#node-input-output'), 'state');
  } finally {
    await page.context().close();
  }
});

test('help renders with message-property lists for every node', async () => {
  const page = await openEditor();
  try {
    // Tall enough for the whole help text in the screenshots.
    await page.setViewportSize({ width: 1280, height: 3400 });
    for (const [type, props] of [
      ['lamp-control', ['payload', 'child', 'outlet', 'request', 'payload']],
      ['lamp-status', ['child', 'outlet', 'payload', 'payload', 'state', 'topic']],
      ['lamp-event', ['payload', 'topic', 'event']],
    ] as const) {
      await showHelp(page, type);
      const dts = await page.$$eval('.red-ui-help dl.message-properties dt', (els) =>
        els.map((e) => e.firstChild?.textContent?.trim()),
      );
      assert.deepEqual(dts, [...props], `${type} help`);
      await page.screenshot({ path: path.join(shots, `help-${type}-en-US.png`) });
      if (type === 'lamp-control') {
        // What transition does per family, and that Tapo bulbs fade only by their own setting.
        const help = await helpText(page);
        assert.match(help, /Tapo bulbs fade only through their own gradual on\/off/);
        assert.match(help, /energyHistory/);
      }
    }
    await showHelp(page, 'klap-device');
    await page.screenshot({ path: path.join(shots, 'help-klap-device-en-US.png') });
    const text = await page.$$eval('.red-ui-help', (els) =>
      els.map((e) => e.textContent).join(' '),
    );
    assert.match(text, /Third-Party Compatibility/);
    assert.match(text, /lampControlDiscoveryTargets[\s\S]*lampControlDiscoveryPort/);
  } finally {
    await page.context().close();
  }
});

test('lamp-control dialog: fields, defaults, and saving persists', async () => {
  const page = await openEditor();
  try {
    const defaults = await page.evaluate(() => {
      const d = RED.nodes.getType('lamp-control').defaults;
      return { action: d.action.value, device: d.device.type };
    });
    assert.deepEqual(defaults, { action: 'payload', device: 'klap-device' });
    // ctl1 was deployed without an action: the dialog shows the runtime's default.
    await editNode(page, 'ctl1', '#node-input-action');
    assert.equal(await page.inputValue('#node-input-action'), 'payload');
    const options = await page.$$eval('#node-input-action option', (els) =>
      els.map((e) => [(e as HTMLOptionElement).value, e.textContent?.trim()]),
    );
    assert.deepEqual(
      options.map((o) => o[0]),
      ['payload', 'on', 'off', 'toggle'],
    );
    assert.ok(
      options.every((o) => o[1] && !o[1].includes('lamp-control.')),
      'option labels translated',
    );
    assert.equal(await page.inputValue('#node-input-device'), 'dev1');
    assert.match((await page.textContent('.form-tips')) ?? '', /msg\.payload/);
    await page.screenshot({ path: path.join(shots, 'lamp-control-dialog.png') });

    await page.selectOption('#node-input-action', 'toggle');
    await page.fill('#node-input-name', 'Hall lamp');
    await page.click('#node-dialog-ok');
    await deployFromEditor(page);
    const saved = await waitFor('lamp-control saved', async () => {
      const n = await flowNode('ctl1');
      return n?.name === 'Hall lamp' ? n : undefined;
    });
    assert.equal(saved.action, 'toggle');
    assert.equal(saved.device, 'dev1');
  } finally {
    await page.context().close();
  }
});

test("outlet list: a strip's outlets by number and name, chosen into the outlet field", async () => {
  const page = await openEditor();
  try {
    const label = await page.evaluate(() => RED.utils.getNodeLabel(RED.nodes.node('ctl3')));
    assert.equal(label, 'Study strip › 2');
    await editNode(page, 'ctl3', '#node-input-outlet');
    assert.equal(await page.inputValue('#node-input-outlet'), '2');
    await page.waitForSelector('#node-input-outlet-list', { state: 'visible', timeout: 10_000 });
    const options = await page.$$eval('#node-input-outlet-list option', (els) =>
      els.map((e) => [(e as HTMLOptionElement).value, e.textContent?.trim()]),
    );
    assert.deepEqual(options, [
      ['', 'whole device'],
      ['1', '1 · Desk lamp'],
      ['2', '2 · Reading lamp'],
      ['3', '3 · Fan'],
    ]);
    assert.equal(await page.inputValue('#node-input-outlet-list'), '2', 'the saved outlet chosen');
    await page.screenshot({ path: path.join(shots, 'lamp-control-outlets.png') });
    await page.selectOption('#node-input-outlet-list', '3');
    assert.equal(await page.inputValue('#node-input-outlet'), '3');
    await page.click('#node-dialog-ok');
    await deployFromEditor(page);
    await waitFor('outlet saved', async () =>
      (await flowNode('ctl3'))?.outlet === '3' ? true : undefined,
    );

    // A lamp has no outlets: the dialog says so instead of a list.
    await editNode(page, 'st1', '#node-input-outlet');
    await page.waitForFunction(() => /no outlets/.test($('#node-input-outlet-note').text()));
    assert.equal(await page.isVisible('#node-input-outlet-list'), false);
    await page.click('#node-dialog-cancel');
  } finally {
    await page.context().close();
  }
});

test('lamp-status dialog: defaults, interval validation, saving persists', async () => {
  const page = await openEditor();
  try {
    const defaults = await page.evaluate(() => {
      const d = RED.nodes.getType('lamp-status').defaults;
      return { interval: d.interval.value, output: d.output.value, device: d.device.type };
    });
    assert.deepEqual(defaults, { interval: 10, output: 'state', device: 'klap-device' });
    await editNode(page, 'st1', '#node-input-interval');
    assert.equal(await page.inputValue('#node-input-interval'), '10');
    assert.equal(await page.inputValue('#node-input-output'), 'state');
    assert.equal(
      await setField(page, '#node-input-interval', '-1'),
      true,
      'interval -1 marked red',
    );
    await page.screenshot({ path: path.join(shots, 'lamp-status-dialog-invalid.png') });
    assert.equal(
      await setField(page, '#node-input-interval', 'abc'),
      true,
      'interval abc marked red',
    );
    assert.equal(
      await setField(page, '#node-input-interval', '0'),
      false,
      'interval 0 (no polling) is fine',
    );
    assert.equal(await setField(page, '#node-input-interval', '30'), false);
    // Power change: blank by default (whole watts, as before the field existed), W otherwise.
    assert.equal(await page.inputValue('#node-input-powerThreshold'), '');
    assert.equal(
      await setField(page, '#node-input-powerThreshold', '-1'),
      true,
      'power change -1 marked red',
    );
    assert.equal(await setField(page, '#node-input-powerThreshold', '5'), false);
    await page.selectOption('#node-input-output', 'on');
    await page.screenshot({ path: path.join(shots, 'lamp-status-dialog.png') });
    await page.click('#node-dialog-ok');
    await deployFromEditor(page);
    const saved = await waitFor('lamp-status saved', async () => {
      const n = await flowNode('st1');
      return n?.output === 'on' ? n : undefined;
    });
    assert.equal(Number(saved.interval), 30);
    assert.equal(saved.powerThreshold, '5');
  } finally {
    await page.context().close();
  }
});

test('klap-device dialog: validation, password never rendered, test connection, persistence', async () => {
  const page = await openEditor();
  try {
    const defaults = await page.evaluate(() => {
      const t = RED.nodes.getType('klap-device');
      return {
        port: t.defaults.port.value,
        protocol: t.defaults.protocol.value,
        version: t.defaults.version.value,
        timeout: t.defaults.timeout.value,
        category: t.category,
        creds: t.credentials,
      };
    });
    // New devices: the protocol found by itself on its own port, settings version 1.
    assert.deepEqual(defaults, {
      port: '',
      protocol: 'auto',
      version: 1,
      timeout: 5,
      category: 'config',
      creds: { username: { type: 'text' }, password: { type: 'password' } },
    });
    await editConfig(page, 'dev1');
    assert.equal(await page.inputValue('#node-config-input-host'), '127.0.0.1');
    assert.equal(await page.inputValue('#node-config-input-port'), String(emulator.port));
    assert.equal(await page.inputValue('#node-config-input-protocol'), 'auto');
    assert.equal(await page.inputValue('#node-config-input-timeout'), '5');
    assert.equal(await page.inputValue('#node-config-input-username'), DEMO_USER);
    assert.equal(await page.inputValue('#node-config-input-password'), '__PWRD__');
    assert.equal(await page.getAttribute('#node-config-input-password', 'type'), 'password');
    const html = await page.content();
    assert.ok(!html.includes(DEMO_PASSWORD), 'the stored password is not in the page');
    const creds = await page.evaluate(() => RED.nodes.node('dev1').credentials);
    assert.equal(creds.password, undefined);
    assert.equal(creds.has_password, true);
    await page.screenshot({ path: path.join(shots, 'klap-device-dialog.png') });

    // Validation marking.
    assert.equal(
      await setField(page, '#node-config-input-host', ''),
      true,
      'empty host marked red',
    );
    assert.equal(await setField(page, '#node-config-input-port', '0'), true, 'port 0 marked red');
    assert.equal(
      await setField(page, '#node-config-input-port', '70000'),
      true,
      'port 70000 marked red',
    );
    assert.equal(
      await setField(page, '#node-config-input-timeout', '0'),
      true,
      'timeout 0 marked red',
    );
    await page.screenshot({ path: path.join(shots, 'klap-device-dialog-invalid.png') });
    assert.equal(await setField(page, '#node-config-input-host', '127.0.0.1'), false);
    assert.equal(await setField(page, '#node-config-input-port', ''), false, 'blank port: default');
    assert.equal(await setField(page, '#node-config-input-port', String(emulator.port)), false);
    assert.equal(await setField(page, '#node-config-input-timeout', '7'), false);

    // Test connection with the stored password (the field still shows __PWRD__).
    await page.click('#node-config-lamp-control-probe');
    await page.waitForFunction(
      () =>
        /L530/.test(
          document.getElementById('node-config-lamp-control-probe-result')?.textContent ?? '',
        ),
      null,
      { timeout: 15_000 },
    );
    assert.ok(await page.$('#node-config-lamp-control-probe-result.lamp-control-probe-ok'));
    // Which protocol answered and which credentials it took.
    const okText = (await page.textContent('#node-config-lamp-control-probe-result')) ?? '';
    assert.match(okText, /Protocol: KLAP 2 \(SHA\); credentials: your account/, okText);
    await page.screenshot({ path: path.join(shots, 'klap-device-probe-ok.png') });

    // ... and with a wrong password typed in: the device's refusal is shown.
    await page.fill('#node-config-input-password', 'not-the-password');
    const failure = await testConnection(page, 'error', 20_000);
    assert.match(failure, /credentials|case-sensitive/i, failure);
    assert.ok(!failure.includes('not-the-password'), 'the typed password is not echoed');
    await page.screenshot({ path: path.join(shots, 'klap-device-probe-failed.png') });

    // Save with the password unchanged: name and timeout persist, the password survives.
    await page.fill('#node-config-input-password', '__PWRD__');
    await page.fill('#node-config-input-name', 'Desk lamp');
    await page.click('#node-config-dialog-ok');
    await deployFromEditor(page);
    const saved = await waitFor('klap-device saved', async () => {
      const n = await flowNode('dev1');
      return n?.name === 'Desk lamp' ? n : undefined;
    });
    assert.equal(Number(saved.timeout), 7);
    assert.equal(Number(saved.port), emulator.port);
    // Saving in this release records the settings version and the protocol.
    assert.equal(Number(saved.version), 1);
    assert.equal(saved.protocol, 'auto');
    assert.equal(saved.credentials, undefined, 'GET /flows never returns credentials');
  } finally {
    await page.context().close();
  }

  // The stored password still works after the save (probe falls back to it by id).
  const res = await fetch(`${red.url}/lamp-control/probe`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      id: 'dev1',
      host: '127.0.0.1',
      port: emulator.port,
      timeout: 5,
      username: DEMO_USER,
      password: '__PWRD__',
    }),
  });
  const answer = (await res.json()) as { ok: boolean; model?: string };
  assert.equal(answer.ok, true, JSON.stringify(answer));
  assert.equal(answer.model, 'L530');
});

test('klap-device dialog: Search lists the emulated lamp and fills host and port', async () => {
  const page = await openEditor();
  try {
    await editConfig(page, 'dev2');
    await page.fill('#node-config-input-host', '');
    await page.click('#node-config-lamp-control-search');
    const item = page.locator('#node-config-lamp-control-search-results li button');
    await item.first().waitFor({ timeout: 15_000 });
    const text = (await item.first().textContent()) ?? '';
    assert.match(text, new RegExp(`L530.*127\\.0\\.0\\.1:${emulator.port}`), text);
    await page.screenshot({ path: path.join(shots, 'klap-device-search.png') });
    await item.first().click();
    assert.equal(await page.inputValue('#node-config-input-host'), '127.0.0.1');
    assert.equal(await page.inputValue('#node-config-input-port'), String(emulator.port));
    assert.equal(await page.isVisible('#node-config-lamp-control-search-area'), false);
    await page.click('#node-config-dialog-cancel');
  } finally {
    await page.context().close();
  }
});

test('German editor: labels, options and tips are translated', async () => {
  const page = await openEditor('de-DE');
  try {
    await editNode(page, 'st1', '#node-input-interval');
    const labels = await page.$$eval('.red-ui-tray label', (els) =>
      els.map((e) => e.textContent?.trim()),
    );
    assert.ok(labels.includes('Abfrage alle'), labels.join(' | '));
    assert.ok(labels.includes('Leistungsänderung'), labels.join(' | '));
    assert.match((await page.textContent('.form-tips')) ?? '', /Zustand/);
    await page.screenshot({ path: path.join(shots, 'lamp-status-dialog-de.png') });
    await page.click('#node-dialog-cancel');
    await page.waitForTimeout(400);

    await editNode(page, 'ctl1', '#node-input-action');
    assert.match((await page.textContent('.form-tips')) ?? '', /Hilfe/);
    await page.screenshot({ path: path.join(shots, 'lamp-control-dialog-de.png') });
    await page.click('#node-dialog-cancel');
    await page.waitForTimeout(400);

    await editConfig(page, 'dev1');
    assert.match(
      (await page.textContent('#node-config-lamp-control-probe')) ?? '',
      /Verbindung testen/,
    );
    assert.match((await page.textContent('#node-config-lamp-control-tips')) ?? '', /Drittanbieter/);
    await page.screenshot({ path: path.join(shots, 'klap-device-dialog-de.png') });
    assert.match(await testConnection(page, 'ok', 15_000), /L530/);
    await page.screenshot({ path: path.join(shots, 'klap-device-probe-ok-de.png') });
    await page.click('#node-config-dialog-cancel');
    await page.waitForTimeout(400);

    await page.setViewportSize({ width: 1280, height: 3400 });
    await showHelp(page, 'lamp-control');
    assert.match(await helpText(page), /Tapo-Lampen blenden nur über ihr eigenes sanftes/);
    await page.screenshot({ path: path.join(shots, 'help-lamp-control-de-DE.png') });
  } finally {
    await page.context().close();
  }
});
