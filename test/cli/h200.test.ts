/**
 * The `lamp-control` CLI against an emulated H200 over sslaes (HTTPS on 127.0.0.1): state,
 * set --child, the siren, events from the child list and from logs, and diagnose.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HubEvent } from '../../src/device/hub/event-reader';
import { type EmulatedH200, startH200 } from '../../src/emulator/h200';
import { cliRunner } from './cli-runner';

const USER = 'cli-h200@example.com';
const PASS = 'Cli-H200-Secret-7';
const start = cliRunner(USER, PASS);

describe('lamp-control CLI with an H200', () => {
  let hub: EmulatedH200;
  let address: string[];
  before(async () => {
    hub = await startH200({
      username: USER,
      password: PASS,
      children: ['S200B', 'T110', 'S220', 'D230'],
      logButtons: true,
    });
    address = ['--host', hub.host, '--port', String(hub.port), '--protocol', 'sslaes'];
  });
  after(async () => {
    await hub.close();
  });

  it('state lists the hub and its children; set switches a child and sounds the siren', async () => {
    const state = start(['state', ...address, '--json']);
    assert.equal(await state.done, 0, state.stderr());
    const hubState = JSON.parse(state.stdout());
    assert.equal(hubState.model, 'H200');
    assert.deepEqual(
      hubState.children.map((c: { kind: string }) => c.kind),
      ['button', 'contact', 'switch', 'camera'],
    );
    const set = start(['set', ...address, '--child', 'Light switch', 'on']);
    assert.equal(await set.done, 0, set.stderr());
    assert.match(set.stdout(), /^on +true$/m);
    const siren = start(['set', ...address, '{"alarm":{"sound":"Alarm 1","duration":5}}']);
    assert.equal(await siren.done, 0, siren.stderr());
    assert.match(siren.stdout(), /^alarm +true$/m);
    assert.equal(hub.device.sirenOn, true);
    const refused = start(['set', ...address, '--child', 'Doorbell', 'on']);
    assert.equal(await refused.done, 1);
    assert.match(refused.stderr(), /D230 \(camera "Doorbell"\) has no on/);
  });

  it('events prints presses from the logs and contact changes, each once', async () => {
    const events = start(['events', ...address, '--json', '--interval', '0.5', '--count', '3']);
    await events.saw('listening');
    hub.hub.press('Button');
    hub.hub.setUnloggedKinds(['contact']);
    hub.hub.contact('Contact sensor', true);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    hub.hub.setUnloggedKinds([]);
    hub.hub.contact('Contact sensor', false);
    assert.equal(await events.done, 0, events.stderr());
    const parsed = events
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as HubEvent);
    assert.deepEqual(
      parsed.map((e) => [e.child.alias, e.name, e.source]),
      [
        ['Button', 'singleClick', 'log'],
        ['Contact sensor', 'open', 'state'],
        ['Contact sensor', 'close', 'log'],
      ],
    );
  });

  it('diagnose says the H200 answered over sslaes', async () => {
    const diagnose = start(['diagnose', ...address]);
    assert.equal(await diagnose.done, 0, diagnose.stderr());
    assert.match(diagnose.stdout(), /H200 .* answered over SSLAES/);
  });
});
