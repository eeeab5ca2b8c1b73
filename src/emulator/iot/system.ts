/**
 * `system` (every device) and `smartlife.iot.common.system` (bulbs and light strips, which take
 * their alias there). Plugs and dimmers switch with set_relay_state; strips of outlets switch the
 * outlets a `context` names, or all of them.
 */
import { isObject } from '../json';
import type { IotOutlets } from './outlets';
import {
  deviceClass,
  type IotContext,
  type IotMethod,
  type IotService,
  invalid,
  ok,
} from './service';

/** The longest alias the firmware keeps. */
const MAX_ALIAS = 31;

export interface RelayClock {
  /** When the relay last switched on, or undefined while off. */
  onSince: number | undefined;
}

/** Renames the device, or on a strip the outlets a context names. */
function setAlias(context: IotContext): IotMethod {
  return (args, call) => {
    if (!isObject(args) || typeof args.alias !== 'string' || args.alias.length > MAX_ALIAS) {
      return invalid();
    }
    for (const target of call.children ?? [context.sysinfo]) target.alias = args.alias;
    return ok();
  };
}

function setRelayState(context: IotContext, relay: RelayClock, outlets?: IotOutlets): IotMethod {
  const info = context.sysinfo;
  return (args, call) => {
    if (!isObject(args) || (args.state !== 0 && args.state !== 1)) return invalid();
    if (outlets) {
      outlets.switch(call, args.state);
      return ok();
    }
    if (args.state === 1 && info.relay_state !== 1) relay.onSince = context.clock();
    if (args.state === 0) relay.onSince = undefined;
    info.relay_state = args.state;
    return ok();
  };
}

/** `outlets` on a strip: set_relay_state and set_dev_alias then honour a request's context. */
export function systemService(
  context: IotContext,
  relay: RelayClock,
  onReboot: () => void,
  outlets?: IotOutlets,
): IotService {
  const info = context.sysinfo;
  const lamp = ['bulb', 'lightstrip'].includes(deviceClass(info));
  const methods: Record<string, IotMethod> = {
    get_sysinfo: () => {
      outlets?.refresh();
      const reply = structuredClone(info);
      if ('on_time' in info) {
        reply.on_time =
          relay.onSince === undefined ? 0 : Math.floor((context.clock() - relay.onSince) / 1000);
      }
      return ok(reply);
    },
    reboot: () => {
      setImmediate(onReboot);
      return ok();
    },
  };
  if (!lamp) {
    methods.set_relay_state = setRelayState(context, relay, outlets);
    methods.set_dev_alias = setAlias(context);
  }
  // Only devices with a status LED report led_off (bulbs and light strips have none).
  if ('led_off' in info) {
    methods.set_led_off = (args) => {
      if (!isObject(args) || (args.off !== 0 && args.off !== 1)) return invalid();
      info.led_off = args.off;
      return ok();
    };
  }
  return { module: 'system', methods };
}

export function commonSystemService(context: IotContext, onReboot: () => void): IotService {
  return {
    module: 'smartlife.iot.common.system',
    methods: {
      set_dev_alias: setAlias(context),
      reboot: () => {
        setImmediate(onReboot);
        return ok();
      },
    },
  };
}
