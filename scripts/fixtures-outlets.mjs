/**
 * The outlet part of scripts/check-fixtures.mjs, for dumps of power strips and multi-outlet
 * plugs: what the dump says each outlet is (number on the housing, name, power, whether it
 * meters), and the checks, once through the library in memory and once through the packed
 * nodes over the wire: every outlet reports its own state and name, switching one outlet
 * changes only that one, and `{ on }` to the strip switches them all.
 */
import { decodeNickname } from '../src/device/state.ts';
import { outletsOf } from '../src/emulator/outlets.ts';

/** The outlets a SMART strip dump lists, by position (list order where there is none). */
export function smartOutlets(dump) {
  const list = dump.get_child_device_list?.child_device_list;
  if (!Array.isArray(list)) return undefined;
  const components = new Map(
    (dump.get_child_device_component_list?.child_component_list ?? []).map((entry) => [
      entry.device_id,
      (entry.component_list ?? []).map((c) => c.id),
    ]),
  );
  return list
    .map((child, index) => ({
      position: typeof child.position === 'number' ? child.position : index + 1,
      alias: decodeNickname(child.nickname),
      on: child.device_on === true,
      meters: (components.get(child.device_id) ?? []).includes('energy_monitoring'),
    }))
    .sort((a, b) => a.position - b.position);
}

/** The outlets an IOT strip dump lists, in socket order. */
export function iotOutlets(sysinfo) {
  if (!Array.isArray(sysinfo.children)) return undefined;
  const meters = String(sysinfo.feature ?? '').includes('ENE');
  return sysinfo.children.map((child, index) => ({
    position: index + 1,
    alias: child.alias ?? '',
    on: child.state === 1,
    meters,
  }));
}

/** The outlet the checks switch: the second, as the issue asks, or the only one. */
export function targetOutlet(outlets) {
  return outlets[1] ?? outlets[0];
}

const describe = (outlets) => outlets.map((o) => `${o.position}:${o.alias}:${o.on}`).join(' ');

/** The outlets of a state against the dump's: numbers, names and power, in order. */
export function compareOutlets(reported, expected, expect, where) {
  expect(Array.isArray(reported), `${where}: no outlets listed`);
  expect(
    describe(reported) === describe(expected),
    `${where}: outlets ${describe(reported)}, dump says ${describe(expected)}`,
  );
  for (const [k, want] of expected.entries()) {
    if (want.meters) {
      expect(
        typeof reported[k].power === 'number',
        `${where}: outlet ${want.position} meters, no power`,
      );
    }
  }
}

/** Switches the target outlet and checks that no other outlet moved, on the device itself. */
async function switchOne(setOutlet, device, outlets, expect, where) {
  const target = targetOutlet(outlets);
  const before = outletsOf(device);
  const wanted = !before.find((o) => o.position === target.position).on;
  const reply = await setOutlet(target.position, wanted);
  expect(reply.on === wanted, `${where}: outlet ${target.position} reported on: ${reply.on}`);
  expect(reply.outlet === target.position, `${where}: reply is for outlet ${reply.outlet}`);
  expect(reply.alias === target.alias, `${where}: reply names "${reply.alias}"`);
  const after = outletsOf(device);
  for (const [k, o] of after.entries()) {
    const changed = o.on !== before[k].on;
    expect(
      changed === (o.position === target.position),
      `${where}: switching outlet ${target.position} ${changed ? 'also switched' : 'left'} outlet ${o.position}`,
    );
  }
}

/** In memory, through the library: the strip's outlets, one outlet switched, all switched. */
export async function driveOutletsInMemory(client, device, expected, expect) {
  compareOutlets((await client.getState()).outlets, expected.outlets, expect, 'state');
  for (const [k, want] of expected.outlets.entries()) {
    const one = await client.outlet(want.position).getState();
    expect(one.outlet === want.position && one.alias === want.alias, `outlet ${k + 1} state`);
  }
  await switchOne(
    (position, on) => client.outlet(position).setState(on),
    device,
    expected.outlets,
    expect,
    'library',
  );
  for (const on of [false, true]) {
    const strip = await client.setState({ on });
    expect(
      strip.outlets.every((o) => o.on === on) && outletsOf(device).every((o) => o.on === on),
      `{ on: ${on} } to the strip left outlets ${describe(outletsOf(device))}`,
    );
  }
}

/** Status nodes for each outlet and a control node for the target outlet, of dump `i`. */
export function outletFlow(i, expected, tab) {
  const nodes = [];
  for (const o of expected.outlets) {
    nodes.push(
      {
        id: `outletStatus${i}_${o.position}`,
        type: 'lamp-status',
        z: tab,
        device: `dev${i}`,
        interval: 3600,
        outlet: String(o.position),
        wires: [[`outletStatusOut${i}_${o.position}`]],
      },
      { id: `outletStatusOut${i}_${o.position}`, type: 'helper', z: tab },
    );
  }
  nodes.push(
    {
      id: `outletControl${i}`,
      type: 'lamp-control',
      z: tab,
      device: `dev${i}`,
      action: 'payload',
      outlet: String(targetOutlet(expected.outlets).position),
      wires: [[`outletControlOut${i}`]],
    },
    { id: `outletControlOut${i}`, type: 'helper', z: tab },
  );
  return nodes;
}

/** Through the packed nodes: each outlet's status node, the outlet's control node, the strip. */
export async function driveOutletsThroughNodes(i, device, expected, exchange, expect) {
  for (const want of expected.outlets) {
    const id = `${i}_${want.position}`;
    const state = (await exchange(`outletStatus${id}`, `outletStatusOut${id}`, {})).payload;
    expect(
      state.outlet === want.position && state.alias === want.alias && state.on === want.on,
      `status node of outlet ${want.position}: ${state.outlet} "${state.alias}" on: ${state.on}, dump says "${want.alias}" on: ${want.on}`,
    );
    if (want.meters) expect(typeof state.power === 'number', `outlet ${want.position}: no power`);
  }
  await switchOne(
    async (_position, on) =>
      (await exchange(`outletControl${i}`, `outletControlOut${i}`, { payload: on })).payload,
    device,
    expected.outlets,
    expect,
    'lamp-control',
  );
}
