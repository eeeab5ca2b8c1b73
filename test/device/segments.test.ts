/**
 * Painting a light strip's segments through LampClient (docs/protocols/segments.md): the
 * grammar, the spread, the full-resolution rule the emulated L920/L930 keep, ending a painting
 * by a colour, white or effect (read back), refusals by model with nothing sent, and floods
 * merged into previews with the last painting saved.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LampClient } from '../../src/device/client';
import { parseCommand } from '../../src/device/command';
import { PAINT_ID, spread } from '../../src/device/features/segments';
import { mergeCommands } from '../../src/device/merge';
import { createDevice } from '../../src/emulator';
import { MemoryTransport } from '../../src/emulator/memory-transport';
import type { SmartModel } from '../../src/emulator/models';
import { createModel } from '../../src/emulator/models';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import { InvalidCommandError, UnsupportedFeatureError } from '../../src/transport/errors';
import { expectRefused, rig, smartDevice } from './helpers';

const RED = [0, 100, 100, 0];
const BLUE = [240, 100, 100, 0];

/** A client on an emulated SMART model description (changed from one of ours). */
function rigOf(model: SmartModel) {
  const device = createDevice(model) as EmulatedSmartDevice;
  const transport = new MemoryTransport((text) => device.handle(text));
  const client = new LampClient({ host: '127.0.0.1', port: 9 }, transport);
  return { client, transport, device };
}

/** The L920 of firmware 1.0.7: `segment` listed, `segment_effect` not. */
function olderL920(): SmartModel {
  const model = createModel('L920') as SmartModel;
  model.components = model.components.filter((x) => x.id !== 'segment_effect');
  model.info.fw_ver = '1.0.7 Build 230110 Rel.120000';
  delete model.info.segment_effect;
  return model;
}

/** The params of every request of `method` sent, batched or not. */
function sentParams(transport: MemoryTransport, method: string): Record<string, unknown>[] {
  type Request = { method: string; params?: unknown };
  const requests = (transport.requests as Request[]).flatMap((r) =>
    r.method === 'multipleRequest' ? (r.params as { requests: Request[] }).requests : [r],
  );
  return requests
    .filter((r) => r.method === method)
    .map((r) => r.params as Record<string, unknown>);
}

describe('the segments grammar', () => {
  it('takes every colour form and null, and the painting brightness', () => {
    assert.deepEqual(
      parseCommand({
        segments: ['#ff0000', { r: 0, g: 0, b: 255 }, { h: 120, s: 50, v: 40 }, null],
        brightness: 30,
      }),
      {
        brightness: 30,
        segments: [
          { hue: 0, saturation: 100, brightness: 100 },
          { hue: 240, saturation: 100, brightness: 100 },
          { hue: 120, saturation: 50, brightness: 40 },
          null,
        ],
      },
    );
  });

  it('refuses what it cannot paint, naming the entry', () => {
    const refusal = (payload: unknown, message: RegExp) =>
      assert.throws(
        () => parseCommand(payload),
        (error: unknown) =>
          error instanceof InvalidCommandError && message.test((error as Error).message),
      );
    refusal({ segments: [] }, /list of 1 to 50 colours/);
    refusal({ segments: '#ff0000' }, /list of 1 to 50 colours/);
    refusal({ segments: Array(51).fill('#ff0000') }, /list of 1 to 50 colours/);
    refusal({ segments: ['#ff0000', 'blue'] }, /segments\[1\] must be "#rrggbb"/);
    refusal({ segments: [null, '#000000'] }, /all off.*send false/);
    refusal({ segments: ['#ff0000'], color: '#00ff00' }, /without color/);
    refusal({ segments: ['#ff0000'], effect: 'Aurora' }, /without effect/);
    refusal({ segments: ['#ff0000'], on: false }, /contradict/);
  });

  it('spreads k colours over N segments: segment i gets colour floor(i·k/N)', () => {
    const halves = spread(['a', 'b'], 50);
    assert.deepEqual(halves.slice(0, 25), Array(25).fill('a'));
    assert.deepEqual(halves.slice(25), Array(25).fill('b'));
    assert.deepEqual(spread(['a', 'b', 'c'], 7), ['a', 'a', 'a', 'b', 'b', 'c', 'c']);
    const each = Array.from({ length: 47 }, (_, i) => i);
    assert.deepEqual(spread(each, 47), each);
  });

  it('merges: a painting replaces a colour, a colour ends a painting, a brightness repaints', () => {
    const paint = parseCommand({ segments: ['#ff0000', '#0000ff'] });
    assert.deepEqual(mergeCommands({ hue: 10, saturation: 20 }, paint), paint);
    assert.deepEqual(mergeCommands(paint, { hue: 10, saturation: 20 }), {
      hue: 10,
      saturation: 20,
    });
    assert.deepEqual(mergeCommands(paint, { effect: 'Aurora' }), { effect: 'Aurora' });
    assert.deepEqual(mergeCommands(paint, { brightness: 30 }), { ...paint, brightness: 30 });
    assert.deepEqual(mergeCommands({ effect: 'Aurora' }, paint), paint);
    assert.deepEqual(mergeCommands({ on: false }, paint), paint);
  });
});

describe('painting an emulated L920', () => {
  it('two colours over its 50 segments paint halves, in the full-resolution form', async () => {
    const r = rig('L920');
    const device = smartDevice(r);
    try {
      assert.equal((await r.client.getState()).segments, 50, 'the count, read from the strip');
      const state = await r.client.setState({ segments: ['#ff0000', '#0000ff'], brightness: 60 });
      assert.equal(state.on, true);
      assert.equal(state.brightness, 60);
      const [rule] = sentParams(r.transport, 'apply_segment_effect_rule');
      assert.deepEqual(
        rule.segments,
        Array.from({ length: 50 }, (_, i) => i),
      );
      assert.equal((rule.states as unknown[]).length, 50);
      assert.deepEqual(
        [rule.type, rule.speed, rule.custom, rule.deviceType],
        ['none', 0, 1, 'strip'],
      );
      assert.deepEqual(rule.display_colors, [RED, BLUE]);
      const shown = device.segments?.shown;
      assert.deepEqual(shown?.slice(0, 25), Array(25).fill(RED));
      assert.deepEqual(shown?.slice(25), Array(25).fill(BLUE));
      assert.equal((device.info.segment_effect as { enable: number }).enable, 1);
    } finally {
      await r.client.close();
    }
  });

  it('a colour, a white or an effect afterwards ends the painting, read back from the strip', async () => {
    for (const after of [{ color: '#00ff00' }, { colorTemp: 4000 }, { effect: 'Aurora' }]) {
      const r = rig('L930');
      const device = smartDevice(r);
      try {
        await r.client.setState({ segments: ['#ff0000', null, '#0000ff'] });
        assert.ok(device.segments?.shown, 'painted');
        await r.client.setState(after);
        assert.equal(device.segments?.shown, undefined, `${JSON.stringify(after)} ended it`);
        const fresh = r.client.request('get_device_info') as Promise<{
          segment_effect: { enable: number };
        }>;
        assert.equal((await fresh).segment_effect.enable, 0);
      } finally {
        await r.client.close();
      }
    }
  });

  it('a brightness alone repaints at that brightness; null paints a part off', async () => {
    const r = rig('L920');
    const device = smartDevice(r);
    try {
      await r.client.setState({ segments: [null, '#ff0000'] });
      assert.deepEqual(device.segments?.shown?.[0], [0, 0, 0, 0]);
      const state = await r.client.setState({ brightness: 25 });
      assert.equal(state.brightness, 25);
      assert.equal((device.info.segment_effect as { brightness: number }).brightness, 25);
      assert.deepEqual(device.segments?.shown?.[49], RED);
    } finally {
      await r.client.close();
    }
  });

  it('stops a running strip effect before painting', async () => {
    const r = rig('L920');
    const device = smartDevice(r);
    try {
      await r.client.setState({ effect: 'Aurora' });
      const state = await r.client.setState({ segments: ['#ff0000'] });
      assert.equal(state.effect, 'off');
      assert.equal((device.info.lighting_effect as { enable: number }).enable, 0);
    } finally {
      await r.client.close();
    }
  });

  it('counts a cut strip by what it reports; more colours than segments are refused', async () => {
    const r = rigOf({ ...(createModel('L920') as SmartModel), segments: 47 });
    try {
      assert.equal((await r.client.getState()).segments, 47);
      await expectRefused(
        r.transport,
        () => r.client.setState({ segments: Array(48).fill('#ff0000') }),
        'segments',
        /this L920 has 47 segments: send at most 47 colours \(got 48\)/,
        InvalidCommandError,
      );
      await r.client.setState({
        segments: Array.from({ length: 47 }, (_, h) => ({ h, s: 100, v: 100 })),
      });
      assert.deepEqual(r.device.segments?.shown?.[46], [46, 100, 100, 0], 'one colour each');
    } finally {
      await r.client.close();
    }
  });
});

describe('strips without segment control refuse by name, nothing sent', () => {
  const cases: [string, () => ReturnType<typeof rigOf> | ReturnType<typeof rig>, RegExp][] = [
    ['L900', () => rig('L900'), /this L900 cannot paint segments: it lights as one; use color/],
    [
      'L920 without segment_effect',
      () => rigOf(olderL920()),
      /this L920 cannot paint segments: its firmware has no segment control.*update it/,
    ],
    ['KL430', () => rig('KL430'), /this KL430 cannot paint segments: no client has yet proven/],
    ['L530', () => rig('L530'), /this L530 is not a light strip/],
  ];
  for (const [name, make, message] of cases) {
    it(name, async () => {
      const r = make();
      try {
        const state = await r.client.getState();
        assert.equal(state.segments, undefined, 'no segments in the state');
        await expectRefused(
          r.transport,
          () => r.client.setState({ segments: ['#ff0000', '#0000ff'] }),
          'segments',
          message,
          UnsupportedFeatureError,
        );
      } finally {
        await r.client.close();
      }
    });
  }
});

describe('a flood of repaints', () => {
  it('merges into a preview, then saves the last painting once nothing more waits', async () => {
    const r = rig('L920');
    const device = smartDevice(r);
    try {
      await r.client.open();
      const sent = r.transport.sent.length;
      const hues = Array.from({ length: 100 }, (_, i) => i * 3);
      const states = await Promise.all(
        hues.map((h) => r.client.setState({ segments: [{ h, s: 100, v: 100 }, '#0000ff'] })),
      );
      assert.equal(states.length, 100);
      assert.ok(r.transport.sent.length - sent <= 4, `${r.transport.sent.length - sent} requests`);
      assert.equal(sentParams(r.transport, 'start_segment_effect_test').length, 1, 'one preview');
      // Saved: the one that ran alone, if any, and the last (the strip's storage is spared).
      assert.ok(sentParams(r.transport, 'apply_segment_effect_rule').length <= 2, 'few saves');
      const saved = device.segments?.saved as { id: string; states: number[][] };
      assert.equal(saved.id, PAINT_ID);
      assert.deepEqual(saved.states[0], [297, 100, 100, 0], 'the last painting is the saved one');
      assert.equal(device.segments?.previewing, false);
    } finally {
      await r.client.close();
    }
  });

  it('a strip that refuses previews gets every painting saved', async () => {
    const r = rig('L920');
    const device = smartDevice(r);
    if (device.segments) device.segments.previews = false;
    try {
      await r.client.open();
      await Promise.all(
        [0, 60, 120].map((h) => r.client.setState({ segments: [{ h, s: 100, v: 100 }] })),
      );
      assert.deepEqual(device.segments?.shown?.[0], [120, 100, 100, 0]);
      assert.equal(sentParams(r.transport, 'start_segment_effect_test').length, 1, 'tried once');
      // A later flood goes straight to saving.
      await Promise.all(
        [10, 20, 30].map((h) => r.client.setState({ segments: [{ h, s: 100, v: 100 }] })),
      );
      assert.equal(sentParams(r.transport, 'start_segment_effect_test').length, 1);
      assert.deepEqual(device.segments?.shown?.[0], [30, 100, 100, 0]);
    } finally {
      await r.client.close();
    }
  });
});
