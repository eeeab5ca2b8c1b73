/**
 * Light presets, both dialects: SMART get_preset_rules (a `states` list, or a bare `brightness`
 * list on white lamps) and Kasa sysinfo.preferred_state, normalised to `Preset`, and a preset
 * turned into the light fields of an ordinary command (docs/features.md §3).
 */
import { InvalidCommandError } from '../../transport/errors';
import type { Capabilities, LampCommand, Preset } from '../types';

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * One stored entry -> Preset. color_temp > 0 marks a white preset (hue/saturation are then
 * ignored by the device); 0 a colour one. Lamps without colour or tunable white keep only the
 * brightness, whatever else the firmware stores next to it.
 */
export function normalisePreset(
  entry: Record<string, unknown>,
  capabilities: Capabilities,
): Preset | undefined {
  const brightness = num(entry.brightness);
  if (brightness === undefined) return undefined;
  const kelvin = num(entry.color_temp) ?? 0;
  if (kelvin > 0 && (capabilities.colorTemp || capabilities.color)) {
    return { brightness, colorTemp: kelvin };
  }
  if (capabilities.color) {
    return { brightness, hue: num(entry.hue) ?? 0, saturation: num(entry.saturation) ?? 0 };
  }
  return { brightness };
}

/** get_preset_rules' result in either form -> presets (entries with effects are skipped). */
export function smartPresets(result: unknown, capabilities: Capabilities): Preset[] {
  const reply = (result ?? {}) as { states?: unknown; brightness?: unknown };
  if (Array.isArray(reply.states)) {
    return reply.states
      .filter((entry) => typeof entry === 'object' && entry !== null)
      .map((entry) => normalisePreset(entry as Record<string, unknown>, capabilities))
      .filter((preset): preset is Preset => preset !== undefined);
  }
  if (Array.isArray(reply.brightness)) {
    return reply.brightness
      .filter((value): value is number => num(value) !== undefined)
      .map((brightness) => ({ brightness }));
  }
  return [];
}

/**
 * `{ preset: n }` -> the preset's light fields plus whatever else the command carries, checked
 * against the presets the device last reported. Presets are applied as stored: a stored white
 * outside the range we accept from users (L900's fixed 9000 K) is still what the device holds.
 */
export function resolvePreset(
  command: LampCommand,
  presets: readonly Preset[] | undefined,
  model: string,
): LampCommand {
  if (command.preset === undefined) return command;
  const count = presets?.length ?? 0;
  const preset = presets?.[command.preset - 1];
  if (!preset) {
    throw new InvalidCommandError(
      'preset',
      count === 0
        ? `this ${model || 'device'} has no presets stored; save one in its app first`
        : `preset must be a number from 1 to ${count} on this ${model || 'device'} (got ${command.preset})`,
    );
  }
  const { preset: _n, ...rest } = command;
  return { ...rest, ...preset };
}
