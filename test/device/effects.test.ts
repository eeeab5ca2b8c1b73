import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BULB_EFFECTS,
  findStripEffect,
  matchEffectName,
  STRIP_EFFECTS,
  type StripEffect,
} from '../../src/device/effects';

/** The fields set_lighting_effect needs for each type of effect, beyond the common ones. */
const TYPE_FIELDS: Record<StripEffect['type'], string[]> = {
  sequence: ['sequence', 'direction', 'spread', 'repeat_times'],
  pulse: ['sequence', 'trans_sequence', 'direction', 'spread', 'repeat_times', 'run_time'],
  random: ['hue_range', 'saturation_range', 'brightness_range', 'init_states'],
};
const COMMON = [
  'custom',
  'id',
  'name',
  'enable',
  'brightness',
  'type',
  'segments',
  'expansion_strategy',
  'display_colors',
  'duration',
  'transition',
];

describe('built-in effects', () => {
  it('strips have the 17 built-ins, each with a unique firmware id', () => {
    assert.equal(STRIP_EFFECTS.length, 17);
    assert.equal(new Set(STRIP_EFFECTS.map((e) => e.name.toLowerCase())).size, 17);
    assert.equal(new Set(STRIP_EFFECTS.map((e) => e.id)).size, 17);
    for (const effect of STRIP_EFFECTS) {
      assert.match(effect.id, /^TapoStrip_[0-9A-Za-z]{22}$/, effect.name);
      assert.equal(effect.custom, 0);
      assert.equal(effect.enable, 1);
      assert.equal(effect.brightness, 100);
    }
    const namesOf = (type: string) =>
      STRIP_EFFECTS.filter((e) => e.type === type).map((e) => e.name);
    const byType = {
      pulse: namesOf('pulse'),
      sequence: namesOf('sequence'),
      random: namesOf('random'),
    };
    assert.deepEqual(byType.pulse, ['Sunrise', 'Sunset']);
    assert.deepEqual(byType.sequence, [
      'Aurora',
      'Candy Cane',
      "Grandma's Christmas Lights",
      'Icicle',
      'Ocean',
      'Rainbow',
    ]);
    assert.equal(byType.random.length, 9);
  });

  it('each effect carries the fields its type needs, and only known ones', () => {
    const optional = ['transition_range', 'fadeoff', 'random_seed', 'backgrounds'];
    for (const effect of STRIP_EFFECTS) {
      const needed = [...COMMON, ...TYPE_FIELDS[effect.type]];
      const keys = Object.keys(effect);
      for (const key of needed) assert.ok(keys.includes(key), `${effect.name} has ${key}`);
      const extra = keys.filter((k) => !needed.includes(k));
      if (effect.type === 'random') {
        assert.deepEqual(
          extra.filter((k) => !optional.includes(k)),
          [],
          effect.name,
        );
      } else assert.deepEqual(extra, [], effect.name);
    }
  });

  it('known facts: Aurora, Sunrise and Haunted Mansion as the firmware knows them', () => {
    const aurora = findStripEffect('Aurora');
    assert.equal(aurora?.id, 'TapoStrip_1MClvV18i15Jq3bvJVf0eP');
    assert.equal(aurora?.type, 'sequence');
    const sunrise = findStripEffect('sunrise');
    assert.equal(sunrise?.type, 'pulse');
    assert.equal(sunrise?.type === 'pulse' && sunrise.sequence.length, 16);
    const haunted = findStripEffect('HAUNTED MANSION');
    assert.equal(haunted?.id, 'TapoStrip_4rJ6JwC7I9st3tQ8j4lwlI');
    assert.deepEqual(haunted?.type === 'random' && haunted.transition_range, [50, 1500]);
  });

  it('names match case-insensitively and ignoring surrounding spaces', () => {
    assert.equal(
      findStripEffect(" grandma's christmas lights ")?.name,
      "Grandma's Christmas Lights",
    );
    assert.equal(findStripEffect('Disco'), undefined);
    assert.equal(findStripEffect('Party'), undefined, 'bulb effects are not strip effects');
    const bulbNames = BULB_EFFECTS.map((e) => e.name);
    assert.equal(matchEffectName(bulbNames, 'RELAX'), 'Relax');
    assert.equal(matchEffectName(bulbNames, 'Aurora'), undefined);
  });
});
