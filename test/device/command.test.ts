import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LampClient } from '../../src/device/client';
import { checkCommand, parseCommand, validateCommand } from '../../src/device/command';
import {
  InvalidCommandError,
  quoteInput,
  UnsupportedFeatureError,
} from '../../src/transport/errors';
import { capabilitiesOf } from './helpers';

const L530 = capabilitiesOf('L530');
const L510 = capabilitiesOf('L510');
const L900 = capabilitiesOf('L900');
const P100 = capabilitiesOf('P100');

/** Asserts a refusal of the given class naming `property`, with a message matching `pattern`. */
function refused(
  run: () => unknown,
  kind: typeof InvalidCommandError | typeof UnsupportedFeatureError,
  property: string,
  pattern: RegExp,
): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof kind, `expected ${kind.name}, got ${String(error)}`);
    assert.equal((error as InvalidCommandError).property, property);
    assert.match((error as Error).message, pattern);
    return true;
  });
}

describe('payload grammar: accepted forms', () => {
  it('booleans and on/off/toggle strings (any case)', () => {
    assert.deepEqual(parseCommand(true), { on: true });
    assert.deepEqual(parseCommand(false), { on: false });
    assert.deepEqual(parseCommand('on'), { on: true });
    assert.deepEqual(parseCommand(' OFF '), { on: false });
    assert.deepEqual(parseCommand('Toggle'), { toggle: true });
  });

  it('numbers are brightness, 0 is off, fractions round, tiny values give 1', () => {
    assert.deepEqual(parseCommand(0), { on: false });
    assert.deepEqual(parseCommand(40), { brightness: 40 });
    assert.deepEqual(parseCommand(100), { brightness: 100 });
    assert.deepEqual(parseCommand(40.6), { brightness: 41 });
    assert.deepEqual(parseCommand(0.2), { brightness: 1 });
  });

  it('"#rrggbb" sets hue, saturation and brightness from the colour value', () => {
    assert.deepEqual(parseCommand('#ff0000'), { hue: 0, saturation: 100, brightness: 100 });
    assert.deepEqual(parseCommand('#800000'), { hue: 0, saturation: 100, brightness: 50 });
    assert.deepEqual(parseCommand('#0000FF'), { hue: 240, saturation: 100, brightness: 100 });
  });

  it('objects with any of the properties', () => {
    assert.deepEqual(parseCommand({ on: true, brightness: 40 }), { on: true, brightness: 40 });
    assert.deepEqual(parseCommand({ hue: 360, saturation: 0 }), { hue: 360, saturation: 0 });
    assert.deepEqual(parseCommand({ hue: 120.4 }), { hue: 120 });
    assert.deepEqual(parseCommand({ colorTemp: 2700.4, brightness: 1 }), {
      colorTemp: 2700,
      brightness: 1,
    });
    assert.deepEqual(parseCommand({ transition: 500 }), { transition: 500 });
    assert.deepEqual(parseCommand({ effect: ' OFF ' }), { effect: 'off' });
    assert.deepEqual(parseCommand({ effect: 'aurora', brightness: 30 }), {
      effect: 'aurora',
      brightness: 30,
    });
    assert.deepEqual(parseCommand({ effect: 'off', hue: 10 }), { effect: 'off', hue: 10 });
    // undefined properties are ignored, as JSON would drop them
    assert.deepEqual(parseCommand({ on: true, brightness: undefined }), { on: true });
  });

  it('color as hex, {r,g,b} and {h,s,v}; an explicit brightness wins over the colour value', () => {
    assert.deepEqual(parseCommand({ color: '#00ff00' }), {
      hue: 120,
      saturation: 100,
      brightness: 100,
    });
    assert.deepEqual(parseCommand({ color: { r: 0, g: 0, b: 128 } }), {
      hue: 240,
      saturation: 100,
      brightness: 50,
    });
    assert.deepEqual(parseCommand({ color: { h: 30, s: 50, v: 70 } }), {
      hue: 30,
      saturation: 50,
      brightness: 70,
    });
    assert.deepEqual(parseCommand({ color: '#ff0000', brightness: 20 }), {
      brightness: 20,
      hue: 0,
      saturation: 100,
    });
    assert.deepEqual(parseCommand({ color: '#000000', brightness: 20 }), {
      brightness: 20,
      hue: 0,
      saturation: 0,
    });
    assert.deepEqual(parseCommand({ color: { h: 360, s: 100, v: 100 } }).hue, 0);
  });

  it('validates per model and canonicalises effect names', () => {
    assert.deepEqual(validateCommand({ colorTemp: 2500 }, L530, 'L530'), { colorTemp: 2500 });
    assert.deepEqual(validateCommand({ colorTemp: 6500 }, L530, 'L530'), { colorTemp: 6500 });
    assert.deepEqual(validateCommand({ effect: 'party' }, L530, 'L530'), { effect: 'Party' });
    assert.deepEqual(validateCommand({ effect: 'RAINBOW' }, L900, 'L900'), { effect: 'Rainbow' });
    assert.deepEqual(validateCommand({ effect: " grandma's christmas LIGHTS " }, L900, 'L900'), {
      effect: "Grandma's Christmas Lights",
    });
    assert.deepEqual(validateCommand({ effect: 'off' }, L900, 'L900'), { effect: 'off' });
    assert.deepEqual(validateCommand(55, L510, 'L510'), { brightness: 55 });
    assert.deepEqual(validateCommand('#ff0000', L900, 'L900'), {
      hue: 0,
      saturation: 100,
      brightness: 100,
    });
    assert.deepEqual(validateCommand('toggle', P100, 'P100'), { toggle: true });
    assert.deepEqual(validateCommand(0, P100, 'P100'), { on: false });
    assert.deepEqual(validateCommand({ transition: 1000 }, capabilitiesWithTransition(), 'KL130'), {
      transition: 1000,
    });
  });
});

function capabilitiesWithTransition() {
  return { ...L530, dialect: 'iot' as const, transition: true };
}

describe('payload grammar: refusals name the property and the allowed values', () => {
  it('wrong top-level types and words', () => {
    refused(() => parseCommand(null), InvalidCommandError, 'payload', /got null/);
    refused(() => parseCommand(undefined), InvalidCommandError, 'payload', /got undefined/);
    refused(() => parseCommand([1]), InvalidCommandError, 'payload', /got an array/);
    refused(() => parseCommand('50'), InvalidCommandError, 'payload', /"50" is not a command/);
    refused(() => parseCommand('blue'), InvalidCommandError, 'payload', /"on", "off", "toggle"/);
    refused(() => parseCommand('#fff'), InvalidCommandError, 'color', /"#rrggbb".*got "#fff"/);
    refused(() => parseCommand('#000000'), InvalidCommandError, 'color', /black/);
  });

  it('numbers out of range, NaN and Infinity', () => {
    refused(
      () => parseCommand(140),
      InvalidCommandError,
      'payload',
      /from 0 \(off\) to 100 \(got 140\)/,
    );
    refused(() => parseCommand(-1), InvalidCommandError, 'payload', /got -1/);
    refused(() => parseCommand(Number.NaN), InvalidCommandError, 'payload', /got NaN/);
    refused(
      () => parseCommand(Number.POSITIVE_INFINITY),
      InvalidCommandError,
      'payload',
      /got Infinity/,
    );
  });

  it('objects: empty, unknown keys, wrong types, out of range', () => {
    refused(() => parseCommand({}), InvalidCommandError, 'payload', /empty.*on, brightness, hue/);
    refused(
      () => parseCommand({ bright: 4 }),
      InvalidCommandError,
      'bright',
      /unknown property "bright".*allowed: on, brightness/,
    );
    refused(
      () => parseCommand({ on: 'yes' }),
      InvalidCommandError,
      'on',
      /on must be true or false \(got "yes"\)/,
    );
    refused(
      () => parseCommand({ brightness: 140 }),
      InvalidCommandError,
      'brightness',
      /brightness must be a number from 1 to 100 \(got 140\)/,
    );
    refused(
      () => parseCommand({ brightness: 0 }),
      InvalidCommandError,
      'brightness',
      /from 1 to 100 \(got 0\)/,
    );
    // The refusal says how to do what was probably meant: brightness 0 as "off".
    refused(
      () => parseCommand({ brightness: 0 }),
      InvalidCommandError,
      'brightness',
      /to switch off, send on: false/,
    );
    refused(
      () => parseCommand({ brightness: '40' }),
      InvalidCommandError,
      'brightness',
      /got "40"/,
    );
    refused(
      () => parseCommand({ brightness: Number.NaN }),
      InvalidCommandError,
      'brightness',
      /got NaN/,
    );
    refused(
      () => parseCommand({ hue: 361 }),
      InvalidCommandError,
      'hue',
      /hue must be a number from 0 to 360 \(got 361\)/,
    );
    refused(
      () => parseCommand({ saturation: -1 }),
      InvalidCommandError,
      'saturation',
      /from 0 to 100/,
    );
    refused(() => parseCommand({ colorTemp: 0 }), InvalidCommandError, 'colorTemp', /kelvin/);
    refused(
      () => parseCommand({ colorTemp: 'warm' }),
      InvalidCommandError,
      'colorTemp',
      /got "warm"/,
    );
    refused(
      () => parseCommand({ transition: -5 }),
      InvalidCommandError,
      'transition',
      /from 0 to 3600000/,
    );
    refused(
      () => parseCommand({ effect: 3 }),
      InvalidCommandError,
      'effect',
      /built-in effect or "off" \(got 3\)/,
    );
    refused(() => parseCommand({ effect: ' ' }), InvalidCommandError, 'effect', /built-in effect/);
  });

  it('colour forms', () => {
    refused(
      () => parseCommand({ color: 'red' }),
      InvalidCommandError,
      'color',
      /"#rrggbb", \{r,g,b\}.*\{h,s,v\}/,
    );
    refused(
      () => parseCommand({ color: { r: 256, g: 0, b: 0 } }),
      InvalidCommandError,
      'color',
      /0 to 255/,
    );
    refused(
      () => parseCommand({ color: { r: 1, g: 2 } }),
      InvalidCommandError,
      'color',
      /got an object/,
    );
    refused(
      () => parseCommand({ color: { h: 400, s: 1, v: 1 } }),
      InvalidCommandError,
      'color.h',
      /0 to 360 \(got 400\)/,
    );
    refused(() => parseCommand({ color: 12 }), InvalidCommandError, 'color', /got 12/);
    refused(
      () => parseCommand({ color: { h: 0, s: 0, v: 0 } }),
      InvalidCommandError,
      'color',
      /black/,
    );
  });

  it('contradictions', () => {
    refused(
      () => parseCommand({ color: '#ff0000', hue: 3 }),
      InvalidCommandError,
      'color',
      /contradict/,
    );
    refused(
      () => parseCommand({ hue: 3, colorTemp: 2700 }),
      InvalidCommandError,
      'colorTemp',
      /hue\/saturation contradict/,
    );
    refused(
      () => parseCommand({ color: '#ff0000', colorTemp: 2700 }),
      InvalidCommandError,
      'colorTemp',
      /color contradict/,
    );
    refused(
      () => parseCommand({ effect: 'Aurora', hue: 3 }),
      InvalidCommandError,
      'effect',
      /own colours/,
    );
    refused(
      () => parseCommand({ effect: 'Aurora', on: false }),
      InvalidCommandError,
      'effect',
      /contradict/,
    );
  });

  it('features a model lacks', () => {
    refused(
      () => validateCommand(50, P100, 'P100'),
      UnsupportedFeatureError,
      'brightness',
      /this P100 has no brightness; it only switches on and off/,
    );
    refused(
      () => validateCommand('#ff0000', L510, 'L510'),
      UnsupportedFeatureError,
      'color',
      /this L510 has no colour.*dimmable white lamp/,
    );
    refused(
      () => validateCommand('#ff0000', P100, 'P100'),
      UnsupportedFeatureError,
      'color',
      /this P100 has no colour \(color\/hue\/saturation\); it only switches on and off/,
    );
    refused(
      () => validateCommand({ hue: 10 }, P100, 'P100'),
      UnsupportedFeatureError,
      'color',
      /only switches on and off/,
    );
    refused(
      () => validateCommand({ colorTemp: 2700 }, L900, 'L900'),
      UnsupportedFeatureError,
      'colorTemp',
      /this L900 cannot tune its white.*use color/,
    );
    refused(
      () => validateCommand({ colorTemp: 2700 }, L510, 'L510'),
      UnsupportedFeatureError,
      'colorTemp',
      /this L510 cannot tune its white \(colorTemp\)$/,
    );
    refused(
      () => validateCommand({ colorTemp: 9000 }, L530, 'L530'),
      InvalidCommandError,
      'colorTemp',
      /colorTemp must be between 2500 and 6500 K on this L530 \(got 9000\)/,
    );
    refused(
      () => validateCommand({ colorTemp: 2000 }, L530, 'L530'),
      InvalidCommandError,
      'colorTemp',
      /got 2000/,
    );
    refused(
      () => validateCommand({ transition: 500, on: true }, L530, 'L530'),
      UnsupportedFeatureError,
      'transition',
      /per-command transition/,
    );
    refused(
      () => validateCommand({ effect: 'Party' }, L510, 'L510'),
      UnsupportedFeatureError,
      'effect',
      /this L510 has no effects/,
    );
    refused(
      () => validateCommand({ effect: 'off' }, P100, 'P100'),
      UnsupportedFeatureError,
      'effect',
      /no effects/,
    );
    refused(
      () => validateCommand({ effect: 'Disco' }, L530, 'L530'),
      InvalidCommandError,
      'effect',
      /must be "off" or a built-in effect of this L530: Party, Relax \(got "Disco"\)/,
    );
    refused(
      () => validateCommand({ effect: 'Party' }, L900, 'L900'),
      InvalidCommandError,
      'effect',
      /of this L900: Aurora, Bubbling Cauldron, Candy Cane, .*, Sunset, Valentines \(got "Party"\)/,
    );
    refused(
      () => checkCommand({ hue: 1 }, { ...L510, colorTemp: { min: 2700, max: 6500 } }, ''),
      UnsupportedFeatureError,
      'color',
      /this device has no colour.*use colorTemp/,
    );
  });
});

describe('refusals quote a short, cut excerpt of the input, never all of it', () => {
  const long = `${'x'.repeat(39)}é${'y'.repeat(100_000)}`;
  // What a message may show of `long`: its first 40 characters, then "…".
  const excerpt = `"${'x'.repeat(39)}é"…`;
  const LIMIT = 400;

  function shortRefusal(run: () => unknown, property: string): string {
    let message = '';
    assert.throws(run, (error: unknown) => {
      assert.ok(error instanceof InvalidCommandError, String(error).slice(0, 200));
      assert.ok(error.property.length <= 41, `property of ${error.property.length} chars`);
      assert.ok(error.property.startsWith(property.slice(0, 40)), error.property.slice(0, 80));
      message = error.message;
      return true;
    });
    assert.ok(message.length < LIMIT, `a message of ${message.length} characters`);
    assert.ok(!message.includes('y'.repeat(10)), 'the cut-off part is not in the message');
    return message;
  }

  it('every place the grammar quotes a string', () => {
    for (const [payload, property] of [
      [long, 'payload'],
      [`#${long}`, 'color'],
      [{ color: long }, 'color'],
      [{ on: long }, 'on'],
      [{ brightness: long }, 'brightness'],
      [{ hue: long }, 'hue'],
      [{ saturation: long }, 'saturation'],
      [{ colorTemp: long }, 'colorTemp'],
      [{ transition: long }, 'transition'],
      [{ color: { h: long, s: 1, v: 1 } }, 'color.h'],
      [{ color: { r: long, g: long, b: long } }, 'color'],
      [{ [long]: 1 }, long],
    ] as const) {
      const message = shortRefusal(() => parseCommand(payload), property);
      if (property !== 'color' || typeof payload === 'object') assert.ok(message.includes('…'));
    }
    const message = shortRefusal(() => parseCommand(long), 'payload');
    assert.ok(message.includes(excerpt), message);
  });

  it('effect names checked against the device', () => {
    shortRefusal(() => validateCommand({ effect: long }, L530, 'L530'), 'effect');
  });

  it('a huge number is cut too', () => {
    const message = shortRefusal(() => parseCommand(-1e300), 'payload');
    assert.match(message, /got -1e\+300/);
  });

  it('connection settings given to the library', () => {
    shortRefusal(() => new LampClient({ host: ' '.repeat(100_000) }), 'host');
    shortRefusal(() => new LampClient({ host: 'h', port: long as unknown as number }), 'port');
    shortRefusal(
      () => new LampClient({ host: 'h', protocol: long as unknown as 'klap' }),
      'protocol',
    );
  });

  it('quoteInput: short values whole, long ones cut, never half a surrogate pair', () => {
    assert.equal(quoteInput('on'), '"on"');
    assert.equal(quoteInput('a'.repeat(40)), `"${'a'.repeat(40)}"`);
    assert.equal(quoteInput('a'.repeat(41)), `"${'a'.repeat(40)}"…`);
    assert.equal(quoteInput(`${'a'.repeat(39)}😀😀`), `"${'a'.repeat(39)}"…`);
    assert.equal(quoteInput(2.5), '2.5');
    assert.equal(quoteInput(Number.NaN), 'NaN');
    assert.equal(quoteInput(null), 'null');
    assert.equal(quoteInput(undefined), 'undefined');
    assert.equal(quoteInput([long]), 'an array');
    assert.equal(quoteInput({ long }), 'an object');
    assert.equal(quoteInput(Symbol('s')), 'symbol');
    assert.equal(quoteInput(10n ** 60n), `${'1'}${'0'.repeat(39)}…`);
  });
});
