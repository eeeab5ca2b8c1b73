/**
 * Built-in effects. SMART bulbs (component `light_effect`) have two rules the device stores,
 * L1 "Party" and L2 "Relax", switched with set_dynamic_light_effect_rule_enable. Strips
 * (component `light_strip_lighting_effect`) get the whole effect object with set_lighting_effect,
 * so we keep our own table of well-known strip effects and their parameters.
 */

/** Bulb rule ids and the names the Tapo app shows for them. */
export const BULB_EFFECTS: ReadonlyArray<{ id: string; name: string }> = [
  { id: 'L1', name: 'Party' },
  { id: 'L2', name: 'Relax' },
];

export interface StripEffect {
  custom: 0;
  id: string;
  name: string;
  enable: 1;
  brightness: number;
  type: 'sequence' | 'random' | 'pulse' | 'static';
  segments: number[];
  expansion_strategy: number;
  display_colors: [number, number, number][];
  sequence?: [number, number, number][];
  duration: number;
  transition: number;
  direction?: number;
  spread?: number;
  repeat_times: number;
}

type Hsv3 = [number, number, number];

function sequenceEffect(
  id: string,
  name: string,
  colors: Hsv3[],
  timing: { transition: number; spread: number; direction: number },
): StripEffect {
  return {
    custom: 0,
    id,
    name,
    enable: 1,
    brightness: 100,
    type: 'sequence',
    segments: [0],
    expansion_strategy: 1,
    display_colors: colors,
    sequence: colors,
    duration: 0,
    transition: timing.transition,
    direction: timing.direction,
    spread: timing.spread,
    repeat_times: 0,
  };
}

/**
 * A few well-known strip effects (names as in the Tapo app). Aurora's id is the built-in id seen
 * in device dumps; the others use ids of the same shape; the parameters are our own choice.
 */
export const STRIP_EFFECTS: ReadonlyArray<StripEffect> = [
  sequenceEffect(
    'TapoStrip_1MClvV18i15Jq3bvJVf0eP',
    'Aurora',
    [
      [120, 100, 100],
      [240, 100, 100],
      [260, 100, 100],
      [280, 100, 100],
    ],
    { transition: 1500, spread: 7, direction: 4 },
  ),
  sequenceEffect(
    'TapoStrip_OceanLightStripEffect0',
    'Ocean',
    [
      [198, 84, 100],
      [200, 70, 100],
      [186, 100, 100],
    ],
    { transition: 2000, spread: 16, direction: 3 },
  ),
  sequenceEffect(
    'TapoStrip_RainbowLightStripEff01',
    'Rainbow',
    [
      [0, 100, 100],
      [100, 100, 100],
      [200, 100, 100],
      [300, 100, 100],
    ],
    { transition: 1500, spread: 12, direction: 1 },
  ),
  sequenceEffect(
    'TapoStrip_SunsetLightStripEffe01',
    'Sunset',
    [
      [30, 90, 100],
      [20, 95, 100],
      [10, 100, 100],
      [0, 100, 90],
    ],
    { transition: 3000, spread: 8, direction: 1 },
  ),
  sequenceEffect(
    'TapoStrip_ChristmasLightStripE01',
    'Christmas',
    [
      [0, 100, 100],
      [120, 100, 100],
      [0, 0, 100],
    ],
    { transition: 1000, spread: 3, direction: 1 },
  ),
];

/** Case-insensitive lookup of an effect name within a list; returns the canonical spelling. */
export function matchEffectName(names: readonly string[], wanted: string): string | undefined {
  const key = wanted.trim().toLowerCase();
  return names.find((n) => n.toLowerCase() === key);
}

export function findStripEffect(name: string): StripEffect | undefined {
  const key = name.toLowerCase();
  return STRIP_EFFECTS.find((e) => e.name.toLowerCase() === key);
}
