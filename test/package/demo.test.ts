/**
 * `npm start` smoke test: scripts/demo.mjs (with --no-build, in a temporary user dir) starts the
 * emulated lamps and Node-RED, deploys the demo flow, inject clicks change a lamp on each of the
 * three protocols (KLAP, AES, Kasa legacy), the editor's device search, kept on 127.0.0.1, lists
 * every device, and SIGINT stops everything cleanly. Runs on the demo's ports shifted by
 * LAMP_DEMO_PORT_OFFSET, so it does not collide with a running demo. Needs a build.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_BASE_PORTS, portFree, startDemo } from './demo-runner';
import { DEMO_PASSWORD, DEMO_USER, repoRoot, waitFor } from './support';

// Shifted away from the demo's own ports, so `npm test` runs beside a running `npm start` (or
// another checkout's test): the first offset whose ports are all free (demo-runner.ts).
const OFFSETS = [1100, 2300, 3500, 4700, 5900];
let RED = 0;
let L530_PORT = 0;
let AES_PORT = 0;
let STRIP_PORT = 0;
let LEGACY_PORT = 0;
let HUB_PORT = 0;
let CONTROL_PORT = 0;

type FlowNode = { id: string; type: string; [key: string]: unknown };

/** A strip's outlets' power states, by number. */
const outletsOn = (state: Record<string, unknown>) =>
  ((state.outlets ?? []) as { on: boolean }[]).map((o) => o.on);
type Lamp = {
  getState(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
};

/** Clicks an inject button of the deployed demo flow. */
async function inject(id: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${RED}/inject/${id}`, { method: 'POST' });
  assert.equal(res.status, 200, `inject ${id}`);
}

/**
 * Waits until the emulated device, read directly over the given protocol (not "auto": this also
 * proves which wire the device speaks), is in the state `check` wants.
 */
async function waitForLamp(
  what: string,
  options: Record<string, unknown>,
  check: (state: Record<string, unknown>) => boolean,
): Promise<void> {
  const { connect } = require(repoRoot);
  const lamp: Lamp = await connect({ host: '127.0.0.1', ...options });
  try {
    await waitFor(what, async () => check(await lamp.getState()));
  } finally {
    await lamp.close();
  }
}

/** Node statuses as the editor sees them (Node-RED's comms websocket), by node id. */
let statuses = new Map<string, { fill?: string; text?: string }>();
let comms: { close(): void } | undefined;
function watchStatuses(port: number): Map<string, { fill?: string; text?: string }> {
  const seen = new Map<string, { fill?: string; text?: string }>();
  const WebSocket = require('ws');
  const socket = new WebSocket(`ws://127.0.0.1:${port}/comms`);
  socket.on('open', () => socket.send(JSON.stringify({ subscribe: 'status/#' })));
  socket.on('message', (data: Buffer) => {
    const messages = JSON.parse(String(data)) as { topic: string; data: Record<string, string> }[];
    for (const m of [messages].flat()) {
      if (m.topic?.startsWith('status/')) seen.set(m.topic.slice(7), m.data);
    }
  });
  socket.on('error', () => undefined);
  comms = socket;
  return seen;
}

test('npm start: demo comes up, injects drive KLAP, AES and legacy lamps, Search lists every device, Ctrl-C stops everything', async () => {
  const demo = await startDemo(OFFSETS);
  const OFFSET = demo.offset;
  RED = demo.port(1880);
  L530_PORT = demo.port(8080);
  AES_PORT = demo.port(8084);
  STRIP_PORT = demo.port(8085);
  LEGACY_PORT = demo.port(9999);
  HUB_PORT = demo.port(8086);
  CONTROL_PORT = demo.port(8090);
  try {
    const flows = (await (await fetch(`http://127.0.0.1:${RED}/flows`)).json()) as FlowNode[];
    statuses = watchStatuses(RED);
    for (const type of ['klap-device', 'lamp-control', 'lamp-status', 'lamp-event']) {
      assert.ok(
        flows.some((n) => n.type === type),
        `demo flow has a ${type}`,
      );
    }
    const devices = flows.filter((n) => n.type === 'klap-device');
    assert.equal(devices.length, 8, 'eight demo devices');
    for (const device of devices) {
      assert.equal(device.protocol, 'auto', `${device.name}: Protocol auto`);
      assert.equal(device.version, 1, `${device.name}: current settings version`);
    }
    assert.deepEqual(
      devices.filter((d) => d.id !== 'demo-dev-kl130').map((d) => d.port),
      [8080, 8081, 8082, 8083, 8084, 8085, 8086].map((p) => p + OFFSET),
      'the deployed KLAP and AES device nodes point at the shifted emulator ports',
    );
    assert.equal(devices.find((d) => d.id === 'demo-dev-kl130')?.port, LEGACY_PORT);

    // KLAP: "brightness 30" on the colour bulb.
    await inject('demo-dev-l530-inject-3');
    await waitForLamp(
      'brightness 30 on the emulated L530 (KLAP)',
      { port: L530_PORT, protocol: 'klap', username: DEMO_USER, password: DEMO_PASSWORD },
      (state) => state.brightness === 30,
    );

    // AES: "on", then "brightness 50" on the older-firmware L510.
    await inject('demo-dev-l510-aes-inject-0');
    await inject('demo-dev-l510-aes-inject-2');
    await waitForLamp(
      'on at brightness 50 on the emulated L510 (AES)',
      { port: AES_PORT, protocol: 'aes', username: DEMO_USER, password: DEMO_PASSWORD },
      (state) => state.on === true && state.brightness === 50,
    );

    // The power strip: "every outlet off", then "toggle outlet 2" switches outlet 2 alone.
    await inject('demo-dev-p300-inject-3');
    await waitForLamp(
      'every outlet of the emulated P300 off',
      { port: STRIP_PORT, protocol: 'klap', username: DEMO_USER, password: DEMO_PASSWORD },
      (state) => JSON.stringify(outletsOn(state)) === '[false,false,false]',
    );
    await inject('demo-dev-p300-inject-1');
    await waitForLamp(
      'outlet 2 of the emulated P300 on, the others off',
      { port: STRIP_PORT, protocol: 'klap', username: DEMO_USER, password: DEMO_PASSWORD },
      (state) => JSON.stringify(outletsOn(state)) === '[false,true,false]',
    );

    // The hub: "press the hub's button" goes to the emulator's control interface (its URL moved
    // to the shifted port), the hub logs a single click, the lamp-event node reads it and
    // toggles the colour bulb, once.
    const pressUrl = flows
      .filter((n) => n.id === 'demo-hub-press')
      .flatMap((n) => n.props as { p: string; v?: string }[])
      .find((p) => p.p === 'url')?.v;
    assert.equal(pressUrl, `http://127.0.0.1:${CONTROL_PORT}/children/Button/press`);
    const bulb = {
      port: L530_PORT,
      protocol: 'klap',
      username: DEMO_USER,
      password: DEMO_PASSWORD,
    };
    const { connect } = require(repoRoot);
    const probe: Lamp = await connect({ host: '127.0.0.1', ...bulb });
    const wasOn = (await probe.getState()).on;
    await probe.close();
    const hubLamp: Lamp = await connect({
      host: '127.0.0.1',
      port: HUB_PORT,
      username: DEMO_USER,
      password: DEMO_PASSWORD,
    });
    const hubState = await hubLamp.getState();
    await hubLamp.close();
    assert.deepEqual(
      (hubState.children as { alias: string }[]).map((c) => c.alias),
      ['Button', 'Motion sensor', 'Light switch'],
    );
    // The lamp-event node's first read (its baseline, green ring) is done before the press.
    await waitFor(
      'the lamp-event node listening',
      async () => (statuses.get('demo-hub-event-button')?.fill ?? '') === 'green',
    );
    await inject('demo-hub-press');
    await waitForLamp('the button press toggled the colour bulb', bulb, (s) => s.on === !wasOn);
    await new Promise((r) => setTimeout(r, 2500));
    await waitForLamp('toggled once, not twice', bulb, (s) => s.on === !wasOn);

    // Kasa legacy, no credentials: "teal" (#00aaaa: hue 180) on the KL130, then "off".
    await inject('demo-dev-kl130-inject-2');
    await waitForLamp(
      'teal on the emulated KL130 (legacy)',
      { port: LEGACY_PORT, protocol: 'legacy' },
      (state) => state.on === true && state.hue === 180 && state.saturation === 100,
    );
    await inject('demo-dev-kl130-inject-1');
    await waitForLamp(
      'the emulated KL130 (legacy) off',
      { port: LEGACY_PORT, protocol: 'legacy' },
      (state) => state.on === false,
    );

    // The editor's Search, as the config dialog calls it: the demo's settings restrict it to
    // 127.0.0.1 and point Kasa's legacy query at the legacy bulb's discovery port.
    const search = await fetch(`http://127.0.0.1:${RED}/lamp-control/discover`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ timeout: 2 }),
    });
    assert.equal(search.status, 200);
    const found = (await search.json()) as {
      targets: string[];
      devices: { host: string; model: string; protocol: string }[];
    };
    for (const target of found.targets) assert.match(target, /^127\.0\.0\.1:\d+$/);
    assert.ok(
      found.devices.every((d) => d.host === '127.0.0.1'),
      JSON.stringify(found.devices),
    );
    // Every emulated device answers: the KLAP and AES ones on their discovery ports, the KL130
    // to Kasa's legacy query on the demo's legacy discovery port (not 9999).
    const seen = found.devices.map((d) => `${d.model} ${d.protocol}`);
    assert.ok(seen.includes('KL130 legacy'), `search lists the KL130 (legacy): ${seen.join(', ')}`);
    assert.equal(found.devices.length, found.targets.length + 1, seen.join(', '));
    assert.deepEqual([...new Set(found.devices.map((d) => d.protocol))].sort(), [
      'aes',
      'klap',
      'legacy',
    ]);
  } finally {
    comms?.close();
    const code = await demo.stop();
    assert.equal(code, 0, demo.output());
  }
  const ports = DEMO_BASE_PORTS.map((p) => demo.port(p));
  const freeAfter = await Promise.all(ports.map(portFree));
  assert.deepEqual(
    freeAfter,
    ports.map(() => true),
    'all demo ports released',
  );
  assert.doesNotMatch(demo.output(), /\[error\]/, demo.output());
});
