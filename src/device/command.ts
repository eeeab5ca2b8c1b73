/**
 * The msg.payload grammar (docs/architecture.md §3), turned into a LampCommand and checked against what the
 * device can do, all before anything is sent. Errors name the property and the allowed values.
 *
 * Rules we chose (documented in the README section on payloads):
 * - Fractional numbers are accepted and rounded to the nearest whole number after the range
 *   check (brightness 40.6 -> 41); NaN, Infinity and numeric strings are refused.
 * - A bare number is brightness; 0 means off, anything above 0 is at least brightness 1.
 * - "#rrggbb" and {r,g,b}/{h,s,v} set hue and saturation, and their value (V of HSV) sets the
 *   brightness unless `brightness` is given too, so a colour reads back as it was sent.
 *   Black ("#000000") without a brightness is refused: send false to switch off.
 * - Contradictions are refused rather than guessed: color with hue/saturation, colorTemp with
 *   any colour, a named effect with colours or with on:false.
 * - Strings "on"/"off"/"toggle" and effect names are matched case-insensitively.
 */
import { MAX_QUOTED_CHARS, quoteInput, UnsupportedFeatureError } from '../transport/errors';
import { matchEffectName } from './effects';
import { checkSegments, parseSegments } from './features/segments';
import { checkSettings, parseSettings, SETTING_PROPERTIES } from './features/settings-command';
import { colorValue, invalid, isPlainObject, wholeNumberIn } from './grammar-values';
import { checkHubProperties, HUB_PROPERTIES, parseHubCommand } from './hub/hub-command';
import type { Capabilities, LampCommand } from './types';

export const COMMAND_PROPERTIES = [
  'on',
  'brightness',
  'hue',
  'saturation',
  'colorTemp',
  'color',
  'transition',
  'effect',
  'segments',
  ...SETTING_PROPERTIES,
  ...HUB_PROPERTIES,
] as const;

/** Longest transition accepted (one hour), so a typo in seconds-vs-ms is caught. */
export const MAX_TRANSITION_MS = 3_600_000;

/** The value for a message: a short, cut quote, never the whole input. */
function describe(value: unknown): string {
  return quoteInput(value);
}

function parseString(text: string): LampCommand {
  const word = text.trim().toLowerCase();
  if (word === 'on') return { on: true };
  if (word === 'off') return { on: false };
  if (word === 'toggle') return { toggle: true };
  if (word.startsWith('#')) return parseObject({ color: text });
  throw invalid(
    'payload',
    `payload ${describe(text)} is not a command: use true/false, "on", "off", "toggle", a number ` +
      '0–100 (brightness), "#rrggbb" or an object',
  );
}

function parseObject(input: Record<string, unknown>): LampCommand {
  const keys = Object.keys(input);
  if (keys.length === 0) {
    throw invalid(
      'payload',
      `payload object is empty: give at least one of ${COMMAND_PROPERTIES.join(', ')}`,
    );
  }
  const unknown = keys.filter((k) => !(COMMAND_PROPERTIES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    const name = unknown[0] as string;
    throw invalid(
      // The key is user input too: a cut one names it well enough.
      name.length <= MAX_QUOTED_CHARS ? name : `${name.slice(0, MAX_QUOTED_CHARS)}…`,
      `unknown property ${describe(name)} in payload; allowed: ${COMMAND_PROPERTIES.join(', ')}`,
    );
  }
  const has = (key: string) => input[key] !== undefined;
  const command: LampCommand = {};
  if (has('on')) {
    if (typeof input.on !== 'boolean')
      throw invalid('on', `on must be true or false (got ${describe(input.on)})`);
    command.on = input.on;
  }
  if (input.brightness === 0) {
    // Devices keep brightness 1–100 and switch off separately; say how to get what was meant.
    throw invalid(
      'brightness',
      'brightness must be a number from 1 to 100 (got 0); to switch off, send on: false (or the payload 0 or false)',
    );
  }
  if (has('brightness')) command.brightness = wholeNumberIn('brightness', input.brightness, 1, 100);
  if (has('hue')) command.hue = wholeNumberIn('hue', input.hue, 0, 360);
  if (has('saturation')) command.saturation = wholeNumberIn('saturation', input.saturation, 0, 100);
  if (has('colorTemp')) {
    const kelvin = input.colorTemp;
    if (typeof kelvin !== 'number' || !Number.isFinite(kelvin) || kelvin <= 0) {
      throw invalid(
        'colorTemp',
        `colorTemp must be a colour temperature in kelvin, e.g. 2700 (got ${describe(kelvin)})`,
      );
    }
    command.colorTemp = Math.round(kelvin);
  }
  if (has('color')) {
    if (has('hue') || has('saturation')) {
      throw invalid(
        'color',
        'color and hue/saturation contradict each other: send one or the other',
      );
    }
    const hsv = colorValue('color', input.color);
    command.hue = Math.round(hsv.h) % 360;
    command.saturation = Math.round(hsv.s);
    if (command.brightness === undefined) {
      const brightness = Math.round(hsv.v);
      if (brightness < 1) {
        throw invalid(
          'color',
          `color ${describe(input.color)} is black (no brightness): send false or "off" to switch off`,
        );
      }
      command.brightness = brightness;
    }
  }
  if (
    command.colorTemp !== undefined &&
    (command.hue !== undefined || command.saturation !== undefined)
  ) {
    throw invalid(
      'colorTemp',
      `colorTemp (white) and ${has('color') ? 'color' : 'hue/saturation'} contradict each other: send one or the other`,
    );
  }
  if (has('transition'))
    command.transition = wholeNumberIn('transition', input.transition, 0, MAX_TRANSITION_MS);
  if (has('effect')) {
    const effect = input.effect;
    if (typeof effect !== 'string' || effect.trim() === '') {
      throw invalid(
        'effect',
        `effect must be the name of a built-in effect or "off" (got ${describe(effect)})`,
      );
    }
    command.effect = effect.trim().toLowerCase() === 'off' ? 'off' : effect.trim();
    if (command.effect !== 'off') {
      if (
        command.hue !== undefined ||
        command.saturation !== undefined ||
        command.colorTemp !== undefined
      ) {
        throw invalid(
          'effect',
          'an effect chooses its own colours: send effect without color, hue, saturation or colorTemp',
        );
      }
      if (command.on === false)
        throw invalid('effect', 'effect and on:false contradict each other');
    }
  }
  parseSegments(input, command);
  parseSettings(input, command);
  parseHubCommand(input, command);
  return command;
}

/** msg.payload -> LampCommand, checking everything that does not depend on the device. */
export function parseCommand(payload: unknown): LampCommand {
  if (typeof payload === 'boolean') return { on: payload };
  if (typeof payload === 'string') return parseString(payload);
  if (typeof payload === 'number') {
    if (!Number.isFinite(payload) || payload < 0 || payload > 100) {
      throw invalid(
        'payload',
        `a number payload is brightness and must be from 0 (off) to 100 (got ${describe(payload)})`,
      );
    }
    if (payload === 0) return { on: false };
    return { brightness: Math.max(1, Math.round(payload)) };
  }
  if (isPlainObject(payload)) return parseObject(payload);
  throw invalid(
    'payload',
    `payload must be true/false, "on", "off", "toggle", a number 0–100, "#rrggbb" or an object (got ${describe(payload)})`,
  );
}

/** Check a parsed command against one device's capabilities; returns it with effect names canonical. */
export function checkCommand(
  command: LampCommand,
  capabilities: Capabilities,
  model: string,
): LampCommand {
  const device = `this ${model || 'device'}`;
  checkHubProperties(command, { alarm: capabilities.alarm, model });
  if (capabilities.kind === 'hub' && (command.on !== undefined || command.toggle)) {
    throw new UnsupportedFeatureError(
      'on',
      `${device} is a hub and has no switch of its own: set child to one of its switches, or send { alarm } for its siren`,
    );
  }
  checkSettings(command, capabilities, model);
  checkSegments(command, capabilities, model);
  // Colour first: "#rrggbb" also carries a brightness, but the colour is what was asked for.
  if ((command.hue !== undefined || command.saturation !== undefined) && !capabilities.color) {
    const alternative = capabilities.colorTemp
      ? 'use colorTemp and brightness'
      : capabilities.brightness
        ? capabilities.kind === 'plug'
          ? 'it is a dimmer: use brightness'
          : 'it is a dimmable white lamp: use brightness'
        : 'it only switches on and off';
    throw new UnsupportedFeatureError(
      'color',
      `${device} has no colour (color/hue/saturation); ${alternative}`,
    );
  }
  if (command.brightness !== undefined && !capabilities.brightness) {
    throw new UnsupportedFeatureError(
      'brightness',
      `${device} has no brightness; it only switches on and off`,
    );
  }
  if (command.colorTemp !== undefined) {
    const range = capabilities.colorTemp;
    if (!range) {
      throw new UnsupportedFeatureError(
        'colorTemp',
        `${device} cannot tune its white (colorTemp)${capabilities.color ? '; use color or hue/saturation' : ''}`,
      );
    }
    if (command.colorTemp < range.min || command.colorTemp > range.max) {
      throw invalid(
        'colorTemp',
        `colorTemp must be between ${range.min} and ${range.max} K on ${device} (got ${command.colorTemp})`,
      );
    }
  }
  if (command.transition !== undefined && !capabilities.transition) {
    // SMART lamps fade by the app's "gradually on/off" setting, Kasa light strips by their own.
    const how =
      capabilities.dialect === 'smart'
        ? ' (SMART lamps fade by the app\'s "gradually on/off" setting)'
        : capabilities.kind === 'strip'
          ? ' (Kasa light strips fade by their own setting)'
          : '';
    throw new UnsupportedFeatureError(
      'transition',
      `${device} does not take a per-command transition; remove transition${how}`,
    );
  }
  if (command.effect !== undefined) {
    const effects = capabilities.effects;
    if (!effects) throw new UnsupportedFeatureError('effect', `${device} has no effects`);
    if (command.effect !== 'off') {
      const name = matchEffectName(effects, command.effect);
      if (!name) {
        throw invalid(
          'effect',
          `effect must be "off" or a built-in effect of ${device}: ${effects.join(', ')} ` +
            `(got ${describe(command.effect)})`,
        );
      }
      return { ...command, effect: name };
    }
  }
  return command;
}

/** Parse and check in one go: what LampClient.setState does before sending anything. */
export function validateCommand(
  payload: unknown,
  capabilities: Capabilities,
  model: string,
): LampCommand {
  return checkCommand(parseCommand(payload), capabilities, model);
}
