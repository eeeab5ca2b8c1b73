/**
 * The shapes of emulated device descriptions, apart from the model catalogue (models.ts) so the
 * files that build descriptions (model-parts, models-legacy, models-strips, models-hubs) and the
 * devices that run them depend on these types without importing each other.
 */
import type { HubSpec } from './hub-types';
import type { SmartChildModel } from './smart-children';
import type { SmartSettingValues } from './smart-settings';

export interface SmartModel {
  dialect: 'smart';
  /** A ModelName for ours; any model name for one built elsewhere (e.g. from a device dump). */
  name: string;
  /** Short description for the CLI line. */
  description: string;
  /** The KLAP variant devices of this model use. */
  klap: 1 | 2;
  protocol?: 'klap' | 'aes' | 'tpap' | 'sslaes' | 'legacy';
  components: { id: string; ver_code: number }[];
  info: Record<string, unknown>;
  /** The settings the firmware keeps, by getter (presets, fade, auto-off, LED, auto-update). */
  settings?: SmartSettingValues;
  /** Firmware that answers get_emeter_data (voltage, current), with its mains voltage. */
  emeterData?: { voltageMv: number };
  /**
   * A power strip's outlets, in the order get_child_device_list lists them (which need not be
   * their `position` order: P300 firmware 1.0.13+ lists 3, 2, 1). The parent then answers
   * get_child_device_list, get_child_device_component_list and control_child, and has no power
   * or meter of its own (docs/protocols/outlets.md).
   */
  children?: SmartChildModel[];
  /**
   * Light strips with the `segment` component: what get_device_segment answers (default 50), and
   * the saved segment rule get_segment_effect_rule starts with (default: the info's summary).
   */
  segments?: number;
  segmentRule?: Record<string, unknown>;
  /** Outlets per get_child_device_list page (default 10); tests force small pages with it. */
  childPageSize?: number;
  /**
   * The device_ids in the order get_child_device_component_list lists them, where firmware
   * orders it unlike the child list (KS240); default: the child list's order.
   */
  childComponentOrder?: string[];
  /**
   * Keep the pre-outlet behaviour of a strip parent: it takes set_device_info device_on (and
   * then reports it) and, with energy_monitoring, meters the sum of its outlets. No real strip
   * does the first; it serves clients that drive a strip as one plug (scripts/check-fixtures.mjs
   * until it checks outlets).
   */
  parentAsPlug?: boolean;
  /**
   * A hub's paired devices, alarm and hub-only getters (H100, KH100): the device then answers
   * the child lists, control_child with trigger logs, and the alarm (docs/emulator-hubs.md).
   */
  hub?: HubSpec;
  /**
   * The firmware version reported when the model runs on AES, where only older firmware than
   * `info.fw_ver` speaks AES (hubs: H100 up to 1.5.10, KH100 up to 1.5.6).
   */
  aesFirmware?: string;
}

export interface IotModel {
  dialect: 'iot';
  /** A ModelName for ours; any model name for one built elsewhere (e.g. from a device dump). */
  name: string;
  description: string;
  klap: 1 | 2;
  protocol?: 'klap' | 'aes' | 'tpap' | 'sslaes' | 'legacy';
  sysinfo: Record<string, unknown>;
  /** The energy meter, on devices that have one. */
  emeter?: EmeterProfile;
  /** What smartlife.iot.dimmer.get_dimmer_parameters answers, on dimmers. */
  dimmer?: Record<string, number>;
  /** The answer to a module the device lacks, where it is not -1 "module not support". */
  moduleError?: { err_code: number; err_msg: string };
  /**
   * Methods of modules the firmware knows but cannot serve, answered one level deeper with -1
   * "module not support" (older plugs do this for emeter.get_realtime).
   */
  unsupportedMethods?: Record<string, string[]>;
  /** Further read-only answers, module -> method -> result, served as given (e.g. a dump's). */
  getters?: Record<string, Record<string, Record<string, unknown>>>;
  /**
   * A metering strip's loads: W each outlet draws while on, in sysinfo `children` order (each
   * outlet has its own meter of the `emeter` profile; absent: each draws `emeter.watts`).
   */
  outletWatts?: number[];
}

/**
 * How a meter answers: 'milli' integers (power_mw, voltage_mv, current_ma, total_wh), 'base'
 * floats of first-generation plugs (power W, voltage V, current A, total kWh), 'lamp' bulbs'
 * power_mw and total_wh.
 */
export interface EmeterProfile {
  style: 'milli' | 'base' | 'lamp';
  /** The get_realtime keys this firmware reports, where it reports fewer than its style has. */
  fields?: string[];
  /** Constant keys some firmware adds to get_realtime (slot_id on HS300 hw 2). */
  extra?: Record<string, number>;
  /** Drawn while on (lamps: at full brightness). */
  watts: number;
  volts: number;
}

export type DeviceModel = SmartModel | IotModel;
