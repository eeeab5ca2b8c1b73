#!/usr/bin/env node
/**
 * Developer check: python-kasa's real device dumps against our code, every dump, two ways. The
 * dumps are not part of this repository (they are GPL-licensed): point the script at a
 * checkout's tests/fixtures folder.
 *
 *   node --import tsx scripts/check-fixtures.mjs /path/to/python-kasa/tests/fixtures
 *   PYTHON_KASA_FIXTURES=/path/to/fixtures npm run check-fixtures
 *
 * 1. In memory (fast, detailed): our device layer (LampClient over MemoryTransport) against an
 *    emulated device serving the dump. getState() must report the dump's power, model, name and
 *    light values; on/off, brightness, hue, colour temperature, effects and transitions must
 *    reach the device where it has them, and so must presets, fade, auto-off, LED and
 *    auto-update (scripts/fixtures-features.mjs); for Kasa IOT dumps our emulator must also
 *    answer each module as the dump's firmware did.
 * 2. Through the packed nodes over the dump's real protocol: the repo is built, packed with
 *    `npm pack` and installed offline into a temporary project; its klap-device, lamp-status
 *    and lamp-control run in a real Node-RED runtime (node-red-node-test-helper) against the
 *    same emulated device served on 127.0.0.1 over KLAP (v2 for SMART, v1 for IOT), AES (login
 *    version from the dump's `lv`) or Kasa's legacy XOR protocol, with `protocol: auto`. See
 *    scripts/fixtures-nodes.mjs.
 *
 * Lamps, plugs, switches, dimmers and strips under smart/ and iot/ are checked. Strips of
 * outlets are checked outlet by outlet (scripts/fixtures-outlets.mjs): each outlet's number,
 * name, power state and meter, a status node per outlet, switching one outlet changes only that
 * one, and `{ on }` to the strip switches them all. Light strips with segment control paint two
 * colours as halves and a colour ends it; other light strips refuse `{ segments }` by model
 * (scripts/fixtures-segments.mjs). Hubs (H100, KH100) are checked with their
 * own children and every child dump of smart/child attached (scripts/fixtures-hubs.mjs): each
 * child's state keys, switches switching, thermostats taking a target, and one event of each
 * child that logs reaching the library's reader and a `lamp-event` node exactly once. Cameras,
 * sensors and other kinds are skipped with a reason. The H200 dumps (smartcam/H200*) are driven
 * the same way over sslaes with their own children, camera children included, and every child
 * dump attached (scripts/fixtures-h200.mjs). Exits 1 on any failure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LampClient } from '../src/device/client.ts';
import { iotClass } from '../src/device/iot-models.ts';
import { decodeNickname, modelWithoutRegion } from '../src/device/state.ts';
import { createDevice } from '../src/emulator/index.ts';
import { MemoryTransport } from '../src/emulator/memory-transport.ts';
import { outletsOf } from '../src/emulator/outlets.ts';
import {
  checkFeatures,
  iotFeatureExpectations,
  smartFeatureExpectations,
  smartFeatureModel,
} from './fixtures-features.mjs';
import { driveH200InMemory, driveH200ThroughNodes, h200Plans } from './fixtures-h200.mjs';
import { driveHubInMemory, hubPlans } from './fixtures-hubs.mjs';
import { driveHubsThroughNodes } from './fixtures-hubs-nodes.mjs';
import { attempt, checkThroughNodes, expect, wireLabel } from './fixtures-nodes.mjs';
import { driveOutletsInMemory, iotOutlets, smartOutlets } from './fixtures-outlets.mjs';
import {
  driveSegmentsInMemory,
  iotSegments,
  smartSegmentModel,
  smartSegments,
} from './fixtures-segments.mjs';

const root = process.argv[2] ?? process.env.PYTHON_KASA_FIXTURES;
if (!root) {
  console.error(
    'usage: node --import tsx scripts/check-fixtures.mjs <python-kasa tests/fixtures folder>\n' +
      '   or: PYTHON_KASA_FIXTURES=<folder> npm run check-fixtures',
  );
  process.exit(2);
}

function listJson(folder) {
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith('.json') && statSync(join(folder, name)).isFile())
      .sort();
  } catch {
    return [];
  }
}

const discoveryOf = (dump) => dump.discovery_result?.result ?? dump.discovery_result ?? {};

// ---------------------------------------------------------------- SMART (Tapo, Kasa-SMART)

/** KLAP, AES or TPAP from discovery; without it, what the dump implies. */
function smartProtocol(dump) {
  const scheme = discoveryOf(dump).mgt_encrypt_schm ?? {};
  const type = String(scheme.encrypt_type ?? '').toUpperCase();
  if (type === 'KLAP' || type === 'AES' || type === 'TPAP') return type;
  // A login version 2+ without a scheme name, or a newer_klap flag, only comes with KLAP; dumps
  // from before discovery reported anything are of AES firmware.
  if (scheme.lv >= 2 || dump.get_device_info?.new_klap === 1) return 'KLAP';
  return 'AES';
}

const SMART_SKIPS = [
  [/HUB/, 'hub (its children are sensors and valves)'],
  [/CAMERA|DOORBELL|CHIME/, 'camera / doorbell / chime'],
  [/ROBOVAC/, 'robot vacuum'],
  [/SENSOR/, 'sensor'],
];

/** lamp | plug | switch | dimmer | strip, or a skip reason. */
function smartCategory(dump) {
  const info = dump.get_device_info ?? {};
  const type = String(info.type ?? discoveryOf(dump).device_type ?? '').toUpperCase();
  for (const [pattern, reason] of SMART_SKIPS) if (pattern.test(type)) return { skip: reason };
  const components = new Set((dump.component_nego?.component_list ?? []).map((c) => c.id));
  if (dump.get_child_device_list || components.has('control_child')) return { category: 'strip' };
  if (type.includes('BULB')) return { category: 'lamp' };
  if (type.includes('SWITCH')) {
    return { category: components.has('brightness') ? 'dimmer' : 'switch' };
  }
  if (type.includes('PLUG')) return { category: 'plug' };
  return { skip: `device type ${type || 'unknown'}` };
}

/**
 * How the dump's device is reached on the wire, as python-kasa would reach it: SMART over KLAP
 * uses KLAP v2, over AES the login form discovery announces (`lv`, absent on older firmware:
 * login v1). Null for TPAP, which the emulator does not speak yet.
 */
function smartWire(dump) {
  const protocol = smartProtocol(dump);
  if (protocol === 'KLAP') return { protocol: 'klap', klap: 2 };
  if (protocol === 'AES') {
    return { protocol: 'aes', loginVersion: discoveryOf(dump).mgt_encrypt_schm?.lv === 2 ? 2 : 1 };
  }
  return null;
}

/** The dump as a model our emulator serves; fresh on each call. */
function smartModel(dump) {
  const info = structuredClone(dump.get_device_info);
  const children = smartChildren(dump);
  return {
    dialect: 'smart',
    name: modelWithoutRegion(info.model),
    description: 'from a dump',
    klap: 2,
    components: structuredClone(dump.component_nego?.component_list ?? []),
    info,
    ...smartFeatureModel(dump),
    ...smartSegmentModel(dump),
    ...(children
      ? {
          children,
          childComponentOrder: (
            dump.get_child_device_component_list?.child_component_list ?? []
          ).map((entry) => entry.device_id),
        }
      : {}),
  };
}

/** W an outlet is taken to draw while on where its dump shows it off (no reading to go by). */
const OUTLET_WATTS = 10;

/**
 * A strip dump's outlets as the emulator serves them: each list entry (merged pages), its
 * component list, its own answers from the dump's per-child section, and a meter where it
 * meters. Undefined for dumps without children.
 */
function smartChildren(dump) {
  const list = dump.get_child_device_list?.child_device_list;
  if (!Array.isArray(list)) return undefined;
  const componentLists = new Map(
    (dump.get_child_device_component_list?.child_component_list ?? []).map((entry) => [
      entry.device_id,
      entry.component_list,
    ]),
  );
  return list.map((entry) => {
    const section = dump.child_devices?.[entry.device_id] ?? {};
    const { get_device_info: _info, component_nego: nego, ...getters } = section;
    const components = componentLists.get(entry.device_id) ?? nego?.component_list ?? [];
    const meter = smartChildMeter(entry, components, section);
    return {
      info: structuredClone(entry),
      components: structuredClone(components),
      getters: structuredClone(getters),
      ...(meter ? { meter } : {}),
    };
  });
}

/** A metering outlet's load and voltage from its dump's readings. */
function smartChildMeter(entry, components, section) {
  if (!components.some((c) => c.id === 'energy_monitoring')) return undefined;
  const data = section.get_emeter_data;
  const mw = data?.power_mw ?? (section.get_current_power?.current_power ?? 0) * 1000;
  return {
    watts: entry.device_on === true ? mw / 1000 : OUTLET_WATTS,
    volts: data?.voltage_mv ? data.voltage_mv / 1000 : 230,
    emeterData: data !== undefined,
  };
}

/** Reads the emulated SMART device's live state, to see what a command did to it. */
function smartProbe(device) {
  const info = device.info;
  const strip = outletsOf(device).length > 0;
  return {
    // A strip's parent has no switch: it is on while any outlet is.
    on: () => (strip ? outletsOf(device).some((o) => o.on) : info.device_on === true),
    brightness: () => info.brightness,
    hue: () => info.hue,
    saturation: () => info.saturation,
    colorTemp: () => info.color_temp,
  };
}

function smartExpectations(dump) {
  const info = dump.get_device_info;
  const components = new Set((dump.component_nego?.component_list ?? []).map((c) => c.id));
  const range = info.color_temp_range;
  const outlets = smartOutlets(dump);
  return {
    on: outlets ? outlets.some((o) => o.on) : info.device_on === true,
    outlets,
    model: modelWithoutRegion(info.model),
    alias: decodeNickname(info.nickname),
    brightness: components.has('brightness') && typeof info.brightness === 'number',
    color: components.has('color'),
    colorTemp:
      components.has('color_temperature') && Array.isArray(range) && range[0] < range[1]
        ? { min: range[0], max: range[1] }
        : null,
    // A strip's parent lists its outlets' meter but reads none itself: its outlets meter.
    energy: components.has('energy_monitoring') && !outlets,
    values: smartValues(info, components),
    features: smartFeatureExpectations(dump),
    segments: smartSegments(dump),
  };
}

function smartValues(info, components) {
  const values = { firmware: String(info.fw_ver ?? '').split(/\s+/)[0] || undefined };
  if (components.has('brightness') && typeof info.brightness === 'number') {
    values.brightness = info.brightness;
  }
  if (components.has('color')) {
    values.hue = info.hue ?? 0;
    values.saturation = info.saturation ?? 0;
  }
  const range = info.color_temp_range;
  if (components.has('color_temperature') && Array.isArray(range) && range[0] < range[1]) {
    values.colorTemp = info.color_temp ?? 0;
  }
  if (components.has('light_strip_lighting_effect')) {
    const effect = info.lighting_effect ?? {};
    values.effect = effect.enable === 1 || effect.enable === true ? effect.name : 'off';
  }
  return values;
}

// ---------------------------------------------------------------- IOT (Kasa)

function iotProtocol(dump) {
  const type = String(discoveryOf(dump).mgt_encrypt_schm?.encrypt_type ?? '').toUpperCase();
  return type === 'KLAP' ? 'KLAP' : 'legacy';
}

function iotCategory(sysinfo) {
  const kind = iotClass(sysinfo);
  if (kind === 'bulb' || kind === 'lightstrip') return 'lamp';
  if (kind === 'strip') return 'strip';
  if (kind === 'dimmer') return 'dimmer';
  return /light|switch/i.test(String(sysinfo.dev_name ?? '')) ? 'switch' : 'plug';
}

/** A lit lamp's light values: next to on_off while on, under dft_on_state while off. */
function lampLight(sysinfo) {
  const light = sysinfo.light_state ?? {};
  return light.on_off === 1 ? light : (light.dft_on_state ?? {});
}

/**
 * The dump's meter reading as our emulator's meter profile: same unit style and keys, and the
 * same power at the dump's state (our lamps scale their rating by brightness).
 */
function iotMeterProfile(dump, sysinfo, lamp) {
  const realtime = dump[lamp ? 'smartlife.iot.common.emeter' : 'emeter']?.get_realtime;
  if (realtime?.err_code !== 0) return undefined;
  const fields = Object.keys(realtime).filter((key) => key !== 'err_code');
  // Keys beyond the unit style's (slot_id on HS300 hw 2) are served as they are.
  const known = /^(power|voltage|current|total)(_mw|_mv|_ma|_wh)?$/;
  const extra = Object.fromEntries(
    fields.filter((key) => !known.test(key)).map((key) => [key, realtime[key]]),
  );
  if (typeof realtime.power === 'number') {
    return { style: 'base', watts: realtime.power, volts: realtime.voltage ?? 230, fields, extra };
  }
  const reading = (realtime.power_mw ?? 0) / 1000;
  if (lamp) {
    const lit = sysinfo.light_state?.on_off === 1;
    const brightness = Math.max(1, lampLight(sysinfo).brightness ?? 100);
    const watts = lit && reading > 0 ? (reading * 100) / brightness : 10;
    return { style: 'lamp', watts, volts: 0, fields, extra };
  }
  return {
    style: 'milli',
    watts: reading,
    volts: (realtime.voltage_mv ?? 230_000) / 1000,
    fields,
    extra,
  };
}

/**
 * The dump's successful getters in modules we do not emulate at all (cloud, schedule, sensors),
 * served as recorded so the emulated device answers every read the real one did.
 */
function unservedGetters(dump) {
  const getters = {};
  for (const [module, answer] of Object.entries(dump)) {
    if (module in EMULATED_MODULES || module === 'discovery_result') continue;
    if (typeof answer !== 'object' || answer === null || 'err_code' in answer) continue;
    for (const [method, result] of Object.entries(answer)) {
      if (result?.err_code !== 0) continue;
      const { err_code: _code, ...rest } = result;
      getters[module] = { ...getters[module], [method]: rest };
    }
  }
  return getters;
}

/** How the dump's firmware answers modules it lacks, or methods it cannot serve. */
function iotErrorShapes(dump) {
  let moduleError;
  const unsupportedMethods = {};
  for (const [module, answer] of Object.entries(dump)) {
    if (module === 'discovery_result' || typeof answer !== 'object' || answer === null) continue;
    if (typeof answer.err_code === 'number' && answer.err_code !== 0 && answer.err_code !== -1) {
      moduleError = { err_code: answer.err_code, err_msg: answer.err_msg ?? '' };
    }
    for (const [method, result] of Object.entries(answer)) {
      if (result?.err_code === -1) {
        unsupportedMethods[module] = [...(unsupportedMethods[module] ?? []), method];
      }
    }
  }
  return { moduleError, unsupportedMethods };
}

/**
 * How the dump's device is reached on the wire: KLAP v1 (python-kasa's IOT.KLAP) when discovery
 * says KLAP, else the legacy XOR protocol on TCP.
 */
function iotWire(dump) {
  return iotProtocol(dump) === 'KLAP' ? { protocol: 'klap', klap: 1 } : { protocol: 'legacy' };
}

/** The dump as a model our emulator serves; fresh on each call. */
function iotModel(dump) {
  const { err_code: _code, ...sysinfo } = structuredClone(dump.system.get_sysinfo);
  const kind = iotClass(sysinfo);
  const lamp = kind === 'bulb' || kind === 'lightstrip';
  const dimmer = dump['smartlife.iot.dimmer']?.get_dimmer_parameters;
  return {
    dialect: 'iot',
    name: modelWithoutRegion(sysinfo.model),
    description: 'from a dump',
    klap: 1,
    protocol: iotWire(dump).protocol,
    sysinfo,
    emeter: iotMeterProfile(dump, sysinfo, lamp),
    dimmer: dimmer?.err_code === 0 ? dimmer : undefined,
    ...iotErrorShapes(dump),
    getters: unservedGetters(dump),
  };
}

/** Reads the emulated IOT device's live state, to see what a command did to it. */
function iotProbe(device) {
  const info = device.info;
  const kind = iotClass(info);
  const lamp = kind === 'bulb' || kind === 'lightstrip';
  // A lit lamp keeps its light next to on_off, an unlit one under dft_on_state.
  const light = () =>
    info.light_state.on_off === 1 ? info.light_state : (info.light_state.dft_on_state ?? {});
  return {
    transition: () => device.lastTransitionMs,
    on: () => {
      if (lamp) return info.light_state.on_off === 1;
      if (Array.isArray(info.children)) return info.children.some((c) => c.state === 1);
      return info.relay_state === 1;
    },
    brightness: () => (lamp ? light().brightness : info.brightness),
    hue: () => light().hue,
    saturation: () => light().saturation,
    colorTemp: () => light().color_temp,
  };
}

function iotExpectations(dump) {
  const sysinfo = dump.system.get_sysinfo;
  const kind = iotClass(sysinfo);
  const lamp = kind === 'bulb' || kind === 'lightstrip';
  const flag = (v) => v === 1 || v === true;
  let on = sysinfo.relay_state === 1;
  if (lamp) on = sysinfo.light_state?.on_off === 1;
  if (kind === 'strip') on = sysinfo.children.some((c) => c.state === 1);
  return {
    on,
    outlets: kind === 'strip' ? iotOutlets(sysinfo) : undefined,
    model: modelWithoutRegion(sysinfo.model),
    alias: sysinfo.alias,
    brightness: lamp ? flag(sysinfo.is_dimmable) : kind === 'dimmer',
    color: lamp && flag(sysinfo.is_color),
    colorTemp: lamp && flag(sysinfo.is_variable_color_temp) ? 'any' : null,
    // Every lamp meters; plugs with the ENE feature do (a strip's meter comes with its outlets).
    energy: lamp || (kind !== 'strip' && String(sysinfo.feature ?? '').includes('ENE')),
    values: iotValues(dump, sysinfo, kind),
    features: iotFeatureExpectations(dump),
    segments: iotSegments(dump),
  };
}

/** The state values the dump implies, for the keys it settles. */
function iotValues(dump, sysinfo, kind) {
  const values = { firmware: String(sysinfo.sw_ver ?? '').split(/\s+/)[0] || undefined };
  const flag = (v) => v === 1 || v === true;
  if (kind === 'dimmer') values.brightness = sysinfo.brightness;
  if (kind === 'bulb' || kind === 'lightstrip') {
    const light = lampLight(sysinfo);
    const effect = sysinfo.lighting_effect_state;
    const running = kind === 'lightstrip' && (effect?.enable === 1 || effect?.enable === true);
    if (flag(sysinfo.is_dimmable))
      values.brightness = running ? effect.brightness : light.brightness;
    if (flag(sysinfo.is_color)) {
      values.hue = light.hue;
      values.saturation = light.saturation;
    }
    if (flag(sysinfo.is_variable_color_temp)) values.colorTemp = light.color_temp;
    if (kind === 'lightstrip' && effect) values.effect = running ? effect.name : 'off';
    const realtime = dump['smartlife.iot.common.emeter']?.get_realtime;
    if (sysinfo.light_state?.on_off === 1 && realtime?.power_mw > 0) {
      values.power = realtime.power_mw / 1000;
    }
  } else if (kind !== 'strip' && sysinfo.relay_state === 1) {
    const realtime = dump.emeter?.get_realtime;
    if (realtime?.err_code === 0) values.power = realtime.power ?? realtime.power_mw / 1000;
  }
  return values;
}

/** The modules our IOT emulator serves, and a harmless getter to probe each with. */
const EMULATED_MODULES = {
  system: 'get_sysinfo',
  emeter: 'get_realtime',
  'smartlife.iot.common.emeter': 'get_realtime',
  'smartlife.iot.smartbulb.lightingservice': 'get_light_state',
  'smartlife.iot.lightStrip': 'get_light_state',
  'smartlife.iot.dimmer': 'get_dimmer_parameters',
  'smartlife.iot.lighting_effect': 'get_lighting_effect',
};

/** Keys of an answer, with those of a nested dft_on_state, for shape comparisons. */
function shape(answer) {
  const keys = Object.keys(answer).sort();
  const nested = answer.dft_on_state;
  if (nested && typeof nested === 'object') {
    keys.push(
      ...Object.keys(nested)
        .map((k) => `dft_on_state.${k}`)
        .sort(),
    );
  }
  return keys.join(',');
}

/**
 * Our emulated device answers what the dump's device answered, for every module we emulate:
 * the same error at the same level, or success with the same keys. Getters the dump has that we
 * do not emulate (get_light_details, get_default_behavior) are listed, not failed.
 */
function iotFidelity(dump) {
  const device = createDevice(iotModel(dump));
  const ask = (module, method) =>
    JSON.parse(device.handle(JSON.stringify({ [module]: { [method]: {} } })))[module];
  const problems = [];
  const notEmulated = [];
  for (const [module, answer] of Object.entries(dump)) {
    if (!(module in EMULATED_MODULES) || typeof answer !== 'object' || answer === null) continue;
    if (typeof answer.err_code === 'number') {
      const ours = ask(module, EMULATED_MODULES[module]);
      if (ours.err_code !== answer.err_code) {
        problems.push(
          `${module}: dump ${answer.err_code} for the module, ours ${JSON.stringify(ours)}`,
        );
      }
      continue;
    }
    for (const [method, result] of Object.entries(answer)) {
      if (module === 'system' && method !== 'get_sysinfo') continue;
      const name = `${module}.${method}`;
      const reply = ask(module, method);
      const ours = typeof reply.err_code === 'number' ? reply : reply[method];
      if (result.err_code === 0 && ours?.err_code === -2) {
        notEmulated.push(name);
      } else if (ours?.err_code !== result.err_code) {
        problems.push(`${name}: dump err_code ${result.err_code}, ours ${JSON.stringify(ours)}`);
      } else if (result.err_code === 0 && module !== 'system' && shape(ours) !== shape(result)) {
        problems.push(`${name}: dump keys ${shape(result)}, ours ${shape(ours)}`);
      }
    }
  }
  return { problems, notEmulated };
}

// ---------------------------------------------------------------- the checks

/** How many dumps exercised each feature, for the report. */
const exercised = new Map();
const exercise = (feature) => exercised.set(feature, (exercised.get(feature) ?? 0) + 1);

/** The in-memory check of one dump's plan. */
async function drive(plan) {
  const { expected } = plan;
  const device = createDevice(plan.model());
  const emulated = plan.probe(device);
  const transport = new MemoryTransport((text) => device.handle(text));
  const client = new LampClient({ host: '127.0.0.1', port: 9 }, transport);
  try {
    const state = await client.getState();
    expect(state.on === expected.on, `power: state says ${state.on}, dump says ${expected.on}`);
    expect(state.model === expected.model, `model: "${state.model}" ≠ "${expected.model}"`);
    expect(state.alias === expected.alias, `alias: "${state.alias}" ≠ "${expected.alias}"`);
    const caps = await client.capabilities();
    expect(caps.brightness === expected.brightness, `brightness capability ${caps.brightness}`);
    expect(caps.color === expected.color, `colour capability ${caps.color}`);
    expect(
      (caps.colorTemp === null) === (expected.colorTemp === null),
      `colour-temperature capability ${JSON.stringify(caps.colorTemp)}`,
    );
    if (expected.colorTemp && expected.colorTemp !== 'any') {
      expect(
        caps.colorTemp.min === expected.colorTemp.min &&
          caps.colorTemp.max === expected.colorTemp.max,
        `colour-temperature range ${JSON.stringify(caps.colorTemp)}`,
      );
    }

    for (const [key, value] of Object.entries(expected.values)) {
      if (value === undefined) continue;
      const close =
        typeof value === 'number' && typeof state[key] === 'number'
          ? Math.abs(state[key] - value) < 0.002
          : state[key] === value;
      expect(
        close,
        `${key}: state says ${JSON.stringify(state[key])}, dump says ${JSON.stringify(value)}`,
      );
    }
    expect(caps.energy === expected.energy, `energy capability ${caps.energy}`);
    if (expected.energy) {
      exercise('power');
      expect(typeof state.power === 'number', `no power in the state of a metered device`);
      expect(typeof state.energyToday === 'number', `no energyToday in the state`);
    } else if (expected.outlets?.some((o) => o.meters)) {
      // A metering strip's own power is the sum of its outlets'.
      const sum = state.outlets.reduce((total, o) => total + (o.power ?? 0), 0);
      expect(
        Math.abs(state.power - sum) < 0.002,
        `strip power ${state.power}, outlets add to ${sum}`,
      );
    } else {
      expect(state.power === undefined, `power ${state.power} on a device without a meter`);
    }

    // Before the strip is switched as a whole: the outlets are still as the dump has them.
    if (expected.outlets) {
      exercise('outlets');
      await driveOutletsInMemory(client, device, expected, expect);
    }
    for (const wanted of [!state.on, state.on]) {
      const after = await client.setState(wanted);
      expect(after.on === wanted, `setState(${wanted}) reported on: ${after.on}`);
      expect(emulated.on() === wanted, `setState(${wanted}) did not reach the device`);
    }
    if (caps.brightness) {
      exercise('brightness');
      const after = await client.setState({ brightness: 37 });
      expect(after.brightness === 37, `brightness 37 read back as ${after.brightness}`);
      expect(emulated.brightness() === 37, 'brightness did not reach the device');
      expect(after.on && emulated.on(), 'brightness did not switch on');
    }
    if (caps.color) {
      exercise('hue/saturation');
      const after = await client.setState({ hue: 120, saturation: 80 });
      expect(
        after.hue === 120 && after.saturation === 80,
        `hue/saturation read back as ${after.hue}/${after.saturation}`,
      );
    }
    if (caps.effects && caps.effects.length > 0) {
      exercise('effects');
      const name = caps.effects[caps.effects.length - 1];
      const running = await client.setState({ effect: name });
      expect(
        running.effect === name && running.on,
        `effect ${name} read back as ${running.effect}`,
      );
      const stopped = await client.setState({ effect: 'off' });
      expect(stopped.effect === 'off', `effect off read back as ${stopped.effect}`);
    }
    if (caps.transition) {
      exercise('transition');
      await client.setState({ on: true, transition: 250 });
      expect(emulated.transition?.() === 250, 'transition did not reach the device');
    }
    if (caps.colorTemp) {
      exercise('colorTemp');
      const kelvin = Math.round((caps.colorTemp.min + caps.colorTemp.max) / 200) * 100;
      const after = await client.setState({ colorTemp: kelvin });
      expect(after.colorTemp === kelvin, `colorTemp ${kelvin} read back as ${after.colorTemp}`);
    }
    await driveSegmentsInMemory(client, device, transport, expected.segments, expect, exercise);
    await checkFeatures(client, state, expected.features, expect, exercise);
  } finally {
    await client.close();
  }
}

/**
 * One dump -> a skipped result, or the plan both checks work from: how to build the device
 * (model, probe), what the dump says it is (expected), how it is reached on the wire (wire).
 */
function plan(family, file) {
  const dump = JSON.parse(readFileSync(file, 'utf8'));
  if (family === 'smart') {
    const protocol = smartProtocol(dump);
    if (!dump.get_device_info)
      return { protocol, outcome: 'skipped', reason: 'no get_device_info' };
    const { category, skip } = smartCategory(dump);
    if (skip) return { protocol, outcome: 'skipped', reason: skip };
    if (!dump.component_nego) {
      return { protocol, category, outcome: 'skipped', reason: 'no component_nego' };
    }
    return {
      protocol,
      category,
      model: () => smartModel(dump),
      probe: smartProbe,
      expected: smartExpectations(dump),
      wire: smartWire(dump),
    };
  }
  const protocol = iotProtocol(dump);
  const sysinfo = dump.system?.get_sysinfo;
  if (!sysinfo) return { protocol, outcome: 'skipped', reason: 'no system.get_sysinfo' };
  return {
    protocol,
    category: iotCategory(sysinfo),
    model: () => iotModel(dump),
    probe: iotProbe,
    expected: iotExpectations(dump),
    wire: iotWire(dump),
    fidelity: iotFidelity(dump),
  };
}

/**
 * The kelvin range a colour-temperature command must stay in: the dump's own for SMART devices;
 * IOT sysinfo only says the lamp is tunable, so there it is the model's range as our client
 * knows it (the in-memory check compares the capabilities with the dump).
 */
async function colorTempRange(plan) {
  const { colorTemp } = plan.expected;
  if (colorTemp !== 'any') return colorTemp;
  const device = createDevice(plan.model());
  const transport = new MemoryTransport((text) => device.handle(text));
  const client = new LampClient({ host: '127.0.0.1', port: 9 }, transport);
  try {
    return (await client.capabilities()).colorTemp;
  } finally {
    await client.close();
  }
}

/** The in-memory check: fidelity of the IOT emulation, then the device layer. */
function inMemory(plan) {
  return attempt(async () => {
    const problems = plan.fidelity?.problems ?? [];
    expect(problems.length === 0, `emulator differs: ${problems.join('; ')}`);
    await drive(plan);
  });
}

// ---------------------------------------------------------------- report

const started = Date.now();
const results = [];
const hubs = hubPlans(root, smartProtocol, smartWire);
const hubFiles = new Set(hubs.map((h) => h.file));
const h200s = h200Plans(root);
const h200Files = new Set(h200s.map((h) => h.file));
for (const family of ['smart', 'iot']) {
  for (const name of listJson(join(root, family))) {
    if (hubFiles.has(`${family}/${name}`)) continue;
    results.push({ file: `${family}/${name}`, ...plan(family, join(root, family, name)) });
  }
}
// Folders we do not drive at all, counted so the report accounts for every dump.
for (const [folder, reason] of [
  ['smartcam', 'camera'],
  ['smartcam/child', 'camera child'],
  ['iotcam', 'camera'],
]) {
  for (const name of listJson(join(root, folder))) {
    if (h200Files.has(`${folder}/${name}`)) continue;
    results.push({ file: `${folder}/${name}`, protocol: '-', outcome: 'skipped', reason });
  }
}
if (results.length === 0) {
  console.error(`no dumps found under ${root} (expected smart/ and iot/ folders)`);
  process.exit(2);
}

const driven = results.filter((r) => r.outcome === undefined);
for (const r of driven) r.memory = await inMemory(r);
const hubCounts = {
  memory: { states: 0, switches: 0, targets: 0, events: 0, eventNames: new Set() },
  nodes: { states: 0, switches: 0, targets: 0, events: 0, eventNames: new Set() },
};
for (const h of hubs) {
  const problems = await driveHubInMemory(h, hubCounts.memory).catch((error) => [
    `${h.file}: ${error.message}`,
  ]);
  h.memory = problems.length === 0 ? { outcome: 'ok' } : { outcome: 'failed', problems };
  if (problems.length > 0) h.memory.reason = problems.join(' | ');
}
const h200Counts = {
  memory: { states: 0, switches: 0, logEvents: 0, stateEvents: 0 },
  nodes: { states: 0, switches: 0, logEvents: 0, stateEvents: 0 },
};
for (const h of h200s) {
  const problems = await driveH200InMemory(h, h200Counts.memory).catch((error) => [
    `${h.file}: ${error.message}`,
  ]);
  h.memory = problems.length === 0 ? { outcome: 'ok' } : { outcome: 'failed', problems };
  if (problems.length > 0) h.memory.reason = problems.join(' | ');
}
const memorySeconds = (Date.now() - started) / 1000;
for (const r of driven) r.colorTempRange = await colorTempRange(r);
const nodes = await checkThroughNodes(driven, async (packed, helper) => {
  await driveHubsThroughNodes(hubs, packed, helper, hubCounts.nodes);
  await driveH200ThroughNodes(h200s, packed, helper, h200Counts.nodes);
});
// A hub passes when both checks found nothing; a child dump when no hub had a problem with it.
const hubProblems = [];
for (const h of hubs) {
  const failures = [h.memory, h.nodes].filter((check) => check.outcome === 'failed');
  hubProblems.push(...failures.flatMap((check) => check.problems ?? [check.reason]));
  results.push({
    file: h.file,
    protocol: h.protocol,
    category: 'hub',
    wire: h.wire,
    outcome: failures.length > 0 ? 'failed' : h.nodes.outcome,
    reason: failures.map((check) => check.reason).join(' | ') || h.nodes.reason,
  });
}
for (const h of h200s) {
  const checks = [
    h.memory,
    h.nodes ?? { outcome: 'failed', reason: 'not driven through the nodes' },
  ];
  const failures = checks.filter((check) => check.outcome === 'failed');
  hubProblems.push(...failures.flatMap((check) => check.problems ?? [check.reason]));
  results.push({
    file: h.file,
    protocol: 'SSLAES',
    category: 'hub',
    wire: { protocol: 'sslaes' },
    outcome: failures.length > 0 ? 'failed' : 'ok',
    reason: failures.map((check) => check.reason).join(' | '),
  });
}
for (const name of listJson(join(root, 'smart', 'child'))) {
  const mine = hubProblems.filter((problem) => problem.startsWith(`child/${name}:`));
  results.push({
    file: `smart/child/${name}`,
    protocol: '-',
    category: 'hub child',
    outcome: mine.length > 0 ? 'failed' : 'ok',
    reason: mine.join(' | '),
  });
}
for (const r of driven) {
  const failures = [
    r.memory.outcome === 'failed' ? `in memory: ${r.memory.reason}` : null,
    r.nodes.outcome === 'failed' ? `packed nodes: ${r.nodes.reason}` : null,
  ].filter(Boolean);
  if (failures.length > 0) Object.assign(r, { outcome: 'failed', reason: failures.join(' | ') });
  else if (r.nodes.outcome === 'skipped') Object.assign(r, { outcome: 'skipped', ...r.nodes });
  else r.outcome = 'ok';
}

const PROTOCOLS = ['KLAP', 'AES', 'TPAP', 'SSLAES', 'legacy', '-'];
const OUTCOMES = ['ok', 'failed', 'skipped'];
const pad = (text, width) => String(text).padEnd(width);

/** "KLAP v2 47, KLAP v1 1": how many of `rows` were served over each wire. */
function wires(rows) {
  const counts = new Map();
  for (const r of rows.filter((x) => x.wire)) {
    counts.set(wireLabel(r.wire), (counts.get(wireLabel(r.wire)) ?? 0) + 1);
  }
  return [...counts].map(([wire, n]) => `${wire} ${n}`).join(', ');
}

console.log(
  '\nPer protocol (ok: the in-memory check and the packed nodes over the real wire both passed):',
);
console.log(
  `  ${pad('protocol', 10)}${OUTCOMES.map((o) => pad(o, 9)).join('')}${pad('total', 7)}served as`,
);
for (const protocol of PROTOCOLS) {
  const rows = results.filter((r) => r.protocol === protocol);
  if (rows.length === 0 && protocol === '-') continue;
  const counts = OUTCOMES.map((o) => pad(rows.filter((r) => r.outcome === o).length, 9));
  console.log(
    `  ${pad(protocol === '-' ? '(none)' : protocol, 10)}${counts.join('')}${pad(rows.length, 7)}${wires(rows)}`,
  );
}

const stage = (key) =>
  OUTCOMES.map((o) => `${o} ${driven.filter((r) => r[key].outcome === o).length}`).join(', ');
console.log(`\nBy check, of ${driven.length} driven dumps:`);
console.log(`  in memory:                   ${stage('memory')}`);
console.log(`  packed nodes over the wire:  ${stage('nodes')}  (${nodes.tarball})`);

console.log('\nPer kind (driven dumps):');
for (const category of ['lamp', 'plug', 'switch', 'dimmer', 'strip', 'hub', 'hub child']) {
  const rows = results.filter((r) => r.category === category);
  const counts = OUTCOMES.map((o) => `${o} ${rows.filter((r) => r.outcome === o).length}`);
  const byProtocol = PROTOCOLS.map((p) => [p, rows.filter((r) => r.protocol === p).length])
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${p} ${n}`);

  const notes = {
    strip: '  (every outlet: state, name, power; one switched)',
    hub: '  (own children + every child dump attached; both checks)',
    'hub child': `  (attached to each of the ${hubs.length} hub and ${h200s.length} H200 dumps)`,
  };
  const note = notes[category] ?? '';
  console.log(`  ${pad(category, 10)}${counts.join(', ')}  [${byProtocol.join(', ')}]${note}`);
}

const hubLine = (c) =>
  `${c.states} child states match their dump, ${c.switches} switches switched, ` +
  `${c.targets} thermostat targets set, ${c.events} events each delivered exactly once ` +
  `(${[...c.eventNames].sort().join(', ')})`;
console.log(
  `\nHubs (${hubs.length} dumps, ${hubs.map((h) => h.expected.length).join('/')} children):`,
);
console.log(`  library in memory:           ${hubLine(hubCounts.memory)}`);
console.log(`  packed nodes over the wire:  ${hubLine(hubCounts.nodes)}`);
const h200Line = (c) =>
  `${c.states} child states match their dump, ${c.switches} switches switched, ` +
  `${c.logEvents} contact/motion changes with a log entry and ${c.stateEvents} without ` +
  'each delivered exactly once (source log / state)';
console.log(
  `\nH200 hubs over sslaes (${h200s.length} dumps, ${h200s.map((h) => h.expected.length).join('/')} children):`,
);
console.log(`  library in memory:           ${h200Line(h200Counts.memory)}`);
console.log(`  packed nodes over sslaes:    ${h200Line(h200Counts.nodes)}`);

const skipped = new Map();
for (const r of results.filter((x) => x.outcome === 'skipped')) {
  skipped.set(r.reason, (skipped.get(r.reason) ?? 0) + 1);
}
console.log('\nSkipped, by reason:');
for (const [reason, count] of skipped) console.log(`  ${pad(count, 4)}${reason}`);

const features = (counts) => [...counts].map(([feature, n]) => `${feature} ${n}`).join(', ');
console.log('\nFeatures exercised (dumps):');
console.log(`  in memory:                   ${features(exercised)}`);
console.log(`  packed nodes over the wire:  ${features(nodes.exercised)}`);

const notEmulated = new Map();
for (const r of results) {
  for (const name of r.fidelity?.notEmulated ?? [])
    notEmulated.set(name, (notEmulated.get(name) ?? 0) + 1);
}
if (notEmulated.size > 0) {
  console.log('\nIOT getters in the dumps that the emulator does not serve (information only):');
  for (const [name, count] of notEmulated) console.log(`  ${pad(count, 4)}${name}`);
}

const failed = results.filter((r) => r.outcome === 'failed');
console.log(`\nFailed: ${failed.length}`);
for (const r of failed) console.log(`  ${r.file} [${r.protocol}, ${r.category}]: ${r.reason}`);
const total = results.length;
console.log(
  `\n${total} dumps: ${OUTCOMES.map((o) => `${results.filter((r) => r.outcome === o).length} ${o}`).join(', ')}`,
);
console.log(
  `Took ${((Date.now() - started) / 1000).toFixed(1)} s: in memory ${memorySeconds.toFixed(1)} s, ` +
    `build, pack and install ${nodes.packSeconds.toFixed(1)} s, ` +
    `flows ${nodes.flowSeconds.toFixed(1)} s`,
);
process.exit(failed.length > 0 ? 1 : 0);
