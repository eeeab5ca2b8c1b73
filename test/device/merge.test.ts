/**
 * Commands that queue up behind a busy device: the merge rules on their own, and a dashboard
 * slider flooding an emulated lamp over real HTTP.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LampClient } from '../../src/device/client';
import { mergeCommands } from '../../src/device/merge';
import type { LampCommand } from '../../src/device/types';
import { startEmulator } from '../../src/emulator';

const merge = (...commands: LampCommand[]): LampCommand =>
  commands.reduce((a, b) => mergeCommands(a, b));

describe('mergeCommands', () => {
  it('later values win field by field; earlier fields the later command leaves alone stay', () => {
    assert.deepEqual(merge({ brightness: 10, transition: 500 }, { brightness: 20 }), {
      brightness: 20,
      transition: 500,
    });
    assert.deepEqual(merge({ hue: 10, saturation: 50 }, { saturation: 80 }, { brightness: 5 }), {
      hue: 10,
      saturation: 80,
      brightness: 5,
    });
  });

  it('power: explicit values win, toggles flip what comes before, light changes switch on', () => {
    assert.deepEqual(merge({ on: true }, { toggle: true }), { on: false });
    assert.deepEqual(merge({ toggle: true }, { toggle: true }), {});
    assert.deepEqual(merge({ toggle: true }, { toggle: true }, { toggle: true }), { toggle: true });
    assert.deepEqual(merge({ toggle: true }, { on: true }), { on: true });
    // Off, then a brightness: the device would switch on for the brightness.
    assert.deepEqual(merge({ on: false }, { brightness: 40 }), { brightness: 40 });
    assert.deepEqual(merge({ toggle: true }, { colorTemp: 2700 }), { colorTemp: 2700 });
    // A brightness, then off: off with that brightness kept for next time.
    assert.deepEqual(merge({ brightness: 40 }, { on: false }), { brightness: 40, on: false });
  });

  it('colour and white exclude each other; the later one wins', () => {
    assert.deepEqual(merge({ colorTemp: 3000, brightness: 50 }, { hue: 120, saturation: 100 }), {
      brightness: 50,
      hue: 120,
      saturation: 100,
    });
    assert.deepEqual(merge({ hue: 120, saturation: 100 }, { colorTemp: 4000 }), {
      colorTemp: 4000,
    });
  });

  it('a named effect replaces a colour; a colour after an effect ends it', () => {
    assert.deepEqual(merge({ hue: 10, saturation: 90 }, { effect: 'aurora' }), {
      effect: 'aurora',
    });
    assert.deepEqual(merge({ effect: 'aurora' }, { hue: 200, saturation: 90 }), {
      effect: 'off',
      hue: 200,
      saturation: 90,
    });
    assert.deepEqual(merge({ effect: 'aurora' }, { brightness: 30 }), {
      effect: 'aurora',
      brightness: 30,
    });
    assert.deepEqual(merge({ effect: 'aurora' }, { effect: 'off' }), { effect: 'off' });
  });

  it('leaves its inputs alone', () => {
    const first: LampCommand = { on: true, brightness: 10 };
    mergeCommands(first, { toggle: true, brightness: 20 });
    assert.deepEqual(first, { on: true, brightness: 10 });
  });
});

describe('a slider flooding a lamp that answers in 50 ms', () => {
  it('200 brightness messages: every one completes with a state, the last value wins, few requests', async () => {
    const lamp = await startEmulator({
      model: 'L530',
      port: 0,
      username: 'u@example.com',
      password: 'pw',
    });
    const client = new LampClient({
      host: lamp.host,
      port: lamp.port,
      username: 'u@example.com',
      password: 'pw',
      discoveryPort: null,
    });
    try {
      await client.open();
      lamp.klap.faults.latencyMs = 50;
      const before = lamp.klap.counters.requests;
      const replies: Promise<{ brightness?: number }>[] = [];
      // 200 steps over about a second, as a finger on a dashboard slider sends them.
      for (let step = 1; step <= 200; step++) {
        replies.push(client.setState({ brightness: Math.ceil(step / 2) }));
        if (step % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const states = await Promise.all(replies);
      const requests = lamp.klap.counters.requests - before;
      assert.equal(states.length, 200);
      assert.ok(states.every((s) => typeof s.brightness === 'number'));
      assert.equal(states.at(-1)?.brightness, 100);
      assert.equal(lamp.device.info.brightness, 100, 'the lamp ends where the finger stopped');
      assert.ok(requests <= 25, `${requests} device requests for 200 messages`);
      // Reads queued together share one answer too.
      const reads = await Promise.all(Array.from({ length: 20 }, () => client.getState()));
      assert.ok(reads.every((s) => s.brightness === 100));
      assert.ok(lamp.klap.counters.requests - before - requests <= 2);
    } finally {
      await client.close();
      await lamp.close();
    }
  });
});

describe('merging settings', () => {
  it('settings merge field by field and leave power and light alone', () => {
    assert.deepEqual(merge({ fade: { on: 500 } }, { fade: { off: 0 } }), {
      fade: { on: 500, off: 0 },
    });
    assert.deepEqual(merge({ autoOff: { enabled: true } }, { autoOff: { minutes: 5 } }), {
      autoOff: { enabled: true, minutes: 5 },
    });
    assert.deepEqual(merge({ led: true, on: false }, { led: false }), { led: false, on: false });
    assert.deepEqual(merge({ brightness: 40 }, { autoUpdate: false }), {
      brightness: 40,
      autoUpdate: false,
    });
  });

  it('queued settings commands reach the device as one request', async () => {
    const lamp = await startEmulator({ model: 'P110', username: 'u@example.com', password: 'pw' });
    const client = new LampClient({
      host: '127.0.0.1',
      port: lamp.port,
      username: 'u@example.com',
      password: 'pw',
    });
    try {
      await client.open();
      const before = lamp.device.counters.requests;
      const [, , last] = await Promise.all([
        client.setState({ autoOff: { enabled: true } }),
        client.setState({ autoOff: { minutes: 15 } }),
        client.setState({ led: false }),
      ]);
      assert.deepEqual(last.autoOff, { enabled: true, minutes: 15 });
      assert.equal(last.led, false);
      // Three commands, at most two requests: whatever queued behind a busy device merged.
      assert.ok(lamp.device.counters.requests - before <= 2);
    } finally {
      await client.close();
      await lamp.close();
    }
  });
});
