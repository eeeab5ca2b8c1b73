/**
 * `smartlife.iot.dimmer` on wall dimmers: brightness lives in sysinfo next to relay_state.
 * set_brightness only dims (the relay stays as it is); set_dimmer_transition fades to a
 * brightness and switches on, or off at brightness 0.
 */
import { isObject } from '../json';
import { type IotContext, type IotService, intIn, invalid, ok } from './service';
import type { RelayClock } from './system';

/** The longest fade the emulated firmware keeps (python-kasa limits fades to 10 s). */
const MAX_FADE_MS = 60_000;

function setTime(context: IotContext, key: 'fadeOnTime' | 'fadeOffTime') {
  return (args: unknown) => {
    const time = isObject(args) ? intIn(args.fadeTime, 0, MAX_FADE_MS) : undefined;
    const parameters = context.model.dimmer;
    if (time === undefined || !parameters) return invalid();
    parameters[key] = time;
    return ok();
  };
}

export function dimmerService(context: IotContext, relay: RelayClock): IotService {
  const info = context.sysinfo;
  const switchTo = (state: 0 | 1) => {
    if (state === 1 && info.relay_state !== 1) relay.onSince = context.clock();
    if (state === 0) relay.onSince = undefined;
    info.relay_state = state;
  };
  return {
    module: 'smartlife.iot.dimmer',
    methods: {
      set_brightness: (args) => {
        const brightness = isObject(args) ? intIn(args.brightness, 1, 100) : undefined;
        if (brightness === undefined) return invalid();
        info.brightness = brightness;
        return ok();
      },
      set_dimmer_transition: (args) => {
        if (!isObject(args)) return invalid();
        const brightness = intIn(args.brightness, 0, 100);
        const duration = intIn(args.duration, 0, 2 ** 31 - 1);
        if (brightness === undefined || duration === undefined) return invalid();
        context.lastTransitionMs = duration;
        if (brightness === 0) switchTo(0);
        else {
          info.brightness = brightness;
          switchTo(1);
        }
        return ok();
      },
      get_dimmer_parameters: () => ok({ ...context.model.dimmer }),
      // The fade times get_dimmer_parameters reports, in ms (HS220 dump: 1000 each).
      set_fade_on_time: setTime(context, 'fadeOnTime'),
      set_fade_off_time: setTime(context, 'fadeOffTime'),
    },
  };
}
