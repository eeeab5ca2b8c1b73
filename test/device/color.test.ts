import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hsvToRgb,
  hueSaturationToHex,
  isRgb,
  kelvinToHex,
  kelvinToRgb,
  parseHex,
  rgbToHex,
  rgbToHsv,
} from '../../src/device/color';

describe('colour conversions', () => {
  it('parses #rrggbb in either case and refuses other forms', () => {
    assert.deepEqual(parseHex('#FF8000'), { r: 255, g: 128, b: 0 });
    assert.deepEqual(parseHex(' #0a0b0c '), { r: 10, g: 11, b: 12 });
    for (const bad of ['#fff', 'ff8000', '#ff80001', '#gg0000', ''])
      assert.equal(parseHex(bad), null);
  });

  it('formats hex lower-case, rounding and clamping channels', () => {
    assert.equal(rgbToHex({ r: 255, g: 128, b: 0 }), '#ff8000');
    assert.equal(rgbToHex({ r: 300, g: -5, b: 127.6 }), '#ff0080');
  });

  it('knows the primaries and greys', () => {
    assert.deepEqual(rgbToHsv({ r: 255, g: 0, b: 0 }), { h: 0, s: 100, v: 100 });
    assert.deepEqual(rgbToHsv({ r: 0, g: 255, b: 0 }), { h: 120, s: 100, v: 100 });
    assert.deepEqual(rgbToHsv({ r: 0, g: 0, b: 255 }), { h: 240, s: 100, v: 100 });
    assert.deepEqual(rgbToHsv({ r: 255, g: 0, b: 255 }), { h: 300, s: 100, v: 100 });
    assert.deepEqual(rgbToHsv({ r: 0, g: 0, b: 0 }), { h: 0, s: 0, v: 0 });
    assert.deepEqual(rgbToHsv({ r: 255, g: 255, b: 255 }), { h: 0, s: 0, v: 100 });
    assert.deepEqual(hsvToRgb({ h: 60, s: 100, v: 100 }), { r: 255, g: 255, b: 0 });
    assert.deepEqual(hsvToRgb({ h: 180, s: 100, v: 100 }), { r: 0, g: 255, b: 255 });
    assert.deepEqual(hsvToRgb({ h: 360, s: 100, v: 100 }), { r: 255, g: 0, b: 0 });
    assert.deepEqual(hsvToRgb({ h: 0, s: 0, v: 50 }), { r: 128, g: 128, b: 128 });
  });

  it('round-trips every hue sector through hex', () => {
    for (const hex of [
      '#ff8000',
      '#80ff00',
      '#00ff80',
      '#0080ff',
      '#8000ff',
      '#ff0080',
      '#336699',
      '#800000',
    ]) {
      const hsv = rgbToHsv(parseHex(hex)!);
      assert.equal(rgbToHex(hsvToRgb(hsv)), hex);
      // A lamp stores whole numbers: that reads back within a couple of steps per channel.
      const back = parseHex(
        hueSaturationToHex(Math.round(hsv.h), Math.round(hsv.s), Math.round(hsv.v)),
      )!;
      const sent = parseHex(hex)!;
      for (const k of ['r', 'g', 'b'] as const)
        assert.ok(Math.abs(back[k] - sent[k]) <= 3, `${hex} ${k}`);
    }
  });

  it('validates {r,g,b}', () => {
    assert.equal(isRgb({ r: 1, g: 2, b: 3 }), true);
    assert.equal(isRgb({ r: 1.5, g: 2, b: 3 }), false);
    assert.equal(isRgb({ r: 256, g: 2, b: 3 }), false);
    assert.equal(isRgb({ r: 1, g: 2 }), false);
    assert.equal(isRgb(null), false);
  });

  it('approximates white light: warm is orange-ish, 6500 K near white, dimmed scales', () => {
    const warm = kelvinToRgb(2700);
    assert.equal(warm.r, 255);
    assert.ok(warm.b < warm.g && warm.g < warm.r);
    const daylight = kelvinToRgb(6500);
    assert.ok(daylight.r > 240 && daylight.g > 240 && daylight.b > 240);
    assert.equal(kelvinToRgb(1000).b, 0);
    assert.equal(kelvinToRgb(9000).b, 255);
    assert.equal(kelvinToHex(6500, 0), '#000000');
  });
});
