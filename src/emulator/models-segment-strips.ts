/**
 * Light strips that paint segments (docs/protocols/segments.md): the Tapo L920 (RGBIC, white
 * fixed at 9000 K) and L930 (RGBWIC, white tunable 2500–6500 K), each a 5 m strip of 50
 * segments. Component lists, versions and settings follow public device dumps (L920-5 firmware
 * 1.1.3 and L930-5 firmware 1.2.5, both with `segment` v1 and `segment_effect` v1); ids, MACs
 * and names are our own.
 */
import { c, commonInfo, idleStripEffect, smartModel } from './model-parts';
import type { SmartModel } from './model-types';

export type SegmentStripModelName = 'L920' | 'L930';

export const SEGMENT_STRIP_MODEL_NAMES: readonly SegmentStripModelName[] = ['L920', 'L930'];

/** What get_device_segment answers on every L920-5 and L930-5 dump. */
const SEGMENTS = 50;

/** The components both strips list. */
const SEGMENT_STRIP_COMPONENTS = [
  c('light_strip', 1),
  c('light_strip_lighting_effect', 2),
  c('brightness', 1),
  c('color_temperature', 1),
  c('preset', 3),
  c('color', 1),
  c('on_off_gradually', 1),
  c('music_rhythm', 3),
  c('bulb_quick_control', 1),
  c('localSmart', 1),
  c('segment', 1),
  c('segment_effect', 1),
];

/** get_device_info.segment_effect before any rule ran: nothing saved. */
const NO_RULE = { brightness: 0, custom: 0, display_colors: [], enable: 0, id: '', name: '' };

/** A strip's colour presets: its white first, then six colours (as on the L930 dump). */
function presets(white: number) {
  const colour = (hue: number, saturation = 100) => ({
    brightness: 100,
    color_temp: 0,
    hue,
    saturation,
  });
  const states = [
    { brightness: 50, color_temp: white, hue: 0, saturation: 100 },
    ...[240, 0, 120].map((hue) => colour(hue)),
    colour(277, 86),
    ...[60, 300].map((hue) => colour(hue)),
  ];
  return { start_index: 0, states, sum: states.length };
}

function segmentStrip(
  name: SegmentStripModelName,
  description: string,
  extra: SmartModel['components'],
  fields: { alias: string; mac: number; fw: string; range: [number, number] },
): SmartModel {
  const model = smartModel(
    name,
    description,
    [...SEGMENT_STRIP_COMPONENTS, ...extra],
    {
      ...commonInfo(name, 'SMART.TAPOBULB', fields.alias, fields.mac),
      fw_ver: fields.fw,
      hw_ver: '1.0',
      avatar: 'light_strip',
      brightness: 100,
      hue: 30,
      saturation: 100,
      color_temp: 0,
      color_temp_range: fields.range,
      lighting_effect: idleStripEffect(),
      segment_effect: { ...NO_RULE },
      music_rhythm_enable: false,
      music_rhythm_mode: 'single_lamp',
      default_states: {
        type: 'last_states',
        state: { brightness: 100, color_temp: 0, hue: 30, saturation: 100 },
      },
    },
    {
      get_preset_rules: presets(fields.range[0] === fields.range[1] ? fields.range[0] : 4500),
      get_on_off_gradually_info: { enable: false },
      get_auto_update_info: { enable: true, random_range: 120, time: 180 },
    },
  );
  return { ...model, segments: SEGMENTS };
}

const L920 = () =>
  segmentStrip('L920', 'segment light strip', [], {
    alias: 'Shelf strip',
    mac: 0x92,
    fw: '1.1.3 Build 231229 Rel.164316',
    range: [9000, 9000],
  });

const L930 = () =>
  segmentStrip('L930', 'segment light strip, tunable white', [], {
    alias: 'Desk strip',
    mac: 0x93,
    fw: '1.2.5 Build 240727 Rel.102843',
    range: [2500, 6500],
  });

export const SEGMENT_STRIP_FACTORIES: Record<SegmentStripModelName, () => SmartModel> = {
  L920,
  L930,
};
