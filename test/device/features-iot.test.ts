/**
 * Beyond on/off on Kasa (IOT) devices and the energyHistory query on both dialects, through
 * LampClient and the emulated models in memory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectRefused, type Rig, rig } from './helpers';

type Request = Record<string, Record<string, Record<string, unknown>>>;

async function opened(name: Parameters<typeof rig>[0]): Promise<Rig> {
  const r = rig(name);
  await r.client.open();
  r.transport.sent.length = 0;
  return r;
}

describe('IOT energy and settings', () => {
  it('HS110: month energy, voltage, current, LED and rssi in one read', async () => {
    const r = await opened('HS110');
    const state = await r.client.getState();
    assert.equal(r.transport.sent.length, 1);
    const request = (r.transport.requests as Request[])[0];
    assert.deepEqual(Object.keys(request?.emeter ?? {}), [
      'get_realtime',
      'get_daystat',
      'get_monthstat',
    ]);
    assert.equal(state.voltage, 230.8);
    assert.equal(state.current, Math.round((61.75 / 230.8) * 1000) / 1000);
    assert.ok((state.energyMonth ?? -1) >= (state.energyToday ?? 0));
    assert.equal(state.led, false, 'led_off 1 in the dump');
    assert.equal(state.rssi, -48);
  });

  it('led is system.set_led_off in the same request as the read; the relay stays', async () => {
    const r = await opened('HS110');
    const state = await r.client.setState({ led: true });
    assert.deepEqual((r.transport.requests as Request[])[0]?.system, {
      set_led_off: { off: 0 },
      get_sysinfo: {},
    });
    assert.deepEqual([state.led, state.on], [true, true]);
    const off = await r.client.setState({ led: false, on: false });
    assert.deepEqual([off.led, off.on], [false, false]);
  });

  it('KL130 preset: the stored light as one transition_light_state', async () => {
    const r = await opened('KL130');
    const green = await r.client.setState({ preset: 3 });
    const bulb = (r.transport.requests as Request[])[0]?.[
      'smartlife.iot.smartbulb.lightingservice'
    ];
    assert.deepEqual(bulb?.transition_light_state, {
      on_off: 1,
      brightness: 100,
      hue: 120,
      saturation: 75,
      color_temp: 0,
      ignore_default: 1,
    });
    assert.deepEqual([green.on, green.hue, green.saturation], [true, 120, 75]);
    r.transport.sent.length = 0;
    await expectRefused(
      r.transport,
      () => r.client.setState({ preset: 5 }),
      'preset',
      /from 1 to 4 on this KL130/,
    );
  });

  it('HS220 dimmer: fade times in ms and brightness presets', async () => {
    const r = await opened('HS220');
    const slow = await r.client.setState({ fade: { on: 2500 } });
    const dimmer = (r.transport.requests as Request[])[0]?.['smartlife.iot.dimmer'];
    assert.deepEqual(dimmer, {
      set_fade_on_time: { fadeTime: 2500 },
      get_dimmer_parameters: {},
    });
    assert.deepEqual(slow.fade, { on: 2500, off: 1000 });
    assert.equal(slow.on, false, 'a setting does not switch the dimmer on');
    assert.equal((await r.client.setState({ preset: 2 })).brightness, 75);
  });

  it('refuses what Kasa firmware lacks, naming the feature and the model', async () => {
    const kl130 = await opened('KL130');
    await expectRefused(
      kl130.transport,
      () => kl130.client.setState({ autoOff: { enabled: true } }),
      'autoOff',
      /KL130 has no auto-off/,
    );
    await expectRefused(
      kl130.transport,
      () => kl130.client.setState({ led: false }),
      'led',
      /KL130 has no status LED/,
    );
    await expectRefused(
      kl130.transport,
      () => kl130.client.setState({ fade: { on: 0 } }),
      'fade',
      /use transition/,
    );
    await expectRefused(
      kl130.transport,
      () => kl130.client.setState({ autoUpdate: false }),
      'autoUpdate',
      /KL130/,
    );
    const hs103 = await opened('HS103');
    await expectRefused(
      hs103.transport,
      () => hs103.client.setState({ preset: 1 }),
      'preset',
      /HS103 has no light presets/,
    );
    const kl430 = await opened('KL430');
    await expectRefused(
      kl430.transport,
      () => kl430.client.setState({ preset: 1 }),
      'preset',
      /KL430/,
    );
  });
});

/** The local midnight of `date` shifted by `days`. */
function midnight(date: Date, days = 0): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

describe('energyHistory', () => {
  it('SMART days of this month: one batch, one bucket per day so far, oldest first', async () => {
    const r = await opened('P110');
    const now = new Date();
    const points = await r.client.energyHistory({ interval: 'day' });
    assert.equal(r.transport.sent.length, 1);
    assert.equal(points.length, now.getDate());
    assert.equal(points[0]?.t, new Date(now.getFullYear(), now.getMonth(), 1).toISOString());
    for (const point of points) assert.equal(typeof point.wh, 'number');
    const times = points.map((p) => Date.parse(p.t));
    assert.deepEqual(
      [...times].sort((a, b) => a - b),
      times,
    );
  });

  it('SMART hours of a past day add up to that day', async () => {
    const r = await opened('P110');
    const yesterday = midnight(new Date(), -1);
    const end = new Date(midnight(new Date()).getTime() - 1);
    const hours = await r.client.energyHistory({
      interval: 'hour',
      start: yesterday.toISOString(),
      end: end.toISOString(),
    });
    assert.equal(
      hours.length,
      Math.round((midnight(new Date()).getTime() - yesterday.getTime()) / 3_600_000),
    );
    assert.equal(hours[0]?.t, yesterday.toISOString());
    const days = await r.client.energyHistory({
      interval: 'day',
      start: yesterday.toISOString(),
      end: end.toISOString(),
    });
    assert.deepEqual(
      days.map((d) => d.t),
      [yesterday.toISOString()],
    );
    assert.equal(
      days[0]?.wh,
      hours.reduce((sum, h) => sum + h.wh, 0),
    );
    assert.ok((days[0]?.wh ?? 0) > 0);
  });

  it('SMART months of this year; a year of days takes one request per quarter', async () => {
    const r = await opened('P110');
    const now = new Date();
    const months = await r.client.energyHistory({ interval: 'month' });
    assert.equal(months.length, now.getMonth() + 1);
    r.transport.sent.length = 0;
    const start = new Date(now.getFullYear() - 1, now.getMonth(), now.getDate() + 1);
    const days = await r.client.energyHistory({ interval: 'day', start: start.toISOString() });
    const subs = (r.transport.requests as { params?: { requests?: unknown[] } }[]).flatMap(
      (q) => q.params?.requests ?? [q],
    );
    assert.ok(subs.length >= 4 && subs.length <= 5, `${subs.length} quarters`);
    assert.equal(days[0]?.t, start.toISOString());
  });

  it('IOT days fill gaps with 0; months by year; hours refused', async () => {
    const r = await opened('HS110');
    const now = new Date();
    const days = await r.client.energyHistory({ interval: 'day' });
    assert.equal(days.length, now.getDate());
    const month = await r.client.energyHistory({
      interval: 'month',
      start: new Date(now.getFullYear(), now.getMonth(), 1).toISOString(),
    });
    assert.equal(month.length, 1);
    const total = days.reduce((sum, d) => sum + d.wh, 0);
    assert.ok(Math.abs((month[0]?.wh ?? 0) - total) <= days.length, 'days add up to the month');
    r.transport.sent.length = 0;
    await expectRefused(
      r.transport,
      () => r.client.energyHistory({ interval: 'hour' }),
      'energyHistory.interval',
      /HS110 keeps no energy history by hour.*"day" or "month"/,
    );
  });

  it('refuses bad queries and devices without a meter before sending', async () => {
    const p100 = await opened('P100');
    await expectRefused(
      p100.transport,
      () => p100.client.energyHistory({ interval: 'day' }),
      'energyHistory',
      /P100 has no energy meter/,
    );
    const r = await opened('P110');
    await expectRefused(
      r.transport,
      () => r.client.energyHistory({ interval: 'week' }),
      'energyHistory.interval',
      /"hour", "day" or "month"/,
    );
    await expectRefused(
      r.transport,
      () => r.client.energyHistory({ interval: 'day', start: 'yesterday' }),
      'energyHistory.start',
      /ISO date/,
    );
    await expectRefused(
      r.transport,
      () => r.client.energyHistory({ interval: 'day', start: '2026-02-01', end: '2026-01-01' }),
      'energyHistory.start',
      /not be after/,
    );
    await expectRefused(
      r.transport,
      () => r.client.energyHistory({ interval: 'hour', start: '2026-01-01', end: '2026-02-01' }),
      'energyHistory.start',
      /at most 8 days/,
    );
    await expectRefused(
      r.transport,
      () => r.client.energyHistory('day'),
      'energyHistory',
      /interval/,
    );
  });
});
