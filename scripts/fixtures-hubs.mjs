/**
 * The hub part of scripts/check-fixtures.mjs: every hub dump (smart/H100*, KH100*) served by the
 * emulator with its own listed children and, attached to it, every child dump of smart/child/
 * (each with our own id, its record, components, logged entries and answers from its dump),
 * driven once through the library in memory and once through the packed nodes over the hub's
 * own protocol (KLAP or AES, as its discovery says):
 * - every child's state keys match what its record in the dump says;
 * - each wall switch switches, each thermostat takes a target;
 * - one event of each child that keeps a log (a press, a turn, motion, a door opening, a leak,
 *   a comfort warning, a press on a wall switch) reaches the reader, or a `lamp-event` node,
 *   exactly once, and nothing logged before it started is replayed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LampClient } from '../src/device/client.ts';
import { decodeNickname } from '../src/device/state.ts';
import { HUB_CHILD_KINDS } from '../src/emulator/hub-types.ts';
import { createDevice } from '../src/emulator/index.ts';
import { MemoryTransport } from '../src/emulator/memory-transport.ts';
import { deviceId } from '../src/emulator/model-parts.ts';
import { HUB_ALARM_TYPES } from '../src/emulator/models-hubs.ts';

/** Hub getters the emulator computes itself; the rest of a dump's answers are served as given. */
const COMPUTED = new Set([
  'component_nego',
  'discovery_result',
  'get_device_info',
  'get_child_device_list',
  'get_child_device_component_list',
  'get_alarm_configure',
  'get_support_alarm_type_list',
  'get_device_time',
  'get_device_usage',
  'get_led_info',
  'get_auto_update_info',
  'get_connect_cloud_state',
]);

/** A dump's recorded answer that is a result (not an error code, not null). */
function answered(value) {
  return typeof value === 'object' && value !== null && !('error_code' in value);
}

function jsonFiles(folder) {
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
}

/** The child dumps of `root`/smart/child, each as a child the emulator serves. */
export function childDumps(root) {
  const folder = join(root, 'smart', 'child');
  return jsonFiles(folder).map((file) => {
    const dump = JSON.parse(readFileSync(join(folder, file), 'utf8'));
    const getters = Object.fromEntries(
      Object.entries(dump).filter(
        ([method, value]) =>
          !['get_device_info', 'component_nego', 'get_trigger_logs'].includes(method) &&
          answered(value),
      ),
    );
    return {
      file: `child/${file}`,
      record: dump.get_device_info,
      components: dump.component_nego?.component_list ?? [],
      logs: dump.get_trigger_logs?.logs ?? [],
      getters,
    };
  });
}

/** A hub dump's own children: its list records with their component lists. */
function listedChildren(dump, file) {
  const components = new Map(
    (dump.get_child_device_component_list?.child_component_list ?? []).map((entry) => [
      entry.device_id,
      entry.component_list,
    ]),
  );
  return (dump.get_child_device_list?.child_device_list ?? []).map((record, k) => ({
    file: `${file} #${k + 1}`,
    record,
    components: components.get(record.device_id) ?? [],
    logs: [],
    getters: {},
  }));
}

/** The hub dumps under `root`/smart, each with the plan the checks work from. */
export function hubPlans(root, smartProtocol, smartWire) {
  const folder = join(root, 'smart');
  const attached = childDumps(root);
  return jsonFiles(folder)
    .filter((name) => /^K?H100/.test(name))
    .map((name) => {
      const dump = JSON.parse(readFileSync(join(folder, name), 'utf8'));
      const children = [...listedChildren(dump, name), ...attached];
      return {
        file: `smart/${name}`,
        protocol: smartProtocol(dump),
        wire: smartWire(dump),
        category: 'hub',
        model: () => hubModel(dump, name, children),
        expected: children.map((child) => ({ file: child.file, ...childExpectation(child) })),
      };
    });
}

/** The dump as a hub model our emulator serves, with `children` paired under our own ids. */
function hubModel(dump, name, children) {
  const info = structuredClone(dump.get_device_info);
  const getters = Object.fromEntries(
    Object.entries(dump).filter(([method, value]) => !COMPUTED.has(method) && answered(value)),
  );
  return {
    dialect: 'smart',
    name: String(info.model),
    description: 'hub from a dump',
    klap: 2,
    components: structuredClone(dump.component_nego?.component_list ?? []),
    info,
    settings: {
      ...(answered(dump.get_led_info) ? { get_led_info: structuredClone(dump.get_led_info) } : {}),
      ...(answered(dump.get_auto_update_info)
        ? { get_auto_update_info: structuredClone(dump.get_auto_update_info) }
        : {}),
    },
    hub: {
      children: children.map((child, k) => childSpec(child, childIdOf(name, k), info.device_id)),
      alarm: answered(dump.get_alarm_configure)
        ? structuredClone(dump.get_alarm_configure)
        : { duration: 300, type: 'Doorbell Ring 1', volume: 'high' },
      alarmTypes: dump.get_support_alarm_type_list?.alarm_type_list ?? [...HUB_ALARM_TYPES],
      getters,
    },
  };
}

/** The emulator's spec of one dumped hub child, under our id and its hub's. */
export function childSpec(child, deviceId, parentId) {
  return {
    kind: HUB_CHILD_KINDS[child.record.model],
    info: { ...structuredClone(child.record), device_id: deviceId, parent_device_id: parentId },
    components: structuredClone(child.components),
    logs: structuredClone(child.logs),
    getters: structuredClone(child.getters),
  };
}

/** Our id for the `k`-th child of hub dump `name` (the dumps' ids are scrubbed and repeat). */
export function childIdOf(name, k) {
  return deviceId(`fixture-${name}-${k}`);
}

/** What a child's record in its dump says its state is, by the contract's keys. */
export function childExpectation({ record, components }) {
  const kind = HUB_CHILD_KINDS[record.model];
  const state = {
    kind,
    model: record.model,
    alias: decodeNickname(record.nickname),
    online: record.status === 'online',
  };
  const low = record.at_low_battery ?? record.is_low;
  if (typeof low === 'boolean') state.batteryLow = low;
  if (typeof record.battery_percentage === 'number') state.battery = record.battery_percentage;
  if (kind === 'switch') state.on = record.device_on === true;
  if (kind === 'motion') state.motion = record.detected === true;
  if (kind === 'contact') state.open = record.open === true;
  if (kind === 'leak') state.leak = record.water_leak_status === 'water_leak';
  if (kind === 'climate') {
    state.temperature = record.current_temp;
    state.humidity = record.current_humidity;
  }
  if (kind === 'thermostat') {
    state.temperature = record.current_temp;
    state.targetTemperature = record.target_temp;
    state.on = record.frost_protection_on !== true;
  }
  return {
    state,
    logs: components.some((c) => c.id === 'trigger_log'),
    range: kind === 'thermostat' ? [record.min_control_temp, record.max_control_temp] : null,
  };
}

/** The keys of `expected` that `actual` reports otherwise, as "key a≠b" lines. */
export function stateDifferences(actual, expected) {
  return Object.entries(expected)
    .filter(([key, want]) => actual?.[key] !== want)
    .map(([key, want]) => `${key} ${JSON.stringify(actual?.[key])}≠${JSON.stringify(want)}`);
}

/** A target other than the valve's current one, inside its range. */
export function newTarget(expected) {
  const [min, max] = expected.range ?? [5, 30];
  const now = expected.state.targetTemperature;
  return now === 22.5 ? Math.min(max, 23) : Math.max(min, Math.min(max, 22.5));
}

/**
 * Makes one event happen on `child` (an EmulatedHubChild) as its kind would log one; returns
 * the log entry, or undefined for kinds without a log.
 */
export function makeEvent(child) {
  switch (child.kind) {
    case 'button':
      return child.press('singleClick');
    case 'dial':
      return child.rotate(30);
    case 'motion':
      return child.motion();
    case 'contact':
      return child.contact(child.info.open !== true);
    case 'leak':
      return child.leak(child.info.water_leak_status !== 'water_leak');
    case 'climate': {
      // Out of the comfort band on the other side from where it is, so a warning is logged.
      const humid = Number(child.info.current_humidity_exception ?? 0) > 0;
      return child.climate({ humidity: humid ? 20 : 80 })[0];
    }
    case 'switch':
      return child.toggleSwitch();
    default:
      return undefined;
  }
}

/**
 * Checks that `events` (HubEvent-like: { id, name, child: { id } }) hold each of `made`
 * ({ childId, entry }) exactly once and nothing else; returns the problems.
 */
function eventProblems(events, made) {
  const problems = [];
  for (const { childId, entry } of made) {
    const seen = events.filter((e) => e.child.id === childId && e.id === entry.id);
    if (seen.length !== 1) problems.push(`${entry.event} #${entry.id} arrived ${seen.length}×`);
  }
  const expected = new Set(made.map(({ childId, entry }) => `${childId}/${entry.id}`));
  for (const e of events) {
    if (!expected.has(`${e.child.id}/${e.id}`)) problems.push(`unexpected ${e.name} #${e.id}`);
  }
  return problems;
}

/**
 * Drives one emulated hub through `io` (the library in memory, or the packed nodes): each
 * child's state against its dump, { on } to switches, a target to thermostats, then one event
 * per child that logs, which must arrive exactly once. Returns the problems, each naming the
 * dump it concerns; adds what it did to `counts`.
 */
export async function driveHub(plan, hub, io, counts) {
  const problems = [];
  const check = (ok, file, text) => {
    if (!ok) problems.push(`${file}: ${text}`);
  };
  for (const [k, want] of plan.expected.entries()) {
    const id = hub.children[k].id;
    try {
      const wrong = stateDifferences(await io.childState(id), want.state);
      check(wrong.length === 0, want.file, wrong.join(', '));
      counts.states++;
      if (want.state.kind === 'switch') {
        const on = !want.state.on;
        const after = await io.setChild(id, { on });
        check(after.on === on && hub.children[k].info.device_on === on, want.file, `{ on: ${on} }`);
        counts.switches++;
      }
      if (want.state.kind === 'thermostat') {
        const target = newTarget(want);
        await io.setChild(id, { targetTemperature: target });
        check(hub.children[k].info.target_temp === target, want.file, `target ${target}`);
        counts.targets++;
      }
    } catch (error) {
      problems.push(`${want.file}: ${error.message}`);
    }
  }
  const replayed = await io.startEvents();
  check(replayed.length === 0, plan.file, `${replayed.length} old events replayed`);
  const made = [];
  for (const [k, child] of hub.children.entries()) {
    const entry = makeEvent(child);
    if (entry) made.push({ childId: child.id, entry, file: plan.expected[k].file });
  }
  const events = await io.collectEvents(made);
  for (const problem of eventProblems(events, made)) problems.push(`${plan.file}: ${problem}`);
  counts.events += made.length;
  for (const { entry } of made) counts.eventNames.add(entry.event);
  return problems;
}

/** In memory, through the library (LampClient over MemoryTransport). */
export async function driveHubInMemory(plan, counts) {
  const device = createDevice(plan.model());
  const transport = new MemoryTransport((text) => device.handle(text));
  const client = new LampClient({ host: '127.0.0.1', port: 9 }, transport);
  const reader = client.events();
  try {
    const state = await client.getState();
    const listed = state.children?.length;
    const problems =
      listed === plan.expected.length
        ? []
        : [`${plan.file}: hub lists ${listed} children, ${plan.expected.length} paired`];
    const io = {
      childState: (id) => client.child(id).getState(),
      setChild: (id, payload) => client.child(id).setState(payload),
      startEvents: () => reader.read(),
      collectEvents: async (made) => {
        // Logs are read when a record changes, others in turn (the reader's sweep): read until
        // every event is in, then a few more times, so a doubled one would show.
        const events = [];
        for (let read = 0; read < 400 && events.length < made.length; read++) {
          events.push(...(await reader.read()));
        }
        for (let read = 0; read < 5; read++) events.push(...(await reader.read()));
        return events;
      },
    };
    return [...problems, ...(await driveHub(plan, device.hub, io, counts))];
  } finally {
    await client.close();
  }
}
