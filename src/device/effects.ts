/**
 * Built-in effects. SMART bulbs (component `light_effect`) have two rules the device stores,
 * L1 "Party" and L2 "Relax", switched with set_dynamic_light_effect_rule_enable. Strips
 * (component `light_strip_lighting_effect`) get the whole effect object with set_lighting_effect,
 * so we keep a table of the strips' built-in effects (docs/protocols/dialects.md §7).
 */

/** Bulb rule ids and the names the Tapo app shows for them. */
export const BULB_EFFECTS: ReadonlyArray<{ id: string; name: string }> = [
  { id: 'L1', name: 'Party' },
  { id: 'L2', name: 'Relax' },
];

/** [hue 0–360, saturation 0–100, brightness 0–100], the strips' colour triple. */
export type EffectHsv = [number, number, number];
/** [min, max] of a value the device picks at random. */
export type EffectRange = [number, number];

/** Fields every strip effect has, whatever its type. */
interface EffectCommon {
  id: string;
  name: string;
  /** Which segments run the effect, and how the pattern stretches over the strip. */
  segments: number[];
  expansion_strategy: number;
  /** The colours the Tapo app shows for the effect. */
  display_colors: EffectHsv[];
  /** Milliseconds per step and per fade. */
  duration: number;
  transition: number;
}

/** A pattern of colours moving along the strip. */
export interface SequenceEffect extends EffectCommon {
  type: 'sequence';
  sequence: EffectHsv[];
  direction: number;
  spread: number;
  repeat_times: number;
}

/** A pattern played over the whole strip `repeat_times` times (sunrise, sunset). */
export interface PulseEffect extends EffectCommon {
  type: 'pulse';
  sequence: EffectHsv[];
  trans_sequence: EffectHsv[];
  direction: number;
  spread: number;
  repeat_times: number;
  run_time: number;
}

/** Segments that light up at random within colour ranges, over a background. */
export interface RandomEffect extends EffectCommon {
  type: 'random';
  hue_range: EffectRange;
  saturation_range: EffectRange;
  brightness_range: EffectRange;
  init_states: EffectHsv[];
  transition_range?: EffectRange;
  fadeoff?: number;
  random_seed?: number;
  backgrounds?: EffectHsv[];
}

export type StripEffectDefinition = SequenceEffect | PulseEffect | RandomEffect;

/** The params of set_lighting_effect for a built-in effect. */
export type StripEffect = StripEffectDefinition & {
  custom: 0;
  enable: 0 | 1;
  brightness: number;
};

const AURORA_COLORS: EffectHsv[] = [
  [120, 100, 100],
  [240, 100, 100],
  [260, 100, 100],
  [280, 100, 100],
];

const RAINBOW_COLORS: EffectHsv[] = [
  [0, 100, 100],
  [100, 100, 100],
  [200, 100, 100],
  [300, 100, 100],
];

const WHITE: EffectHsv = [0, 0, 100];
const CANE_RED: EffectHsv = [360, 81, 100];

/**
 * The 17 effects built into Tapo strips, with the ids and parameters the firmware knows them
 * by, as recorded in python-kasa's device data. Alphabetical.
 */
const BUILT_IN: ReadonlyArray<StripEffectDefinition> = [
  {
    id: 'TapoStrip_1MClvV18i15Jq3bvJVf0eP',
    name: 'Aurora',
    type: 'sequence',
    segments: [0],
    expansion_strategy: 1,
    display_colors: AURORA_COLORS,
    sequence: AURORA_COLORS,
    duration: 0,
    transition: 1500,
    direction: 4,
    spread: 7,
    repeat_times: 0,
  },
  {
    id: 'TapoStrip_6DlumDwO2NdfHppy50vJtu',
    name: 'Bubbling Cauldron',
    type: 'random',
    segments: [0],
    expansion_strategy: 1,
    display_colors: [
      [100, 100, 100],
      [270, 100, 100],
    ],
    duration: 0,
    transition: 200,
    hue_range: [100, 270],
    saturation_range: [80, 100],
    brightness_range: [50, 100],
    init_states: [[270, 100, 100]],
    fadeoff: 1000,
    random_seed: 24,
    backgrounds: [[270, 40, 50]],
  },
  {
    id: 'TapoStrip_6Dy0Nc45vlhFPEzG021Pe9',
    name: 'Candy Cane',
    type: 'sequence',
    segments: [0],
    expansion_strategy: 1,
    display_colors: [WHITE, [0, 81, 100]],
    // White, white, red, white, white, red, red, white, white, then four red, white, white, red.
    sequence: [
      WHITE,
      WHITE,
      CANE_RED,
      WHITE,
      WHITE,
      CANE_RED,
      CANE_RED,
      WHITE,
      WHITE,
      CANE_RED,
      CANE_RED,
      CANE_RED,
      CANE_RED,
      WHITE,
      WHITE,
      CANE_RED,
    ],
    duration: 700,
    transition: 500,
    direction: 1,
    spread: 1,
    repeat_times: 0,
  },
  {
    id: 'TapoStrip_5zkiG6avJ1IbhjiZbRlWvh',
    name: 'Christmas',
    type: 'random',
    segments: [0],
    expansion_strategy: 1,
    display_colors: [
      [136, 98, 100],
      [350, 97, 100],
    ],
    duration: 5000,
    transition: 0,
    hue_range: [136, 146],
    saturation_range: [90, 100],
    brightness_range: [50, 100],
    init_states: [[136, 0, 100]],
    fadeoff: 2000,
    random_seed: 100,
    backgrounds: [
      [136, 98, 75],
      [136, 0, 0],
      [350, 0, 100],
      [350, 97, 94],
    ],
  },
  {
    id: 'TapoStrip_4HVKmMc6vEzjm36jXaGwMs',
    name: 'Flicker',
    type: 'random',
    segments: [1],
    expansion_strategy: 1,
    display_colors: [
      [30, 81, 100],
      [40, 100, 100],
    ],
    duration: 0,
    transition: 0,
    transition_range: [375, 500],
    hue_range: [30, 40],
    saturation_range: [100, 100],
    brightness_range: [50, 100],
    init_states: [[30, 81, 80]],
  },
  {
    id: 'TapoStrip_3Gk6CmXOXbjCiwz9iD543C',
    name: "Grandma's Christmas Lights",
    type: 'sequence',
    segments: [0],
    expansion_strategy: 1,
    display_colors: [
      [30, 100, 100],
      [240, 100, 100],
      [130, 100, 100],
      [0, 100, 100],
    ],
    // Orange, blue, white, green and red bulbs, each followed by two dark ones.
    sequence: [
      [30, 100, 100],
      [30, 0, 0],
      [30, 0, 0],
      [240, 100, 100],
      [240, 0, 0],
      [240, 0, 0],
      [240, 0, 100],
      [240, 0, 0],
      [240, 0, 0],
      [130, 100, 100],
      [130, 0, 0],
      [130, 0, 0],
      [0, 100, 100],
      [0, 0, 0],
      [0, 0, 0],
    ],
    duration: 5000,
    transition: 100,
    direction: 1,
    spread: 1,
    repeat_times: 0,
  },
  {
    id: 'TapoStrip_2YTk4wramLKv5XZ9KFDVYm',
    name: 'Hanukkah',
    type: 'random',
    segments: [1],
    expansion_strategy: 1,
    display_colors: [[200, 100, 100]],
    duration: 1500,
    transition: 0,
    transition_range: [400, 500],
    hue_range: [200, 210],
    saturation_range: [0, 100],
    brightness_range: [50, 100],
    init_states: [[35, 81, 80]],
  },
  {
    id: 'TapoStrip_4rJ6JwC7I9st3tQ8j4lwlI',
    name: 'Haunted Mansion',
    type: 'random',
    segments: [80],
    expansion_strategy: 2,
    display_colors: [[44, 9, 100]],
    duration: 0,
    transition: 0,
    transition_range: [50, 1500],
    hue_range: [45, 45],
    saturation_range: [10, 10],
    brightness_range: [0, 80],
    init_states: [[45, 10, 100]],
    fadeoff: 200,
    random_seed: 1,
    backgrounds: [[45, 10, 100]],
  },
  {
    id: 'TapoStrip_7UcYLeJbiaxVIXCxr21tpx',
    name: 'Icicle',
    type: 'sequence',
    segments: [0],
    expansion_strategy: 1,
    display_colors: [[190, 100, 100]],
    sequence: [
      [190, 100, 70],
      [190, 100, 70],
      [190, 30, 50],
      [190, 100, 70],
      [190, 100, 70],
    ],
    duration: 0,
    transition: 400,
    direction: 4,
    spread: 3,
    repeat_times: 0,
  },
  {
    id: 'TapoStrip_7OGzfSfnOdhoO2ri4gOHWn',
    name: 'Lightning',
    type: 'random',
    segments: [7],
    expansion_strategy: 1,
    display_colors: [
      [210, 9, 100],
      [200, 50, 100],
      [200, 100, 100],
    ],
    duration: 0,
    transition: 50,
    hue_range: [240, 240],
    saturation_range: [10, 11],
    brightness_range: [90, 100],
    init_states: [[240, 30, 100]],
    fadeoff: 150,
    random_seed: 50,
    backgrounds: [
      [200, 100, 100],
      [200, 50, 10],
      [210, 10, 50],
      [240, 10, 0],
    ],
  },
  {
    id: 'TapoStrip_0fOleCdwSgR0nfjkReeYfw',
    name: 'Ocean',
    type: 'sequence',
    segments: [0],
    expansion_strategy: 1,
    display_colors: [[198, 84, 100]],
    sequence: [
      [198, 84, 30],
      [198, 70, 30],
      [198, 10, 30],
    ],
    duration: 0,
    transition: 2000,
    direction: 3,
    spread: 16,
    repeat_times: 0,
  },
  {
    id: 'TapoStrip_7CC5y4lsL8pETYvmz7UOpQ',
    name: 'Rainbow',
    type: 'sequence',
    segments: [0],
    expansion_strategy: 1,
    display_colors: RAINBOW_COLORS,
    sequence: RAINBOW_COLORS,
    duration: 0,
    transition: 1500,
    direction: 1,
    spread: 12,
    repeat_times: 0,
  },
  {
    id: 'TapoStrip_1t2nWlTBkV8KXBZ0TWvBjs',
    name: 'Raindrop',
    type: 'random',
    segments: [0],
    expansion_strategy: 1,
    display_colors: [
      [200, 9, 100],
      [200, 19, 100],
    ],
    duration: 0,
    transition: 1000,
    hue_range: [200, 200],
    saturation_range: [10, 20],
    brightness_range: [10, 30],
    init_states: [[200, 40, 100]],
    fadeoff: 1000,
    random_seed: 24,
    backgrounds: [[200, 40, 0]],
  },
  {
    id: 'TapoStrip_1nL6GqZ5soOxj71YDJOlZL',
    name: 'Spring',
    type: 'random',
    segments: [0],
    expansion_strategy: 1,
    display_colors: [
      [0, 30, 100],
      [130, 100, 100],
    ],
    duration: 600,
    transition: 0,
    transition_range: [2000, 6000],
    hue_range: [0, 90],
    saturation_range: [30, 100],
    brightness_range: [90, 100],
    init_states: [[80, 30, 100]],
    fadeoff: 1000,
    random_seed: 20,
    backgrounds: [[130, 100, 40]],
  },
  {
    id: 'TapoStrip_1OVSyXIsDxrt4j7OxyRvqi',
    name: 'Sunrise',
    type: 'pulse',
    segments: [0],
    expansion_strategy: 2,
    display_colors: [
      [0, 0, 100],
      [30, 95, 100],
      [0, 100, 100],
    ],
    // Deep red at 5 % brightening through orange to white.
    sequence: [
      [0, 100, 5],
      [0, 100, 5],
      [10, 100, 6],
      [15, 100, 7],
      [20, 100, 8],
      [20, 100, 10],
      [30, 100, 12],
      [30, 95, 15],
      [30, 90, 20],
      [30, 80, 25],
      [30, 75, 30],
      [30, 70, 40],
      [30, 60, 50],
      [30, 50, 60],
      [30, 20, 70],
      [30, 0, 100],
    ],
    trans_sequence: [],
    duration: 600,
    transition: 60000,
    direction: 1,
    spread: 1,
    repeat_times: 1,
    run_time: 0,
  },
  {
    id: 'TapoStrip_5NiN0Y8GAUD78p4neKk9EL',
    name: 'Sunset',
    type: 'pulse',
    segments: [0],
    expansion_strategy: 2,
    display_colors: [
      [0, 100, 100],
      [30, 95, 100],
      [0, 0, 100],
    ],
    // White fading through orange to deep red, then dark.
    sequence: [
      [30, 0, 100],
      [30, 20, 100],
      [30, 50, 99],
      [30, 60, 98],
      [30, 70, 97],
      [30, 75, 95],
      [30, 80, 93],
      [30, 90, 90],
      [30, 95, 85],
      [30, 100, 80],
      [20, 100, 70],
      [20, 100, 60],
      [15, 100, 50],
      [10, 100, 40],
      [0, 100, 30],
      [0, 100, 0],
    ],
    trans_sequence: [],
    duration: 600,
    transition: 60000,
    direction: 1,
    spread: 1,
    repeat_times: 1,
    run_time: 0,
  },
  {
    id: 'TapoStrip_2q1Vio9sSjHmaC7JS9d30l',
    name: 'Valentines',
    type: 'random',
    segments: [0],
    expansion_strategy: 1,
    display_colors: [
      [339, 19, 100],
      [19, 50, 100],
      [0, 100, 100],
      [339, 40, 100],
    ],
    duration: 600,
    transition: 2000,
    hue_range: [340, 340],
    saturation_range: [30, 40],
    brightness_range: [90, 100],
    init_states: [[340, 30, 100]],
    fadeoff: 3000,
    random_seed: 100,
    backgrounds: [
      [340, 20, 50],
      [20, 50, 50],
      [0, 100, 50],
    ],
  },
];

/** The strips' built-in effects as set_lighting_effect params, at full brightness. */
export const STRIP_EFFECTS: ReadonlyArray<StripEffect> = BUILT_IN.map((effect) => ({
  ...effect,
  custom: 0,
  enable: 1,
  brightness: 100,
}));

/** Case-insensitive lookup of an effect name within a list; returns the canonical spelling. */
export function matchEffectName(names: readonly string[], wanted: string): string | undefined {
  const key = wanted.trim().toLowerCase();
  return names.find((n) => n.toLowerCase() === key);
}

export function findStripEffect(name: string): StripEffect | undefined {
  const canonical = matchEffectName(
    STRIP_EFFECTS.map((e) => e.name),
    name,
  );
  return STRIP_EFFECTS.find((e) => e.name === canonical);
}
