/**
 * The light-strip segment part of the dump check (scripts/check-fixtures.mjs;
 * docs/protocols/segments.md): every strip dump with `segment` and `segment_effect` must paint
 * (two colours, halves, the count its dump reports) and a colour afterwards must end the
 * painting; every other light-strip dump (L900, L920 firmware without `segment_effect`, Kasa
 * KL4xx) must refuse `{ segments }` naming its model, with nothing sent.
 */
import { iotClass } from '../src/device/iot-models.ts';
import { modelWithoutRegion } from '../src/device/state.ts';

/** The painting every check sends, and the halves it must leave on a strip's segments. */
export const PAINT = { segments: ['#ff0000', '#0000ff'] };
const RED = [0, 100, 100, 0];
const BLUE = [240, 100, 100, 0];

/**
 * What a SMART dump says about segments: `{ paints, count }`, `{ refuses }` for a light strip
 * without segment control, or undefined for other devices.
 */
export function smartSegments(dump) {
  const components = new Set((dump.component_nego?.component_list ?? []).map((c) => c.id));
  if (!components.has('light_strip')) return undefined;
  const model = modelWithoutRegion(dump.get_device_info?.model);
  const count = dump.get_device_segment?.segment;
  if (components.has('segment') && components.has('segment_effect') && count > 0) {
    return { paints: true, count, model };
  }
  return { refuses: true, model };
}

/** Kasa light strips: none is known to take per-zone colours, so each must refuse. */
export function iotSegments(dump) {
  const sysinfo = dump.system.get_sysinfo;
  if (iotClass(sysinfo) !== 'lightstrip') return undefined;
  return { refuses: true, model: modelWithoutRegion(sysinfo.model) };
}

/** The parts of a SMART model that serve the dump's segments. */
export function smartSegmentModel(dump) {
  const count = dump.get_device_segment?.segment;
  const rule = dump.get_segment_effect_rule;
  return {
    ...(typeof count === 'number' ? { segments: count } : {}),
    ...(rule && !('error_code' in rule) ? { segmentRule: structuredClone(rule) } : {}),
  };
}

/** Whether the emulated strip shows the two halves of PAINT over `count` segments. */
function showsHalves(device, count) {
  const shown = device.segments?.shown;
  if (!shown || shown.length !== count) return false;
  const half = Math.ceil(count / 2);
  return shown.every((c, i) => JSON.stringify(c) === JSON.stringify(i < half ? RED : BLUE));
}

const painted = (device) => device.segments?.shown !== undefined;

/** In memory, through LampClient: paint and end, or refuse with nothing sent. */
export async function driveSegmentsInMemory(client, device, transport, expected, expect, exercise) {
  if (!expected) return;
  if (expected.refuses) {
    const sent = transport.sent.length;
    let refusal;
    try {
      await client.setState(PAINT);
    } catch (error) {
      refusal = error;
    }
    expect(
      refusal?.code === 'UNSUPPORTED' && refusal.message.includes(`this ${expected.model} `),
      `{ segments } not refused by name: ${refusal?.message ?? 'it was accepted'}`,
    );
    expect(transport.sent.length === sent, '{ segments } refused, but something was sent');
    exercise('segments refused');
    return;
  }
  const state = await client.setState(PAINT);
  expect(state.segments === expected.count, `segments ${state.segments}, dump ${expected.count}`);
  expect(showsHalves(device, expected.count), 'two colours did not paint the halves');
  await client.setState({ hue: 120, saturation: 80 });
  expect(!painted(device), 'a colour after the painting did not end it');
  exercise('segments painted');
}

/** Through the packed nodes: the same, with lamp-control's reply or its caught error. */
export async function driveSegmentsThroughNodes(control, device, expected, expect, exercise) {
  if (!expected) return;
  if (expected.refuses) {
    let refusal;
    try {
      await control(PAINT);
    } catch (error) {
      refusal = error;
    }
    expect(
      refusal?.message.includes(`this ${expected.model} `) === true,
      `{ segments } not refused by name: ${refusal?.message ?? 'it was accepted'}`,
    );
    exercise('segments refused');
    return;
  }
  const reply = (await control(PAINT)).payload;
  expect(reply.segments === expected.count, `segments ${reply.segments}, dump ${expected.count}`);
  expect(showsHalves(device, expected.count), 'two colours did not paint the halves');
  await control({ hue: 120, saturation: 80 });
  expect(!painted(device), 'a colour after the painting did not end it');
  exercise('segments painted');
}
