/**
 * The msg.payload grammar of the "beyond on/off" commands: `preset`, `autoOff`, `led`, `fade`,
 * `autoUpdate` (docs/features.md §1). Parsing checks what does not depend on the device;
 * `checkSettings` refuses a feature the device lacks, naming it and the model, before anything
 * is sent.
 */
import { quoteInput, UnsupportedFeatureError } from '../../transport/errors';
import { booleanOf, invalid, isPlainObject, wholeNumberIn } from '../grammar-values';
import type { Capabilities, LampCommand } from '../types';

export const SETTING_PROPERTIES = ['preset', 'autoOff', 'led', 'fade', 'autoUpdate'] as const;

/** Longest auto-off delay accepted: a day (no device documents a limit; every dump is ≤ 120). */
export const MAX_AUTO_OFF_MINUTES = 1440;
/** Longest fade accepted: the max_duration every Tapo lamp reports (60 s). */
export const MAX_FADE_MS = 60_000;

/** An object with only `allowed` keys and at least one of them. */
function fieldsOf(property: string, value: unknown, allowed: readonly string[]) {
  const usage = `${property} must be an object with ${allowed.join(' and/or ')}`;
  if (!isPlainObject(value)) throw invalid(property, `${usage} (got ${quoteInput(value)})`);
  const keys = Object.keys(value).filter((key) => value[key] !== undefined);
  const unknown = keys.find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw invalid(property, `${usage}; ${quoteInput(unknown)} is not one of them`);
  }
  if (keys.length === 0) throw invalid(property, `${usage} (got an empty object)`);
  return value;
}

/** The light fields a preset replaces: sent together, they contradict it. */
const PRESET_CONFLICTS = ['brightness', 'hue', 'saturation', 'colorTemp', 'color', 'effect'];

/** Adds the settings of `input` to `command`; throws on any malformed value. */
export function parseSettings(input: Record<string, unknown>, command: LampCommand): void {
  const has = (key: string) => input[key] !== undefined;
  if (has('preset')) {
    const n = input.preset;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100) {
      throw invalid(
        'preset',
        `preset must be a whole number from 1 (the first of the lamp's presets, see state.presets) (got ${quoteInput(n)})`,
      );
    }
    const conflict = PRESET_CONFLICTS.find(has);
    if (conflict !== undefined) {
      throw invalid(
        'preset',
        `a preset sets the light itself: send preset without ${conflict}, or ${conflict} without preset`,
      );
    }
    if (input.on === false) throw invalid('preset', 'preset and on:false contradict each other');
    command.preset = n;
  }
  if (has('autoOff')) {
    const value = fieldsOf('autoOff', input.autoOff, ['enabled', 'minutes']);
    command.autoOff = {};
    if (value.enabled !== undefined) {
      command.autoOff.enabled = booleanOf('autoOff.enabled', value.enabled);
    }
    if (value.minutes !== undefined) {
      command.autoOff.minutes = wholeNumberIn(
        'autoOff.minutes',
        value.minutes,
        1,
        MAX_AUTO_OFF_MINUTES,
      );
    }
  }
  if (has('led')) command.led = booleanOf('led', input.led);
  if (has('fade')) {
    const value = fieldsOf('fade', input.fade, ['on', 'off']);
    command.fade = {};
    if (value.on !== undefined)
      command.fade.on = wholeNumberIn('fade.on', value.on, 0, MAX_FADE_MS);
    if (value.off !== undefined) {
      command.fade.off = wholeNumberIn('fade.off', value.off, 0, MAX_FADE_MS);
    }
  }
  if (has('autoUpdate')) command.autoUpdate = booleanOf('autoUpdate', input.autoUpdate);
}

/** What each setting is called in a refusal. */
const FEATURE_NAMES: Record<(typeof SETTING_PROPERTIES)[number], string> = {
  preset: 'light presets',
  autoOff: 'auto-off setting',
  led: 'status LED setting',
  fade: 'gradual on/off durations',
  autoUpdate: 'firmware auto-update setting',
};

/** Refuses a setting the device lacks, naming the feature and the model. */
export function checkSettings(
  command: LampCommand,
  capabilities: Capabilities,
  model: string,
): void {
  const device = `this ${model || 'device'}`;
  for (const property of SETTING_PROPERTIES) {
    if (command[property] === undefined) continue;
    const has = property === 'preset' ? capabilities.presets : capabilities[property];
    if (has) continue;
    let hint = '';
    if (property === 'fade' && capabilities.dialect === 'iot' && capabilities.transition) {
      hint = '; use transition (ms) on each command instead';
    } else if (property === 'fade' && capabilities.dialect === 'smart' && capabilities.brightness) {
      hint = '; its firmware only switches gradual on/off in the Tapo app, without durations';
    }
    throw new UnsupportedFeatureError(
      property,
      `${device} has no ${FEATURE_NAMES[property]} (${property})${hint}`,
    );
  }
}
