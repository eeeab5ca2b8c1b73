/**
 * Hub children through a real Node-RED against an emulated H100 (KLAP and AES): each
 * lamp-status node of a child gets that child's own state and ring from ONE poll of the hub; a
 * command to a child goes through `child` (or msg.child) and every status node hears it; the
 * hub's own state and its siren; refusals reach Catch naming the property and the model, and
 * nothing is sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import type { EmulatedDevice, EmulatorOptions } from '../../src/emulator';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import {
  caughtError,
  collect,
  controlNode,
  deploy,
  getNode,
  helperNode,
  nextMessage,
  PASS,
  sleep,
  statuses,
  statusNode,
  USER,
  until,
  useDevices,
} from './support';

const CHILDREN: EmulatorOptions['children'] = ['S200B', 'T100', 'T310', 'S220', 'KE100'];

type State = Record<string, unknown>;
const payloadOf = (msg: NodeMessage) => msg.payload as State;
const last = (msgs: NodeMessage[]) => payloadOf(msgs.at(-1) as NodeMessage);

/** Status node `st-<n>` of `child` into helper `out-<n>`. */
const childStatus = (n: string, child: string, extra: Record<string, unknown> = {}) => [
  statusNode(`st-${n}`, { child, interval: 0.2, wires: [[`out-${n}`]], ...extra }),
  helperNode(`out-${n}`),
];

const smart = (d: EmulatedDevice) => d.device as EmulatedSmartDevice;

describe('hub children in the nodes', () => {
  const start = useDevices();
  const hub = (extra: Partial<EmulatorOptions> = {}) =>
    start({ model: 'H100', children: CHILDREN, username: USER, password: PASS, ...extra });

  for (const protocol of ['klap', 'aes'] as const) {
    it(`gives each child node its child's state and ring from one poll of the hub (${protocol})`, async () => {
      const d = await hub({ protocol });
      await deploy(d, [
        ...childStatus('hub', ''),
        ...childStatus('motion', 'Motion sensor'),
        ...childStatus('switch', 'light switch'),
        ...childStatus('climate', 'Climate sensor'),
        ...childStatus('valve', d.hub.child('Radiator valve').id),
      ]);
      const outs = Object.fromEntries(
        ['hub', 'motion', 'switch', 'climate', 'valve'].map((n) => [n, collect(`out-${n}`)]),
      ) as Record<string, NodeMessage[]>;
      const rings = statuses('st-motion');
      await until(() => Object.values(outs).every((o) => o.length > 0), 'a state each', 8000);

      const hubState = last(outs.hub as NodeMessage[]);
      const children = hubState.children as State[];
      assert.deepEqual(
        children.map((c) => [c.alias, c.model, c.kind, c.online]),
        [
          ['Button', 'S200B', 'button', true],
          ['Motion sensor', 'T100', 'motion', true],
          ['Climate sensor', 'T310', 'climate', true],
          ['Light switch', 'S220', 'switch', true],
          ['Radiator valve', 'KE100', 'thermostat', true],
        ],
      );
      assert.equal(hubState.alarm, false);
      assert.ok(Array.isArray(hubState.alarmSounds));

      const motion = last(outs.motion as NodeMessage[]);
      assert.deepEqual(
        [motion.alias, motion.model, motion.kind, motion.online, motion.parent, motion.motion],
        ['Motion sensor', 'T100', 'motion', true, hubState.alias, false],
      );
      assert.equal(typeof motion.batteryLow, 'boolean');
      assert.equal(typeof last(outs.switch as NodeMessage[]).on, 'boolean');
      const climate = last(outs.climate as NodeMessage[]);
      assert.equal(typeof climate.temperature, 'number');
      assert.equal(typeof climate.humidity, 'number');
      const valve = last(outs.valve as NodeMessage[]);
      assert.equal(typeof valve.targetTemperature, 'number');
      assert.equal(valve.kind, 'thermostat');

      // One request per poll reads every child, however many nodes watch them.
      const before = smart(d).counters.requests;
      const polls = (outs.hub as NodeMessage[]).length;
      await sleep(1000);
      const made = smart(d).counters.requests - before;
      assert.ok(made <= 6, `about one request per 0.2 s poll for five nodes (${made})`);
      assert.equal((outs.hub as NodeMessage[]).length, polls, 'no change, no message');

      // Motion: only the motion node hears it, with its ring.
      const counts = Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.length]));
      d.hub.motion('Motion sensor');
      await until(() => last(outs.motion as NodeMessage[]).motion === true, 'motion');
      await until(
        () => rings.some((s) => s.text === 'klap-device.status.child.motion'),
        'the motion ring',
      );
      assert.equal((outs.climate as NodeMessage[]).length, counts.climate, 'climate unchanged');

      // Offline child: online false, grey ring.
      d.hub.setOnline('Climate sensor', false);
      await until(
        () => last(outs.climate as NodeMessage[]).online === false,
        'the climate sensor offline',
      );
    });
  }

  it('switches a wall switch by child (and by msg.child), and every status node hears it', async () => {
    const d = await hub();
    await deploy(d, [
      ...childStatus('switch', 'Light switch', { interval: 0 }),
      controlNode('ctl', { child: 'Light switch', wires: [['ctlOut']] }),
      controlNode('any', { wires: [['anyOut']] }),
      helperNode('ctlOut'),
      helperNode('anyOut'),
    ]);
    const out = collect('out-switch');
    await until(() => out.length === 1, 'first state');
    const before = last(out).on as boolean;
    const reply = nextMessage('ctlOut');
    getNode('ctl').receive({ payload: 'toggle', topic: 'keep' } as NodeMessage);
    const msg = await reply;
    assert.equal(msg.topic, 'keep');
    assert.deepEqual([payloadOf(msg).alias, payloadOf(msg).on], ['Light switch', !before]);
    await until(() => out.length === 2, 'the status node heard it');
    assert.equal(last(out).on, !before);
    assert.equal(d.hub.child('Light switch').info.device_on, !before);

    const second = nextMessage('anyOut');
    getNode('any').receive({ payload: { on: true }, child: 'Light switch' } as NodeMessage);
    assert.equal(payloadOf(await second).on, true);
    assert.equal(d.hub.child('Light switch').info.device_on, true);
  });

  it('sets a radiator valve target and sounds the hub siren', async () => {
    const d = await hub();
    await deploy(d, [
      controlNode('valve', { child: 'Radiator valve', wires: [['valveOut']] }),
      controlNode('siren', { wires: [['sirenOut']] }),
      helperNode('valveOut'),
      helperNode('sirenOut'),
    ]);
    const v = nextMessage('valveOut');
    getNode('valve').receive({ payload: { targetTemperature: 21.5 } } as NodeMessage);
    assert.equal(payloadOf(await v).targetTemperature, 21.5);
    const s = nextMessage('sirenOut');
    getNode('siren').receive({ payload: { alarm: true } } as NodeMessage);
    assert.equal(payloadOf(await s).alarm, true);
    assert.equal(d.hub.alarm.sounding, true);
    const stop = nextMessage('sirenOut');
    getNode('siren').receive({ payload: { alarm: false } } as NodeMessage);
    assert.equal(payloadOf(await stop).alarm, false);
    assert.equal(d.hub.alarm.sounding, false);
  });

  it('refuses what a child cannot do, and children that do not exist, at Catch, sending nothing', async () => {
    const d = await hub();
    await deploy(d, [
      controlNode('motion', { child: 'Motion sensor' }),
      controlNode('switch', { child: 'Light switch' }),
      controlNode('nobody', { child: 'Garage door' }),
      controlNode('any'),
      helperNode('out'),
    ]);
    const caught = collect('caught');
    const out = collect('out');
    const rings = statuses('nobody');
    await until(() => rings.some((r) => r.fill === 'red'), "the missing child's red ring");
    assert.match(String(rings.find((r) => r.fill === 'red')?.text), /noChild/);
    await sleep(200);
    const requests = smart(d).counters.requests;
    const switchOn = d.hub.child('Light switch').info.device_on;

    const cases: [string, NodeMessage, RegExp][] = [
      ['motion', { payload: { on: true } } as NodeMessage, /T100/],
      [
        'switch',
        { payload: { brightness: 40 } } as NodeMessage,
        /brightness[\s\S]*S220|S220[\s\S]*brightness/,
      ],
      ['nobody', { payload: true } as NodeMessage, /Garage door[\s\S]*Button/],
      ['any', { payload: true, child: 'Garage door' } as NodeMessage, /Garage door/],
      ['any', { payload: true, child: { no: 1 } } as unknown as NodeMessage, /child/],
    ];
    for (const [id, msg, pattern] of cases) {
      const before = caught.length;
      getNode(id).receive(msg);
      await until(() => caught.length === before + 1, `${id} refused`);
      const error = caughtError(caught.at(-1) as NodeMessage);
      assert.match(error.message, pattern, `${id}: ${error.message}`);
      // A bad value or name is INVALID_COMMAND; a feature the child lacks is UNSUPPORTED.
      assert.match(String(error.code), /^(INVALID_COMMAND|UNSUPPORTED)$/, `${id}: ${error.code}`);
    }
    assert.equal(out.length, 0, 'nothing sent on');
    // Refused before sending: only the polls' own reads happened (none here: interval 0).
    assert.equal(d.hub.child('Light switch').info.device_on, switchOn);
    assert.ok(smart(d).counters.requests - requests <= cases.length, 'no command reached the hub');
  });

  it('refuses a child on a lamp, naming what to do', async () => {
    const lamp = await start({ model: 'L530', username: USER, password: PASS });
    await deploy(lamp, [controlNode('ctl', { child: 'Button' }), helperNode('out')]);
    const caught = collect('caught');
    getNode('ctl').receive({ payload: true } as NodeMessage);
    await until(() => caught.length === 1, 'refused');
    assert.match(caughtError(caught[0] as NodeMessage).message, /no children/);
  });
});
