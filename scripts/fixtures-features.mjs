/**
 * The beyond-on/off part of the dump check (scripts/check-fixtures.mjs): what a dump says about
 * a device's settings, presets, fade, voltage and rssi, worked out here from the dump on its
 * own (not through our client), then compared with what LampClient reads from the emulated
 * device serving that dump, and each setting the device has changed once through LampClient.
 * docs/features.md §2 and §3 describe the rules both sides follow.
 */
import { iotClass } from '../src/device/iot-models.ts';

const SMART_SETTING_GETTERS = [
  'get_preset_rules',
  'get_on_off_gradually_info',
  'get_auto_off_config',
  'get_led_info',
  'get_auto_update_info',
];

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** python-kasa stores a getter that failed as `{ error_code }` alone. */
const answered = (v) => isObject(v) && !(Object.keys(v).length === 1 && 'error_code' in v);

/** The parts of a SMART model that serve the dump's settings and meter details. */
export function smartFeatureModel(dump) {
  const settings = {};
  for (const method of SMART_SETTING_GETTERS) {
    if (answered(dump[method])) settings[method] = structuredClone(dump[method]);
  }
  const emeter = dump.get_emeter_data;
  return {
    settings,
    ...(answered(emeter) && typeof emeter.voltage_mv === 'number'
      ? { emeterData: { voltageMv: emeter.voltage_mv } }
      : {}),
  };
}

/** What the state must say, per key (objects compared as JSON); presets by count. */
export function smartFeatureExpectations(dump) {
  const info = dump.get_device_info;
  const versions = new Map(
    (dump.component_nego?.component_list ?? []).map((c) => [c.id, c.ver_code ?? 1]),
  );
  const has = (id) => versions.has(id);
  const dimmable = has('brightness') && typeof info.brightness === 'number';
  const expected = {};
  if (typeof info.rssi === 'number') expected.rssi = info.rssi;
  const led = dump.get_led_info;
  if (has('led') && answered(led)) expected.led = led.led_rule !== 'never';
  const update = dump.get_auto_update_info;
  if ((versions.get('firmware') ?? 0) >= 2 && answered(update)) {
    expected.autoUpdate = update.enable === true;
  }
  const autoOff = dump.get_auto_off_config;
  if (has('auto_off') && 'auto_off_status' in info && answered(autoOff)) {
    expected.autoOff = { enabled: autoOff.enable === true, minutes: autoOff.delay_min };
  }
  const fade = dump.get_on_off_gradually_info;
  if ((versions.get('on_off_gradually') ?? 0) >= 2 && dimmable && answered(fade)) {
    const ms = (s) => (s?.enable === true ? s.duration * 1000 : 0);
    expected.fade = { on: ms(fade.on_state), off: ms(fade.off_state) };
  }
  const presets = dump.get_preset_rules;
  if (has('preset') && dimmable && answered(presets)) {
    const list = Array.isArray(presets.states)
      ? presets.states.filter((p) => typeof p?.brightness === 'number')
      : (presets.brightness ?? []);
    expected.presetCount = list.length;
  }
  // A strip's parent meters through its outlets (docs/protocols/outlets.md), not on its own.
  const strip = has('control_child') && has('child_device');
  const meter = !strip && (versions.get('energy_monitoring') ?? 0) >= 2;
  const emeter = dump.get_emeter_data;
  if (meter && answered(emeter) && emeter.voltage_mv > 0)
    expected.voltage = emeter.voltage_mv / 1000;
  // A meter's history: energy_monitoring v2 on a device that reports its own power state.
  if (meter && 'device_on' in info) expected.history = true;
  return expected;
}

export function iotFeatureExpectations(dump) {
  const sysinfo = dump.system.get_sysinfo;
  const kind = iotClass(sysinfo);
  const expected = {};
  if (typeof sysinfo.rssi === 'number') expected.rssi = sysinfo.rssi;
  if ('led_off' in sysinfo) expected.led = sysinfo.led_off !== 1;
  if (['bulb', 'lightstrip', 'dimmer'].includes(kind) && Array.isArray(sysinfo.preferred_state)) {
    const presets = sysinfo.preferred_state.filter(
      (p) => isObject(p) && !('id' in p) && typeof p.brightness === 'number',
    );
    if (presets.length > 0) expected.presetCount = presets.length;
  }
  const lamp = kind === 'bulb' || kind === 'lightstrip';
  // Every lamp meters; plugs with the ENE feature do (not a strip's own reading).
  if (lamp || (kind !== 'strip' && String(sysinfo.feature ?? '').includes('ENE'))) {
    expected.history = true;
  }
  const dimmer = dump['smartlife.iot.dimmer']?.get_dimmer_parameters;
  if (kind === 'dimmer' && dimmer?.err_code === 0 && typeof dimmer.fadeOnTime === 'number') {
    expected.fade = { on: dimmer.fadeOnTime, off: dimmer.fadeOffTime };
  }
  return expected;
}

/**
 * The state read from the emulated dump against the expectations, then one change of each
 * setting the client offers, read back. `exercise` counts features for the report.
 */
export async function checkFeatures(client, state, expected, expect, exercise) {
  for (const key of ['rssi', 'led', 'autoUpdate', 'autoOff', 'fade', 'voltage']) {
    if (expected[key] === undefined) continue;
    expect(
      JSON.stringify(state[key]) === JSON.stringify(expected[key]),
      `${key}: state says ${JSON.stringify(state[key])}, dump says ${JSON.stringify(expected[key])}`,
    );
  }
  if (expected.presetCount !== undefined) {
    expect(
      state.presets?.length === expected.presetCount,
      `presets: state has ${state.presets?.length}, dump ${expected.presetCount}`,
    );
  }
  const caps = await client.capabilities();
  if (caps.led && typeof state.led === 'boolean') {
    exercise('led');
    const after = await client.setState({ led: !state.led });
    expect(after.led === !state.led, `led ${!state.led} read back as ${after.led}`);
  }
  if (caps.autoUpdate && typeof state.autoUpdate === 'boolean') {
    exercise('autoUpdate');
    const after = await client.setState({ autoUpdate: !state.autoUpdate });
    expect(after.autoUpdate === !state.autoUpdate, `autoUpdate read back as ${after.autoUpdate}`);
  }
  if (caps.autoOff && state.autoOff) {
    exercise('autoOff');
    const after = await client.setState({ autoOff: { enabled: true, minutes: 7 } });
    expect(
      after.autoOff?.enabled === true && after.autoOff?.minutes === 7,
      `autoOff read back as ${JSON.stringify(after.autoOff)}`,
    );
  }
  if (caps.fade && state.fade) {
    exercise('fade');
    const after = await client.setState({ fade: { on: 3000 } });
    expect(after.fade?.on === 3000, `fade read back as ${JSON.stringify(after.fade)}`);
  }
  if (caps.presets && state.presets?.length) {
    exercise('presets');
    const preset = state.presets[0];
    const after = await client.setState({ preset: 1 });
    expect(
      after.on && (caps.brightness ? after.brightness === preset.brightness : true),
      `preset 1 (${JSON.stringify(preset)}) read back as brightness ${after.brightness}`,
    );
  }
}
