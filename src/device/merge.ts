/**
 * Merging commands that queued up behind a busy device into one device request, with the
 * result the device would have reached had it been sent each of them in turn. A dashboard
 * slider sends a message per step; merged, the lamp follows the finger instead of lagging
 * seconds behind it (and stays below the device's rate limit).
 *
 * The rules mirror what the drivers do with one command: a light change without `on` switches
 * the lamp on, a colour and a white temperature exclude each other, a named effect replaces
 * the colour and a colour ends a running effect. Settings (led, autoUpdate, autoOff, fade) are
 * independent of the light and merge field by field: `{ fade: { on: 500 } }` then
 * `{ fade: { off: 0 } }` is `{ fade: { on: 500, off: 0 } }`. Presets are resolved into their light
 * fields before merging (LampClient), so they follow the light rules. A painting (`segments`)
 * replaces a colour, white or effect and is ended by one; a brightness alone repaints it.
 */
import { changesLight } from './driver';
import { endsPainting } from './features/segments';
import type { LampCommand } from './types';

function namedEffect(command: LampCommand): boolean {
  return command.effect !== undefined && command.effect !== 'off';
}

/** `later` applied on top of `earlier`, as if the device had received both, in that order. */
export function mergeCommands(earlier: LampCommand, later: LampCommand): LampCommand {
  const merged: LampCommand = { ...earlier };

  // Power: an explicit value wins; a toggle flips whatever the earlier commands leave; a light
  // change switches on (the device would have, after any earlier off or toggle).
  if (later.on !== undefined) {
    merged.on = later.on;
    delete merged.toggle;
  } else if (later.toggle) {
    if (merged.on !== undefined) merged.on = !merged.on;
    else if (merged.toggle)
      delete merged.toggle; // two toggles cancel out
    else merged.toggle = true;
  } else if (changesLight(later) || namedEffect(later)) {
    delete merged.on;
    delete merged.toggle;
  }

  // Colour and white exclude each other; the later one wins.
  if (later.hue !== undefined || later.saturation !== undefined) delete merged.colorTemp;
  if (later.colorTemp !== undefined) {
    delete merged.hue;
    delete merged.saturation;
  }
  // A painting replaces a colour, white or named effect, and they replace it (segments.ts).
  if (later.segments !== undefined) {
    delete merged.hue;
    delete merged.saturation;
    delete merged.colorTemp;
    if (namedEffect(merged)) delete merged.effect;
  } else if (endsPainting(later)) {
    delete merged.segments;
  }
  // A named effect replaces a colour; a colour or white after a named effect ends it.
  if (namedEffect(later)) {
    delete merged.hue;
    delete merged.saturation;
    delete merged.colorTemp;
  } else if (
    namedEffect(merged) &&
    (later.hue !== undefined || later.saturation !== undefined || later.colorTemp !== undefined)
  ) {
    merged.effect = 'off';
  }

  for (const key of [
    'brightness',
    'hue',
    'saturation',
    'colorTemp',
    'transition',
    'effect',
    'segments',
  ] as const) {
    if (later[key] !== undefined) (merged as Record<string, unknown>)[key] = later[key];
  }
  if (later.led !== undefined) merged.led = later.led;
  if (later.autoUpdate !== undefined) merged.autoUpdate = later.autoUpdate;
  if (later.autoOff !== undefined) merged.autoOff = { ...merged.autoOff, ...later.autoOff };
  if (later.fade !== undefined) merged.fade = { ...merged.fade, ...later.fade };
  // The siren and a valve's target: the later one stands.
  if (later.alarm !== undefined) merged.alarm = { ...later.alarm };
  if (later.targetTemperature !== undefined) merged.targetTemperature = later.targetTemperature;
  return merged;
}
