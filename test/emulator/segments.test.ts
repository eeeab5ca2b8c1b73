/**
 * The emulated segment strips (L920, L930): the count, the saved rule and the preview, the
 * colours each segment shows, and the refusals (-1008) of docs/protocols/segments.md §6, at
 * least as strict as the sources say a real strip is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDevice } from '../../src/emulator';
import { createModel, type SmartModel } from '../../src/emulator/models';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';

function strip(name: 'L920' | 'L930' = 'L920', change: (m: SmartModel) => void = () => {}) {
  const model = createModel(name) as SmartModel;
  change(model);
  const device = createDevice(model) as EmulatedSmartDevice;
  const ask = (method: string, params?: unknown) =>
    JSON.parse(device.handle(JSON.stringify({ method, params }))) as {
      error_code: number;
      result?: Record<string, unknown>;
    };
  return { device, ask };
}

const ALL = Array.from({ length: 50 }, (_, i) => i);
const colour = (h: number) => [h, 100, 100, 0];

/** A static rule over all 50 segments, segment i showing hue i. */
function paint(extra: Record<string, unknown> = {}) {
  return {
    brightness: 80,
    custom: 1,
    deviceType: 'strip',
    display_colors: [colour(0), colour(49)],
    enable: 1,
    id: 'TapoStrip_test',
    name: 'test',
    type: 'none',
    speed: 0,
    segments: ALL,
    states: ALL.map(colour),
    ...extra,
  };
}

describe('emulated segment strips', () => {
  it('L920 and L930 list segment and segment_effect, and report 50 segments', () => {
    for (const name of ['L920', 'L930'] as const) {
      const { device, ask } = strip(name);
      assert.ok(device.has('segment') && device.has('segment_effect'));
      assert.deepEqual(ask('get_device_segment').result, { segment: 50 });
      assert.equal(
        (ask('get_device_info').result?.segment_effect as { enable: number } | undefined)?.enable,
        0,
      );
    }
  });

  it('a static rule in the full-resolution form is saved, summarised and shown', () => {
    const { device, ask } = strip();
    assert.equal(ask('apply_segment_effect_rule', paint()).error_code, 0);
    assert.deepEqual(device.segments?.shown?.[7], colour(7));
    const summary = ask('get_device_info').result?.segment_effect;
    assert.deepEqual(summary, {
      brightness: 80,
      custom: 1,
      display_colors: [colour(0), colour(49)],
      enable: 1,
      id: 'TapoStrip_test',
      name: 'test',
    });
    const rule = ask('get_segment_effect_rule').result as Record<string, unknown>;
    assert.deepEqual(rule.states, ALL.map(colour));
    assert.equal(rule.deviceType, undefined, 'deviceType is an instruction, not kept');
    // The same rule with enable 0 ends it.
    assert.equal(ask('apply_segment_effect_rule', paint({ enable: 0 })).error_code, 0);
    assert.equal(device.segments?.shown, undefined);
  });

  it('refuses what the sources say a strip refuses, and forms no two sources read alike', () => {
    const { device, ask } = strip();
    const refused: [string, Record<string, unknown>][] = [
      ['no deviceType on a custom rule', paint({ deviceType: undefined })],
      ['no states', paint({ states: undefined })],
      ['five palette entries', paint({ display_colors: [0, 1, 2, 3, 4].map(colour) })],
      ['a palette with a duplicate', paint({ display_colors: [colour(0), colour(0)] })],
      ['brightness 0', paint({ brightness: 0 })],
      ['an unknown type', paint({ type: 'rainbow' })],
      ['speed on a static rule', paint({ speed: 3 })],
      [
        'fewer entries than segments',
        paint({ segments: [24, 49], states: [colour(0), colour(1)] }),
      ],
      ['indices out of order', paint({ segments: [...ALL].reverse() })],
      ['a colour out of range', paint({ states: ALL.map(() => [400, 100, 100, 0]) })],
      ['no id', paint({ id: '' })],
    ];
    for (const [what, params] of refused) {
      assert.equal(ask('apply_segment_effect_rule', params).error_code, -1008, what);
    }
    assert.equal(device.segments?.shown, undefined, 'nothing painted');
    // Animated rules keep the app's group sizes ([50]) and need a speed from 1 to 10.
    const breathe = {
      ...paint({ type: 'breathe', speed: 10 }),
      segments: [50],
      states: [colour(10)],
    };
    assert.equal(ask('apply_segment_effect_rule', breathe).error_code, 0);
    assert.equal(device.segments?.shown, undefined, 'an animation is no static painting');
  });

  it('a preview shows without being saved, takes only [h,s,v,w], and stops', () => {
    const { device, ask } = strip();
    const three = paint({ states: ALL.map((h) => [h, 100, 100]) });
    assert.equal(ask('start_segment_effect_test', three).error_code, -1008);
    assert.equal(ask('apply_segment_effect_rule', three).error_code, 0, 'apply takes [h,s,v]');
    assert.equal(ask('start_segment_effect_test', paint({ id: 'preview' })).error_code, 0);
    assert.equal(device.segments?.previewing, true);
    assert.equal((device.segments?.saved as { id: string } | undefined)?.id, 'TapoStrip_test');
    assert.deepEqual(device.segments?.shown?.[3], colour(3));
    assert.equal(ask('stop_segment_effect_test').error_code, 0);
    assert.deepEqual(device.segments?.shown?.[3], [3, 100, 100, 0], 'the saved rule again');
    assert.equal(device.segments?.previewing, false);
  });

  it('a colour does not end a painting, nor does a painting switch on or end an effect', () => {
    const { device, ask } = strip();
    ask('set_lighting_effect', {
      ...{ id: 'TapoStrip_x', name: 'Aurora', brightness: 50, enable: 1, type: 'sequence' },
    });
    ask('set_device_info', { device_on: false });
    assert.equal(ask('apply_segment_effect_rule', paint()).error_code, 0);
    assert.equal(device.info.device_on, false);
    assert.equal((device.info.lighting_effect as { enable: number }).enable, 1);
    ask('set_device_info', { hue: 120, saturation: 100 });
    assert.ok(device.segments?.shown, 'still painted: clients must end it themselves');
  });

  it('firmware with segment but no segment_effect counts segments and refuses rules', () => {
    const { device, ask } = strip('L920', (m) => {
      m.components = m.components.filter((x) => x.id !== 'segment_effect');
    });
    assert.deepEqual(ask('get_device_segment').result, { segment: 50 });
    assert.equal(ask('apply_segment_effect_rule', paint()).error_code, -1002);
    assert.equal(ask('get_segment_effect_rule').error_code, -1002);
    assert.equal(device.segments?.shown, undefined);
  });
});
