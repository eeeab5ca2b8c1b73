/**
 * Painting a light strip's segments through a real Node-RED runtime and an emulated L920 over
 * KLAP (docs/protocols/segments.md): two colours paint halves in the full-resolution form, a
 * colour afterwards ends the painting (read back), a flood of repaints costs few device
 * requests and ends on the last one, and a strip without segment control refuses by name with
 * nothing sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import type { EmulatedDevice } from '../../src/emulator';
import type { EmulatedSmartDevice } from '../../src/emulator/smart-device';
import {
  caughtError,
  collect,
  controlNode,
  deploy,
  getNode,
  helperNode,
  nextMessage,
  stateOf,
  until,
  useEmulator,
} from './support';

const RED = [0, 100, 100, 0];
const BLUE = [240, 100, 100, 0];
const ALL = Array.from({ length: 50 }, (_, i) => i);

const strip = (d: EmulatedDevice) => d.device as EmulatedSmartDevice;

/** Sends `payload` to lamp-control `ctl` and resolves with the state it answers. */
async function send(payload: unknown): Promise<NodeMessage> {
  const reply = nextMessage('out');
  getNode('ctl').receive({ payload } as NodeMessage);
  return reply;
}

describe('painting segments through the nodes', () => {
  const emulator = useEmulator();

  it('two colours over 50 segments paint halves; a colour afterwards ends the painting', async () => {
    const d = await emulator('L920');
    await deploy(d, [controlNode('ctl'), helperNode('out')]);
    const painted = stateOf(await send({ segments: ['#ff0000', '#0000ff'] }));
    assert.equal(painted.segments, 50, 'the count, read from the strip');
    assert.equal(painted.on, true);
    const rule = strip(d).segments?.saved as { segments: number[]; states: number[][] };
    assert.deepEqual(rule.segments, ALL, 'every segment listed once, in order');
    assert.deepEqual(rule.states, [...Array(25).fill(RED), ...Array(25).fill(BLUE)]);
    assert.deepEqual(strip(d).segments?.shown, rule.states, 'the strip shows it');

    const coloured = stateOf(await send('#00ff00'));
    assert.equal(coloured.color, '#00ff00');
    assert.equal(strip(d).segments?.shown, undefined, 'the painting is over');
    assert.equal((d.info.segment_effect as { enable: number }).enable, 0, 'as the strip reports');
  });

  it('a flood of 100 repaints in a second costs few requests and ends on the last one', async () => {
    const d = await emulator('L920');
    await deploy(d, [controlNode('ctl'), helperNode('out')]);
    await send({ segments: ['#ffffff'] });
    // A real strip takes about a tenth of a second per update (docs/protocols/segments.md §4).
    d.klap.faults.latencyMs = 100;
    const replies = collect('out');
    const before = d.klap.counters.requests;
    const saves = () => strip(d).counters.methods.apply_segment_effect_rule ?? 0;
    const savesBefore = saves();
    const control = getNode('ctl');
    for (let step = 0; step < 100; step++) {
      // A colour picker dragged from red towards blue: one end moves, the other stays.
      control.receive({
        payload: { segments: [{ h: step * 2, s: 100, v: 100 }, '#0000ff'] },
      } as NodeMessage);
      if (step % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await until(() => replies.length === 100, '100 replies', 20_000);
    const requests = d.klap.counters.requests - before;
    assert.ok(requests <= 25, `${requests} device requests for 100 repaints`);
    assert.ok(saves() - savesBefore <= requests, 'every save rode in a request');
    assert.ok(
      saves() - savesBefore < 10,
      `${saves() - savesBefore} saved rules, not one per repaint`,
    );
    const last = [198, 100, 100, 0];
    assert.deepEqual(strip(d).segments?.shown?.[0], last, 'the strip ends on the last one');
    assert.deepEqual(
      (strip(d).segments?.saved as { states: number[][] } | undefined)?.states[0],
      last,
      'saved',
    );
    assert.equal(strip(d).segments?.previewing, false);
    assert.ok(replies.every((m) => stateOf(m).segments === 50));
  });

  it('a strip without segment control refuses by name, sends nothing and goes on', async () => {
    const d = await emulator('L900');
    await deploy(d, [controlNode('ctl'), helperNode('out')]);
    await send(true);
    // Polls may read the strip meanwhile; nothing may write to it.
    const writes = () =>
      Object.entries(strip(d).counters.methods)
        .filter(([method]) => !method.startsWith('get_') && method !== 'component_nego')
        .map(([method, n]) => `${method} ${n}`)
        .join(', ');
    const before = writes();
    const caught = nextMessage('caught');
    getNode('ctl').receive({ payload: { segments: ['#ff0000', '#0000ff'] } } as NodeMessage);
    const error = caughtError(await caught);
    assert.match(error.message, /this L900 cannot paint segments.*use color/);
    assert.equal(writes(), before, 'nothing sent');
    assert.equal(stateOf(await send('#00ff00')).color, '#00ff00', 'the node goes on');
  });
});
