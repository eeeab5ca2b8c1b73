/**
 * `smartlife.iot.lighting_effect` on light strips that report lighting_effect_state: the whole
 * effect object comes in, the strip keeps its name, id and brightness and runs it while enabled.
 * Starting an effect switches the strip on; stopping one (the same object with enable 0) leaves
 * the light as it was.
 */
import { isObject, type Json } from '../json';
import type { LampLight } from './light';
import { type IotContext, type IotService, intIn, invalid, ok } from './service';

export function lightingEffectService(context: IotContext, light: LampLight): IotService {
  return {
    module: 'smartlife.iot.lighting_effect',
    methods: {
      get_lighting_effect: () => ok(structuredClone(context.sysinfo.lighting_effect_state as Json)),
      set_lighting_effect: (args) => {
        if (!isObject(args)) return invalid();
        const enable = intIn(args.enable, 0, 1);
        const brightness = args.brightness === undefined ? 100 : intIn(args.brightness, 1, 100);
        if (
          enable === undefined ||
          brightness === undefined ||
          typeof args.name !== 'string' ||
          args.name === ''
        ) {
          return invalid();
        }
        context.sysinfo.lighting_effect_state = {
          brightness,
          custom: args.custom === 1 ? 1 : 0,
          enable,
          id: typeof args.id === 'string' ? args.id : '',
          name: args.name,
        };
        if (enable === 1 && !light.on) light.set(true, light.values);
        return ok();
      },
    },
  };
}

/** A light change stops the running effect, as the app shows after picking a colour. */
export function stopEffect(context: IotContext): void {
  const effect = context.sysinfo.lighting_effect_state;
  if (isObject(effect)) effect.enable = 0;
}
