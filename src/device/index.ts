export * from './capabilities';
export * from './children/child';
export { LampChild } from './children/lamp-child';
export { type ConnectOptions, connect, LampClient, LampOutlet, type TargetOptions } from './client';
export * from './color';
export * from './command';
export type { DeviceDriver } from './driver';
export { BULB_EFFECTS, STRIP_EFFECTS, type StripEffect } from './effects';
export { EventReader, type EventReaderOptions, type HubEvent } from './hub/event-reader';
export { IotDriver } from './iot-driver';
export { IotProtocol, type IotRequest, iotErrorMeaning } from './iot-protocol';
export * from './outlets/outlet';
export { SmartDriver } from './smart-driver';
export {
  MAX_BATCH_SIZE,
  NotSmartReplyError,
  type SmartOutcome,
  SmartProtocol,
  type SmartRequest,
  smartErrorMeaning,
} from './smart-protocol';
export * from './state';
export type * from './types';
