/**
 * The `lamp-control` CLI with a hub, run as a process against the emulated H100 on 127.0.0.1:
 * a child's state and a command to it (--child), and `events` printing each event as it comes
 * (one JSON line each with --json), none from before it started.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../src/cli/lamp-control';
import type { HubEvent } from '../../src/device/hub/event-reader';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';

import { cliRunner } from './cli-runner';

const USER = 'cli-hub@example.com';
const PASS = 'Cli-Hub-Secret-9';
const start = cliRunner(USER, PASS);

describe('lamp-control CLI with a hub', () => {
  let hub: EmulatedDevice;
  let address: string[];
  before(async () => {
    hub = await startEmulator({
      model: 'H100',
      children: ['S200B', 'S200D', 'T110', 'S220'],
      username: USER,
      password: PASS,
    });
    address = ['--host', hub.host, '--port', String(hub.port)];
  });
  after(async () => {
    await hub.close();
  });

  it('parses --child, --interval and --count, and refuses them where they do not apply', () => {
    assert.equal(parseArgs(['state', '--host', 'h', '--child', 'Button']).child, 'Button');
    const events = parseArgs(['events', '--host', 'h', '--interval', '0.5', '--count', '3']);
    assert.deepEqual([events.intervalSeconds, events.count], [0.5, 3]);
    for (const bad of [
      ['diagnose', '--host', 'h', '--child', 'x'],
      ['state', '--host', 'h', '--child', 'x', '--outlet', '1'],
      ['events', '--host', 'h', '--interval', '0.1'],
      ['events', '--host', 'h', '--count', '0'],
      ['state', '--host', 'h', '--count', '2'],
    ]) {
      assert.throws(() => parseArgs(bad), UsageError, bad.join(' '));
    }
  });

  it('events --help says what it prints and its options', async () => {
    const help = start(['events', '--help']);
    assert.equal(await help.done, 0);
    assert.match(help.stdout(), /Usage: lamp-control events --host H/);
    assert.match(help.stdout(), /--child NAME +only this child's events/);
    assert.match(help.stdout(), /--json +print one JSON line per event/);
    const main = start(['--help']);
    assert.equal(await main.done, 0);
    assert.match(main.stdout(), /events +print the events of a hub's children/);
  });

  it("state --child prints one child's state; set --child switches a wall switch", async () => {
    const state = start(['state', ...address, '--child', 'button', '--json']);
    assert.equal(await state.done, 0, state.stderr());
    const button = JSON.parse(state.stdout());
    assert.deepEqual([button.alias, button.model, button.kind], ['Button', 'S200B', 'button']);
    assert.equal(button.parent, 'Hub');

    const set = start(['set', ...address, '--child', 'Light switch', 'on']);
    assert.equal(await set.done, 0, set.stderr());
    assert.match(set.stdout(), /^on +true$/m);
    assert.equal(
      (hub.hub.child('Light switch').snapshot() as { device_on: boolean }).device_on,
      true,
    );

    const refused = start(['set', ...address, '--child', 'Dial', 'on']);
    assert.equal(await refused.done, 1);
    assert.match(refused.stderr(), /UNSUPPORTED: this S200D \(dial "Dial"\) has no on/);
    const unknown = start(['state', ...address, '--child', 'Garage']);
    assert.equal(await unknown.done, 1);
    assert.match(unknown.stderr(), /no child "Garage"; it has "Button" \(S200B\)/);
  });

  it('events --json prints one line per event as it comes, none from before', async () => {
    hub.hub.press('Button', 'doubleClick'); // before it starts: never printed
    const events = start(['events', ...address, '--json', '--interval', '0.5', '--count', '3']);
    await events.saw('listening');
    hub.hub.press('Button');
    hub.hub.rotate('Dial', -90);
    hub.hub.contact('Contact sensor', true);
    assert.equal(await events.done, 0, events.stderr());
    const lines = events.stdout().trim().split('\n');
    assert.equal(lines.length, 3);
    const parsed = lines.map((line) => JSON.parse(line) as HubEvent);
    assert.deepEqual(
      parsed.map((e) => [e.child.alias, e.name]),
      [
        ['Button', 'singleClick'],
        ['Dial', 'rotation'],
        ['Contact sensor', 'open'],
      ],
    );
    assert.equal(parsed[1]?.degrees, -90);
  });

  it('events without --json prints a readable line per event; only --child', async () => {
    const events = start(['events', ...address, '--child', 'light switch', '--count', '1']);
    await events.saw('listening');
    hub.hub.press('Button');
    hub.hub.toggleSwitch('Light switch');
    assert.equal(await events.done, 0, events.stderr());
    assert.match(
      events.stdout(),
      /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}Light switch \(S220\) {2}singleClick -> (on|off)\n$/,
    );
  });
});
