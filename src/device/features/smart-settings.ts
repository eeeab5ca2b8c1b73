/**
 * The settings of a Tapo (SMART) device — presets, gradual on/off, auto-off, status LED,
 * firmware auto-update — read with their own getters and written with their setters
 * (docs/features.md §2). The light is read on every poll; these change rarely (in the app, or
 * through us), so each getter rides along in a poll's batch only when its value is older than
 * SETTINGS_REFRESH_MS and the batch has room: a poll stays ONE device request. A setting we
 * write is known from the device's "ok" at once, without reading it back.
 */
import type { SmartOutcome, SmartRequest } from '../smart-protocol';
import type { DeviceSettings } from '../state';
import type { Capabilities, LampCommand, Preset } from '../types';
import { smartPresets } from './presets';

type Info = Record<string, unknown>;

/** How old a setting may get before a poll with room reads it again. */
export const SETTINGS_REFRESH_MS = 60_000;

type SettingKey = 'presets' | 'fade' | 'autoOff' | 'led' | 'autoUpdate';

interface Getter {
  key: SettingKey;
  request: SmartRequest;
}

function isInfo(value: unknown): value is Info {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A direction of on_off_gradually v2+: enabled with a duration in s, else 0 ms. */
function fadeMs(state: unknown): number {
  if (!isInfo(state) || state.enable !== true) return 0;
  return typeof state.duration === 'number' ? state.duration * 1000 : 0;
}

// Version 3 preset lists are paged like other lists; version 1 takes no params.
const PRESETS: Getter = { key: 'presets', request: { method: 'get_preset_rules' } };
const PAGED_PRESETS: Getter = {
  key: 'presets',
  request: { method: 'get_preset_rules', params: { start_index: 0 } },
};
const GETTERS: Readonly<Record<Exclude<SettingKey, 'presets'>, Getter>> = {
  fade: { key: 'fade', request: { method: 'get_on_off_gradually_info' } },
  autoOff: {
    key: 'autoOff',
    request: { method: 'get_auto_off_config', params: { start_index: 0 } },
  },
  led: { key: 'led', request: { method: 'get_led_info' } },
  autoUpdate: { key: 'autoUpdate', request: { method: 'get_auto_update_info' } },
};

/** Which setting each getter method reads (both preset getters read `presets`). */
const SETTING_OF: ReadonlyMap<string, SettingKey> = new Map(
  [PRESETS, ...Object.values(GETTERS)].map((g) => [g.request.method, g.key]),
);

export class SmartSettings {
  private readonly getters: Getter[] = [];
  /** The raw getter results: setters send them back with one field changed (as python-kasa). */
  private readonly raw = new Map<SettingKey, Info>();
  private readonly readAt = new Map<SettingKey, number>();
  private presetList: Preset[] | undefined;
  /** The last LED rule other than "never" (night mode, …), which `led: true` brings back. */
  private lastLitRule: string | undefined;
  private stored = 0;
  /** values() as of the last store(), read on every poll and copied by smartState. */
  private valuesCache: DeviceSettings | undefined;

  constructor(
    private readonly capabilities: Capabilities,
    presetVersion: number,
    private readonly clock: () => number = Date.now,
  ) {
    // Shared getters (never changed): a fleet of devices holds one set, not one each.
    if (capabilities.presets) this.getters.push(presetVersion >= 3 ? PAGED_PRESETS : PRESETS);
    if (capabilities.fade) this.getters.push(GETTERS.fade);
    if (capabilities.autoOff) this.getters.push(GETTERS.autoOff);
    if (capabilities.led) this.getters.push(GETTERS.led);
    if (capabilities.autoUpdate) this.getters.push(GETTERS.autoUpdate);
  }

  /** The presets last read (undefined before the first read or without presets). */
  get presets(): readonly Preset[] | undefined {
    return this.presetList;
  }

  /**
   * The getters to add to a batch with `room` free places: every getter never read or read
   * longer than SETTINGS_REFRESH_MS ago, the oldest first.
   */
  due(room: number): SmartRequest[] {
    if (room <= 0 || this.getters.length === 0) return [];
    const now = this.clock();
    if (now < this.nextDue()) return []; // the usual poll: nothing due, nothing built
    // Never read counts as read at time 0: due at once, and first in line.
    const readAt = (g: Getter) => this.readAt.get(g.key) ?? 0;
    return this.getters
      .filter((g) => !this.readAt.has(g.key) || now - readAt(g) >= SETTINGS_REFRESH_MS)
      .sort((a, b) => readAt(a) - readAt(b))
      .slice(0, Math.max(0, room))
      .map((g) => g.request);
  }

  /** When the next getter falls due (clock ms); 0 while one has never been read. */
  private nextDue(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const getter of this.getters) {
      const at = this.readAt.get(getter.key);
      if (at === undefined) return 0;
      next = Math.min(next, at + SETTINGS_REFRESH_MS);
    }
    return next;
  }

  /** The getters of the settings a command changes whose value is not known yet. */
  unread(command: LampCommand): SmartRequest[] {
    const wanted: SettingKey[] = [];
    if (command.preset !== undefined) wanted.push('presets');
    for (const key of ['fade', 'autoOff', 'led', 'autoUpdate'] as const) {
      if (command[key] !== undefined) wanted.push(key);
    }
    return this.getters
      .filter((g) => wanted.includes(g.key) && !this.raw.has(g.key))
      .map((g) => g.request);
  }

  /** Takes the outcomes of getters sent with `due`; a failed getter keeps its last value. */
  absorb(outcomes: SmartOutcome[]): void {
    // A poll's reads are mostly the light and the meter: one lookup each, no clock read.
    let now: number | undefined;
    for (const outcome of outcomes) {
      const key = SETTING_OF.get(outcome.method);
      if (key === undefined || !this.getters.some((g) => g.key === key)) continue;
      now ??= this.clock();
      // Failed or not, it is not asked again before the refresh time: a firmware that lists a
      // component but refuses its getter is not hammered on every poll.
      this.readAt.set(key, now);
      if (outcome.ok && isInfo(outcome.result)) this.store(key, outcome.result);
    }
  }

  /** Grows with every setting stored: the same version means the same values(). */
  get version(): number {
    return this.stored;
  }

  private store(key: SettingKey, result: Info): void {
    this.stored += 1;
    this.valuesCache = undefined;
    if (key === 'presets') {
      // No setter sends the preset list back: its mapped form is all that is kept.
      this.presetList = smartPresets(result, this.capabilities);
      this.raw.set(key, {});
    } else {
      this.raw.set(key, structuredClone(result));
    }
    if (key === 'led' && typeof result.led_rule === 'string' && result.led_rule !== 'never') {
      this.lastLitRule = result.led_rule;
    }
  }

  /** The settings as state keys, for those read so far; shared, so callers copy what they keep. */
  values(): DeviceSettings {
    this.valuesCache ??= this.read();
    return this.valuesCache;
  }

  private read(): DeviceSettings {
    const settings: DeviceSettings = {};
    if (this.presetList) settings.presets = this.presetList;
    const fade = this.raw.get('fade');
    if (fade) settings.fade = { on: fadeMs(fade.on_state), off: fadeMs(fade.off_state) };
    const autoOff = this.raw.get('autoOff');
    if (autoOff) {
      settings.autoOff = {
        enabled: autoOff.enable === true,
        minutes: typeof autoOff.delay_min === 'number' ? autoOff.delay_min : 0,
      };
    }
    const led = this.raw.get('led');
    if (led) settings.led = led.led_rule !== 'never';
    const update = this.raw.get('autoUpdate');
    if (update) settings.autoUpdate = update.enable === true;
    return settings;
  }

  /** The set requests for the settings in a command, with what each changes once it is done. */
  writes(command: LampCommand): { requests: SmartRequest[]; confirm: () => void } {
    const requests: SmartRequest[] = [];
    const updates: [SettingKey, Info][] = [];
    const add = (key: SettingKey, method: string, params: Info, stored: Info) => {
      requests.push({ method, params });
      updates.push([key, stored]);
    };
    if (command.fade) {
      const fade = structuredClone(this.raw.get('fade') ?? {});
      for (const [direction, ms] of [
        ['on_state', command.fade.on],
        ['off_state', command.fade.off],
      ] as const) {
        if (ms === undefined) continue;
        const previous = isInfo(fade[direction]) ? (fade[direction] as Info) : {};
        // One-second resolution; a non-zero fade stays non-zero. 0 keeps the old duration,
        // disabled, so turning the fade back on in the app restores it.
        const seconds = ms === 0 ? 0 : Math.max(1, Math.round(ms / 1000));
        const state =
          seconds === 0
            ? {
                enable: false,
                duration: typeof previous.duration === 'number' ? previous.duration : 1,
              }
            : { enable: true, duration: seconds };
        fade[direction] = { ...previous, ...state };
        // One direction per call, as the app and python-kasa send them.
        requests.push({ method: 'set_on_off_gradually_info', params: { [direction]: state } });
      }
      updates.push(['fade', fade]);
    }
    if (command.autoOff) {
      const last = this.raw.get('autoOff') ?? {};
      // The device wants both fields; the one not given keeps its last value.
      const params = {
        enable: command.autoOff.enabled ?? last.enable === true,
        delay_min:
          command.autoOff.minutes ?? (typeof last.delay_min === 'number' ? last.delay_min : 120),
      };
      add('autoOff', 'set_auto_off_config', params, { ...last, ...params });
    }
    if (command.led !== undefined) {
      const last = this.raw.get('led') ?? {};
      // "On" brings back the rule the user had (night mode, …) rather than forcing "always".
      const rule = command.led ? (this.lastLitRule ?? 'always') : 'never';
      const { led_status: _lit, ...rest } = last;
      const params = { ...rest, led_rule: rule };
      add('led', 'set_led_info', params, { ...last, ...params });
    }
    if (command.autoUpdate !== undefined) {
      const last = this.raw.get('autoUpdate') ?? {};
      const params = { ...last, enable: command.autoUpdate };
      add('autoUpdate', 'set_auto_update_info', params, params);
    }
    return {
      requests,
      confirm: () => {
        for (const [key, stored] of updates) this.store(key, stored);
      },
    };
  }
}
