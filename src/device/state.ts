/**
 * Normalizes what devices report (SMART get_device_info, IOT get_sysinfo) into the LampState of
 * docs/architecture.md §3. Only keys the device actually has are included, so flows can test for presence.
 */

import { iotPresetEntries } from './capabilities';
import { hueSaturationToHex, kelvinToHex } from './color';
import { BULB_EFFECTS } from './effects';
import { normalisePreset } from './features/presets';
import type { Capabilities, LampState, Preset } from './types';

/** "L530E(EU)" / "HS100(UK)" -> "L530E" / "HS100": the region suffix is not part of the model. */
export function modelWithoutRegion(model: unknown): string {
  return String(model ?? '')
    .replace(/\(.*\)\s*$/, '')
    .trim();
}

/** SMART nicknames are base64 UTF-8; anything that does not decode cleanly is shown as sent. */
export function decodeNickname(nickname: unknown): string {
  if (typeof nickname !== 'string') return '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(nickname) || nickname.length % 4 !== 0) return nickname;
  const decoded = Buffer.from(nickname, 'base64').toString('utf8');
  return decoded.includes('\uFFFD') ? nickname : decoded;
}

export function encodeNickname(alias: string): string {
  return Buffer.from(alias, 'utf8').toString('base64');
}

/** "1.1.6 Build 240130 Rel.173828" -> "1.1.6". */
export function firmwareVersion(version: unknown): string | undefined {
  if (typeof version !== 'string' || version.trim() === '') return undefined;
  return version.trim().split(/\s+/)[0];
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The shown colour: in colour mode hue/saturation at the current brightness, in white mode the
 * approximate colour of that white. Including brightness makes "#rrggbb" round-trip: a colour
 * sent in is read back the same (within rounding).
 */
function shownColor(
  hue: number,
  saturation: number,
  colorTemp: number,
  brightness: number,
): string {
  return colorTemp > 0
    ? kelvinToHex(colorTemp, brightness)
    : hueSaturationToHex(hue, saturation, brightness);
}

/**
 * Adds brightness, hue, saturation, colorTemp and color where the device has them, from fields
 * both dialects name alike. `shownWhite` picks the white the shown colour is drawn from (0 =
 * colour mode) given the reported color_temp.
 */
function addLight(
  state: LampState,
  light: Record<string, unknown>,
  capabilities: Capabilities,
  shownWhite: (colorTemp: number) => number,
): void {
  const brightness = num(light.brightness);
  if (capabilities.brightness && brightness !== undefined) state.brightness = brightness;
  const hue = num(light.hue) ?? 0;
  const saturation = num(light.saturation) ?? 0;
  const colorTemp = num(light.color_temp) ?? 0;
  if (capabilities.color) {
    state.hue = hue;
    state.saturation = saturation;
  }
  if (capabilities.colorTemp) state.colorTemp = colorTemp;
  if (capabilities.color) {
    state.color = shownColor(hue, saturation, shownWhite(colorTemp), brightness ?? 100);
  }
}

function effectName(info: Record<string, unknown>, capabilities: Capabilities): string | undefined {
  if (!capabilities.effects) return undefined;
  if (capabilities.kind === 'strip') {
    const effect = info.lighting_effect as { enable?: unknown; name?: unknown } | undefined;
    const enabled = effect?.enable === 1 || effect?.enable === true;
    return enabled && typeof effect?.name === 'string' ? effect.name : 'off';
  }
  if (info.dynamic_light_effect_enable !== true) return 'off';
  const id = info.dynamic_light_effect_id;
  return BULB_EFFECTS.find((e) => e.id === id)?.name ?? String(id ?? 'on');
}

export interface SmartEnergy {
  /** get_energy_usage result: current_power in mW, today_energy and month_energy in Wh. */
  current_power?: unknown;
  today_energy?: unknown;
  month_energy?: unknown;
}

/** get_emeter_data result (energy_monitoring v2, some firmware): mW, mV, mA. */
export interface SmartEmeter {
  power_mw?: unknown;
  voltage_mv?: unknown;
  current_ma?: unknown;
}

/**
 * Whether two meter replies say the same to smartState: it reads nothing else of them (an
 * energy reply also carries the device's clock, which changes every second).
 */
export function sameMeterReadings(
  a: { energy?: SmartEnergy; emeter?: SmartEmeter },
  b: { energy?: SmartEnergy; emeter?: SmartEmeter },
): boolean {
  return (
    a.energy?.current_power === b.energy?.current_power &&
    a.energy?.today_energy === b.energy?.today_energy &&
    a.energy?.month_energy === b.energy?.month_energy &&
    a.emeter?.power_mw === b.emeter?.power_mw &&
    a.emeter?.voltage_mv === b.emeter?.voltage_mv &&
    a.emeter?.current_ma === b.emeter?.current_ma
  );
}

/** The settings a driver keeps (read less often than the light), added to the state as they are. */
export type DeviceSettings = Partial<
  Pick<LampState, 'presets' | 'autoOff' | 'led' | 'fade' | 'autoUpdate'>
>;

/** Milli-units (mW, mV, mA) to base units, kept to the device's resolution. */
function fromMilli(value: unknown): number | undefined {
  const milli = num(value);
  return milli === undefined ? undefined : Math.round(milli) / 1000;
}

/** Voltage and current where a meter measures them; a reported 0 V means "not measured". */
function addElectrical(state: LampState, volts: number | undefined, amps: number | undefined) {
  if (volts === undefined || volts <= 0) return;
  state.voltage = volts;
  if (amps !== undefined) state.current = amps;
}

/** A deep copy of plain state data (numbers, strings, booleans, objects and arrays of them). */
function copyValue<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyValue) as T;
  const copy: Record<string, unknown> = {};
  // for…in, not Object.keys: every state handed out is copied so, and builds no key arrays.
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    copy[key] = typeof item === 'object' && item !== null ? copyValue(item) : item;
  }
  return copy as T;
}

/**
 * A copy of a state that shares nothing with it, without structuredClone's cost: a state is
 * plain data (docs/architecture.md §3).
 */
export function cloneState(state: LampState): LampState {
  return copyValue(state);
}

function addSettings(state: LampState, settings: DeviceSettings | undefined): void {
  if (!settings) return;
  for (const [key, value] of Object.entries(settings)) {
    if (value !== undefined) (state as unknown as Record<string, unknown>)[key] = copyValue(value);
  }
}

export function smartState(
  info: Record<string, unknown>,
  capabilities: Capabilities,
  energy?: SmartEnergy,
  extras: { emeter?: SmartEmeter; settings?: DeviceSettings } = {},
): LampState {
  const state: LampState = {
    on: info.device_on === true,
    online: true,
    model: modelWithoutRegion(info.model),
    alias: decodeNickname(info.nickname),
    type: capabilities.kind,
  };
  const firmware = firmwareVersion(info.fw_ver);
  if (firmware) state.firmware = firmware;
  // Strips report their fixed 9000 K while white, which is not a white we can draw; show the
  // hue/saturation instead when white cannot be tuned.
  addLight(state, info, capabilities, (colorTemp) => (capabilities.colorTemp ? colorTemp : 0));
  const effect = effectName(info, capabilities);
  if (effect !== undefined) state.effect = effect;
  if (capabilities.energy && (energy || extras.emeter)) {
    // get_energy_usage's power first (every metering firmware has it), the emeter's otherwise.
    const power = fromMilli(energy?.current_power) ?? fromMilli(extras.emeter?.power_mw);
    if (power !== undefined) state.power = power;
    const today = num(energy?.today_energy);
    if (today !== undefined) state.energyToday = today;
    const month = num(energy?.month_energy);
    if (month !== undefined) state.energyMonth = month;
    addElectrical(
      state,
      fromMilli(extras.emeter?.voltage_mv),
      fromMilli(extras.emeter?.current_ma),
    );
  }
  const rssi = num(info.rssi);
  if (rssi !== undefined) state.rssi = rssi;
  addSettings(state, extras.settings);
  return state;
}

/** IOT bulbs keep their light state under light_state, or its dft_on_state while off. */
function iotLightState(sysinfo: Record<string, unknown>): Record<string, unknown> {
  const light = (sysinfo.light_state ?? {}) as Record<string, unknown>;
  if (light.on_off === 0 && typeof light.dft_on_state === 'object' && light.dft_on_state) {
    return { ...(light.dft_on_state as Record<string, unknown>), on_off: 0 };
  }
  return light;
}

/** The get_realtime, get_daystat and get_monthstat answers of an IOT meter, where it has one. */
export interface IotEnergy {
  realtime?: Record<string, unknown>;
  daystat?: Record<string, unknown>;
  monthstat?: Record<string, unknown>;
  /** The local date the day list is searched for. */
  today: Date;
}

/** Watts from either unit style: power_mw (newer meters, lamps) or power in W (first plugs). */
export function iotPower(realtime: Record<string, unknown> | undefined): number | undefined {
  const milliwatts = num(realtime?.power_mw);
  if (milliwatts !== undefined) return Math.round(milliwatts) / 1000;
  const watts = num(realtime?.power);
  return watts === undefined ? undefined : Math.round(watts * 1000) / 1000;
}

/** Wh of a day or month entry: energy_wh, or energy in kWh on first-generation meters. */
export function iotEntryWh(entry: Record<string, unknown>): number | undefined {
  const wh = num(entry.energy_wh);
  if (wh !== undefined) return wh;
  const kwh = num(entry.energy);
  return kwh === undefined ? undefined : Math.round(kwh * 1_000_000) / 1000;
}

/**
 * One period's Wh from a day or month list. The list only has periods with data and is not
 * always in date order, so the whole of it is searched; a period missing from it had no energy
 * yet.
 */
function iotPeriodWh(
  stat: Record<string, unknown> | undefined,
  listKey: 'day_list' | 'month_list',
  matches: (entry: Record<string, unknown>) => boolean,
): number | undefined {
  const list = stat?.[listKey];
  if (!Array.isArray(list)) return undefined;
  const entry = list.find((e) => typeof e === 'object' && e !== null && matches(e));
  return entry ? iotEntryWh(entry) : 0;
}

/** Today's Wh from a meter's day list (0 when today is not listed yet). */
export function iotEnergyToday(energy: IotEnergy): number | undefined {
  const { today } = energy;
  return iotPeriodWh(
    energy.daystat,
    'day_list',
    (e) =>
      e.year === today.getFullYear() &&
      e.month === today.getMonth() + 1 &&
      e.day === today.getDate(),
  );
}

/** This month's Wh from a meter's month list (0 when the month is not listed yet). */
export function iotEnergyMonth(energy: IotEnergy): number | undefined {
  const { today } = energy;
  return iotPeriodWh(
    energy.monthstat,
    'month_list',
    (e) => e.year === today.getFullYear() && e.month === today.getMonth() + 1,
  );
}

/** Volts and amperes from either unit style; lamps report 0 V, which means "not measured". */
function iotElectrical(realtime: Record<string, unknown> | undefined) {
  const volts = fromMilli(realtime?.voltage_mv) ?? num(realtime?.voltage);
  const amps = fromMilli(realtime?.current_ma) ?? num(realtime?.current);
  return { volts, amps: amps === undefined ? undefined : Math.round(amps * 1000) / 1000 };
}

function addIotEnergy(state: LampState, capabilities: Capabilities, energy?: IotEnergy): void {
  if (!capabilities.energy || !energy) return;
  const power = iotPower(energy.realtime);
  if (power !== undefined) state.power = power;
  const todayWh = iotEnergyToday(energy);
  if (todayWh !== undefined) state.energyToday = todayWh;
  const monthWh = iotEnergyMonth(energy);
  if (monthWh !== undefined) state.energyMonth = monthWh;
  const { volts, amps } = iotElectrical(energy.realtime);
  addElectrical(state, volts, amps);
}

/** Kasa presets from sysinfo.preferred_state, where the device has them. */
function addIotCommon(
  state: LampState,
  sysinfo: Record<string, unknown>,
  capabilities: Capabilities,
  settings: DeviceSettings | undefined,
): void {
  if (capabilities.presets) {
    state.presets = iotPresetEntries(sysinfo)
      .map((entry) => normalisePreset(entry, capabilities))
      .filter((preset): preset is Preset => preset !== undefined);
  }
  if (capabilities.led) state.led = sysinfo.led_off !== 1;
  const rssi = num(sysinfo.rssi);
  if (rssi !== undefined) state.rssi = rssi;
  addSettings(state, settings);
}

/** A light strip's effect: its name while enabled, else "off". */
function iotEffect(sysinfo: Record<string, unknown>): { name: string; brightness?: number } {
  const effect = (sysinfo.lighting_effect_state ?? {}) as Record<string, unknown>;
  if (!(effect.enable === 1 || effect.enable === true) || typeof effect.name !== 'string') {
    return { name: 'off' };
  }
  return { name: effect.name, brightness: num(effect.brightness) };
}

export function iotState(
  sysinfo: Record<string, unknown>,
  capabilities: Capabilities,
  energy?: IotEnergy,
  settings?: DeviceSettings,
): LampState {
  const base = {
    online: true,
    model: modelWithoutRegion(sysinfo.model),
    alias: typeof sysinfo.alias === 'string' ? sysinfo.alias : '',
    type: capabilities.kind,
  };
  const firmware = firmwareVersion(sysinfo.sw_ver);
  if (capabilities.kind === 'plug') {
    // A strip of outlets has no relay of its own: it is on while any outlet is.
    const on = Array.isArray(sysinfo.children)
      ? sysinfo.children.some((child) => child?.state === 1)
      : sysinfo.relay_state === 1;
    const state: LampState = { on, ...base };
    if (firmware) state.firmware = firmware;
    // Dimmers keep their brightness next to the relay.
    const brightness = num(sysinfo.brightness);
    if (capabilities.brightness && brightness !== undefined) state.brightness = brightness;
    addIotEnergy(state, capabilities, energy);
    addIotCommon(state, sysinfo, capabilities, settings);
    return state;
  }
  const light = iotLightState(sysinfo);
  const state: LampState = { on: light.on_off === 1, ...base };
  if (firmware) state.firmware = firmware;
  addLight(state, light, capabilities, (colorTemp) => colorTemp);
  if (capabilities.effects) {
    const effect = iotEffect(sysinfo);
    state.effect = effect.name;
    // While an effect runs, the strip shows the effect's brightness.
    if (effect.brightness !== undefined && capabilities.brightness) {
      state.brightness = effect.brightness;
    }
  }
  addIotEnergy(state, capabilities, energy);
  addIotCommon(state, sysinfo, capabilities, settings);
  return state;
}
