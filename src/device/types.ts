/**
 * The normalized view of a lamp or plug that both dialects (SMART for Tapo, IOT for Kasa) are
 * mapped onto. These shapes are the product contract (docs/architecture.md §3): flows depend on the keys.
 */

/** The state object emitted by lamp-control / lamp-status and returned by getState(). */
export interface LampState {
  on: boolean;
  online: boolean;
  /** Model without region, e.g. "L530". */
  model: string;
  /** The device's own name, decoded (SMART nicknames are base64 on the wire). */
  alias: string;
  /** "bulb" | "strip" | "plug" */
  type: DeviceKind;
  firmware?: string;
  /** 1–100, where the device dims. */
  brightness?: number;
  /** 0–360, where the device has colour. */
  hue?: number;
  /** 0–100, where the device has colour. */
  saturation?: number;
  /** Kelvin, where the device tunes white; 0 while it shows a colour. */
  colorTemp?: number;
  /** "#rrggbb", where the device has colour. */
  color?: string;
  /** Name of the running effect, or "off"; present where the device has effects. */
  effect?: string;
  /** Watts, energy plugs only. */
  power?: number;
  /** Watt-hours today, energy plugs only. */
  energyToday?: number;
  /** Multi-outlet devices: every outlet, by its number on the housing. */
  outlets?: Outlet[];
  /** An outlet's state: its number on the device. */
  outlet?: number;
  /** An outlet's state: the name of the device it belongs to. */
  parent?: string;
  /** An outlet's state: the device's id for it. */
  id?: string;
  /** Watt-hours this calendar month, where the meter keeps months. */
  energyMonth?: number;
  /** Volts from the meter, where it measures them (never a lamp's reported 0). */
  voltage?: number;
  /** Amperes from the meter, where it measures them. */
  current?: number;
  /** The device's light presets in its own order; `{ preset: n }` applies the n-th (1-based). */
  presets?: Preset[];
  /** The device switching itself off a while after it was switched on. */
  autoOff?: AutoOff;
  /** Whether the status LED is on (its rule is not "never"). */
  led?: boolean;
  /** The device's own gradual on/off, in ms per direction; 0 = that direction is off. */
  fade?: Fade;
  /** Whether the device installs firmware updates by itself. */
  autoUpdate?: boolean;
  /** Wi-Fi signal in dBm. */
  rssi?: number;
  /** Light strips that paint segments (`{ segments }`): how many the strip has. */
  segments?: number;
  /** A hub: every device paired to it, each with its own state (docs/protocols/hubs.md §2). */
  children?: HubChild[];
  /** A hub: its siren is sounding. */
  alarm?: boolean;
  /** A hub: the names of the sounds its siren offers (`{ alarm: { sound } }`). */
  alarmSounds?: string[];
}

/** What a device paired to a hub is, from its category (and, for buttons, its model). */
export type ChildKind =
  | 'switch'
  | 'button'
  | 'dial'
  | 'motion'
  | 'contact'
  | 'leak'
  | 'climate'
  | 'thermostat'
  | 'camera'
  | 'other';

/**
 * A device paired to a hub, as one read of the hub's child list reports it. The hub's state
 * lists these under `children`; a child's own state (childState) is this plus `parent`.
 */
export interface HubChild {
  id: string;
  alias: string;
  /** Model without region, e.g. "S200B". */
  model: string;
  kind: ChildKind;
  /** The hub reports the child online. */
  online: boolean;
  /** Its battery is running low (sensors, buttons, valves; is_low on wall switches). */
  batteryLow?: boolean;
  /** Battery level in %, where the child reports one. */
  battery?: number;
  /** Radio signal in dBm, as the hub hears it. */
  rssi?: number;
  /** Switch: its load is on. Thermostat: heating is on (false = frost protection only). */
  on?: boolean;
  /** Motion sensor: motion detected. */
  motion?: boolean;
  /** Contact sensor: open. */
  open?: boolean;
  /** Water-leak sensor: water detected now. */
  leak?: boolean;
  /** Climate sensor and thermostat: °C. */
  temperature?: number;
  /** Climate sensor: relative humidity in %. */
  humidity?: number;
  /** Thermostat: the temperature it heats to, °C. */
  targetTemperature?: number;
  /** Thermostat: what the valve reports doing: heating, idle, off, calibrating, … */
  mode?: string;
}

/** One child's own state: the child as its hub lists it, plus the hub's name. */
export interface HubChildState extends HubChild {
  parent: string;
}

/** A stored light preset: brightness alone, or with a colour, or with a white. */
export interface Preset {
  brightness: number;
  hue?: number;
  saturation?: number;
  colorTemp?: number;
}

export interface AutoOff {
  enabled: boolean;
  minutes: number;
}

export interface Fade {
  on: number;
  off: number;
}

/** One bucket of an energy history: t = the interval's start (ISO), wh = energy in it. */
export interface EnergyPoint {
  t: string;
  wh: number;
}

export type EnergyInterval = 'hour' | 'day' | 'month';

/** An energy history query after validation: [start, end] in ms since the epoch. */
export interface EnergyHistoryQuery {
  interval: EnergyInterval;
  start: number;
  end: number;
}

/** One outlet of a power strip or multi-outlet plug, as its strip's state lists it. */
export interface Outlet {
  /** The number on the housing (SMART `position`; IOT socket order from 1). */
  position: number;
  /** What the device calls it in requests (SMART device_id; IOT child id). */
  id: string;
  alias: string;
  on: boolean;
  /** 1–100, on lamp sockets that dim (P306's fifth socket). */
  brightness?: number;
  /** Watts, where the outlet meters. */
  power?: number;
  /** Watt-hours today, where the outlet meters. */
  energyToday?: number;
  /** Watt-hours this month, where the outlet meters. */
  energyMonth?: number;
  /** Its own auto-off, on strips whose outlets have one (P300 1.0.15 and later). */
  autoOff?: AutoOff;
}

export type DeviceKind = 'bulb' | 'strip' | 'plug' | 'hub';
export type Dialect = 'smart' | 'iot' | 'smartcam';

/** What a device can do; commands are validated against this before anything is sent. */
export interface Capabilities {
  dialect: Dialect;
  kind: DeviceKind;
  brightness: boolean;
  color: boolean;
  /** Inclusive kelvin range, or null when white cannot be tuned (includes min = max ranges). */
  colorTemp: { min: number; max: number } | null;
  /** Names of built-in effects, or null when the device has none. */
  effects: string[] | null;
  /** Whether the device accepts a per-command transition time. */
  transition: boolean;
  energy: boolean;
  /** Multi-outlet devices: the outlets can be switched on their own. */
  outlets?: boolean;
  /** Hubs: the children can be read and commanded on their own. */
  children?: boolean;
  /** Hubs: the siren can be played and stopped (`{ alarm }`). */
  alarm?: boolean;
  /** The intervals an `energyHistory` query may ask for; empty without a meter history. */
  energyHistory: EnergyInterval[];
  /** The device keeps light presets (`presets`, `{ preset }`). */
  presets: boolean;
  /** `fade` durations can be read and set (SMART on_off_gradually v2+, Kasa dimmers). */
  fade: boolean;
  autoOff: boolean;
  led: boolean;
  autoUpdate: boolean;
  /**
   * Light strips that paint segments (`{ segments }`): their count, read from the device
   * (docs/protocols/segments.md); absent where the strip cannot paint them.
   */
  segments?: number;
}

/** One segment's colour in a `{ segments }` painting (hue 0–360, saturation and brightness 0–100). */
export interface SegmentColor {
  hue: number;
  saturation: number;
  brightness: number;
}

/**
 * A command after parsing and validation: one combined change, sent as one device request.
 * Produced from the msg.payload grammar (booleans, "on"/"off"/"toggle", 0–100, "#rrggbb", objects).
 */
export interface LampCommand {
  on?: boolean;
  toggle?: boolean;
  brightness?: number;
  hue?: number;
  saturation?: number;
  colorTemp?: number;
  /** Milliseconds. */
  transition?: number;
  /** Effect name, or "off". */
  effect?: string;
  /**
   * Colours painted along a light strip, spread evenly over its segments; null = that part off.
   * `brightness` is the painting's.
   */
  segments?: (SegmentColor | null)[];
  /** Apply the n-th stored preset (1-based); resolved into light fields before sending. */
  preset?: number;
  autoOff?: Partial<AutoOff>;
  led?: boolean;
  fade?: Partial<Fade>;
  autoUpdate?: boolean;
  /** Hubs: play (with optional overrides) or stop the siren. */
  alarm?: AlarmCommand;
  /** Thermostats: the temperature to heat to, °C. */
  targetTemperature?: number;
}

/** `{ alarm: true | false | { sound?, volume?, duration? } }` after parsing. */
export interface AlarmCommand {
  play: boolean;
  sound?: string;
  volume?: AlarmVolume;
  /** Seconds, 1–600. */
  duration?: number;
}

export type AlarmVolume = 'mute' | 'low' | 'normal' | 'high';
