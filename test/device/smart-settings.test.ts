/**
 * SmartSettings on its own: which getters a poll with room for n more requests carries (never
 * read first, then the oldest, none younger than a minute), and what the setters send built
 * from the last read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SETTINGS_REFRESH_MS, SmartSettings } from '../../src/device/features/smart-settings';
import type { SmartOutcome, SmartRequest } from '../../src/device/smart-protocol';
import { capabilitiesOf } from './helpers';

/** Every getter answered with `results[method]`, as a batch would bring them back. */
function answered(requests: SmartRequest[], results: Record<string, unknown>): SmartOutcome[] {
  return requests.map((r) => ({ method: r.method, ok: true, result: results[r.method] ?? {} }));
}

describe('SmartSettings', () => {
  it('polls read what is due within the room left, oldest first, once a minute', () => {
    let now = 1_000_000;
    const settings = new SmartSettings(capabilitiesOf('P110'), 0, () => now);
    const first = settings.due(2);
    assert.deepEqual(
      first.map((r) => r.method),
      ['get_auto_off_config', 'get_led_info'],
    );
    settings.absorb(answered(first, {}));
    now += 1000;
    const second = settings.due(5);
    assert.deepEqual(
      second.map((r) => r.method),
      ['get_auto_update_info'],
    );
    settings.absorb(answered(second, {}));
    now += SETTINGS_REFRESH_MS - 1000;
    assert.deepEqual(
      settings.due(5).map((r) => r.method),
      ['get_auto_off_config', 'get_led_info'],
      'a minute after their read, the two read first are due again; the third not yet',
    );
    now += 1000;
    assert.equal(settings.due(5).length, 3);
    assert.deepEqual(settings.due(0), []);
  });

  it('a failed getter is not asked again before its minute, and keeps no value', () => {
    let now = 0;
    const settings = new SmartSettings(capabilitiesOf('P100'), 0, () => now);
    const [led] = settings.due(5);
    assert.equal(led?.method, 'get_led_info');
    settings.absorb([{ method: 'get_led_info', ok: false, error: new Error('x') as never }]);
    assert.deepEqual(settings.due(5), []);
    assert.equal(settings.values().led, undefined);
    assert.deepEqual(
      settings.unread({ led: true }).map((r) => r.method),
      ['get_led_info'],
      'a command needing the LED reads it first',
    );
    now += SETTINGS_REFRESH_MS;
    assert.equal(settings.due(5).length, 1);
  });

  it('setters send the last read with one field changed; confirm keeps what was sent', () => {
    const settings = new SmartSettings(capabilitiesOf('P110'), 0, () => 0);
    settings.absorb(
      answered(settings.due(5), {
        get_auto_off_config: { delay_min: 120, enable: false },
        get_led_info: { led_rule: 'night_mode', led_status: true, night_mode: { start_time: 1 } },
        get_auto_update_info: { enable: true, random_range: 120, time: 180 },
      }),
    );
    const off = settings.writes({ led: false, autoOff: { minutes: 5 }, autoUpdate: false });
    assert.deepEqual(off.requests, [
      { method: 'set_auto_off_config', params: { enable: false, delay_min: 5 } },
      { method: 'set_led_info', params: { led_rule: 'never', night_mode: { start_time: 1 } } },
      {
        method: 'set_auto_update_info',
        params: { enable: false, random_range: 120, time: 180 },
      },
    ]);
    assert.equal(settings.values().led, true, 'nothing changes before the device says ok');
    off.confirm();
    assert.deepEqual(settings.values(), {
      autoOff: { enabled: false, minutes: 5 },
      led: false,
      autoUpdate: false,
    });
    const on = settings.writes({ led: true });
    assert.deepEqual(on.requests[0], {
      method: 'set_led_info',
      params: { led_rule: 'night_mode', night_mode: { start_time: 1 } },
    });
  });
});
