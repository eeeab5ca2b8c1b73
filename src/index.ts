/**
 * The library API of @lamp-control/node-red, usable without Node-RED:
 *
 *   const lamp = await connect({ host, port, username, password });
 *   await lamp.getState(); await lamp.setState({ on: true, brightness: 40 });
 *   await lamp.request('get_device_info'); await lamp.close();
 *
 * Errors are LampError subclasses with a stable `code` and a message that says what to do.
 */

export {
  type ChildSelector,
  type ChildState,
  type ChildTarget,
  childState,
  findChild,
  parseChildSelector,
} from './device/children/child';
export { LampChild } from './device/children/lamp-child';
export {
  type ConnectOptions,
  connect,
  LampClient,
  LampOutlet,
  type TargetOptions,
} from './device/client';
export {
  EventReader,
  type EventReaderOptions,
  type HubEvent,
} from './device/hub/event-reader';
export {
  findOutlet,
  type OutletSelector,
  outletState,
  parseOutletSelector,
} from './device/outlets/outlet';
export type {
  AlarmCommand,
  AlarmVolume,
  Capabilities,
  ChildKind,
  DeviceKind,
  Dialect,
  HubChild,
  HubChildState,
  LampCommand,
  LampState,
  Outlet,
  SegmentColor,
} from './device/types';
export {
  type DiscoveredDevice,
  type DiscoverOptions,
  discover,
  type WakeUpOutcome,
  wakeUp,
} from './transport/discovery';
export * from './transport/errors';
export type { DiscoveryHint } from './transport/types';
