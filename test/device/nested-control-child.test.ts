/**
 * control_child inside a parent multipleRequest is a shape no client proves on real strips or
 * hubs, so the library never sends it: each control_child goes as a request of its own. Here
 * every answer the emulator can give to the nested shape ('accept' and the four refusals)
 * leaves strips and hubs fully working, with the same requests each way.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, type LampClient } from '../../src/device/client';
import type { HubChildState, LampState } from '../../src/device/types';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import {
  NESTED_CONTROL_CHILD_MODES,
  type NestedControlChildMode,
} from '../../src/emulator/nested-control-child';

const USER = 'nested@example.com';
const PASS = 'Nested-Pass9';

const running: { device: EmulatedDevice; lamp: LampClient }[] = [];
after(async () => {
  for (const { device, lamp } of running.splice(0)) {
    await lamp.close();
    await device.close();
  }
});

async function start(
  model: 'P304M' | 'P300' | 'H100',
  mode: NestedControlChildMode,
  children?: ('S200B' | 'S220' | 'KE100')[],
) {
  const device = await startEmulator({
    model,
    username: USER,
    password: PASS,
    nestedControlChild: mode,
    ...(children ? { children } : {}),
  });
  const lamp = await connect({
    host: device.host,
    port: device.port,
    username: USER,
    password: PASS,
    // A nested batch left unanswered ('timeout') would cost this much, and fail the test.
    timeoutMs: 2000,
  });
  running.push({ device, lamp });
  return { device, lamp };
}

describe('no control_child inside a parent batch: strips and hubs work whatever the answer', () => {
  const counts = new Map<string, number[]>();
  const count = (what: string, device: EmulatedDevice) => {
    counts.set(what, [...(counts.get(what) ?? []), device.server.counters.requests]);
  };

  for (const mode of NESTED_CONTROL_CHILD_MODES) {
    it(`nested control_child answered '${mode}'`, async () => {
      const p304 = await start('P304M', mode);
      const strip = await p304.lamp.getState();
      assert.equal(strip.outlets?.length, 4);
      assert.ok(
        strip.outlets?.every((o) => typeof o.power === 'number'),
        "every outlet's meter read",
      );
      const two = await p304.lamp.outlet(2).setState(true);
      assert.equal(two.on, true);
      assert.equal(p304.device.outlets.find((o) => o.position === 2)?.on, true);
      const history = await p304.lamp.energyHistory({ interval: 'day' }, { child: 2 });
      assert.ok(history.length > 0);
      count('P304M', p304.device);

      const p300 = await start('P300', mode);
      const auto = await p300.lamp.child(3).setState({ autoOff: { enabled: true, minutes: 5 } });
      assert.deepEqual((auto as LampState).autoOff, { enabled: true, minutes: 5 });
      count('P300', p300.device);

      const h100 = await start('H100', mode, ['S200B', 'S220', 'KE100']);
      const reader = h100.lamp.events();
      await reader.read();
      h100.device.hub.press('Button');
      const light = await h100.lamp.child('Light switch').setState(true);
      assert.equal(light.on, true);
      const valve = (await h100.lamp
        .child('Radiator valve')
        .setState({ targetTemperature: 19 })) as HubChildState;
      assert.equal(valve.targetTemperature, 19);
      assert.deepEqual(
        (await reader.read()).map((e) => e.name),
        ['singleClick'],
      );
      count('H100', h100.device);
    });
  }

  it('sends the same requests whatever the nested answer would have been', () => {
    for (const [what, list] of counts) {
      assert.equal(list.length, NESTED_CONTROL_CHILD_MODES.length, what);
      assert.equal(new Set(list).size, 1, `${what}: ${list.join(', ')}`);
    }
  });
});
