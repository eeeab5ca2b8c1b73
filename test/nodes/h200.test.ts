/**
 * The H200 through a real Node-RED, over sslaes (HTTPS) on loopback: Test connection names the
 * hub, its devices, the certificate's fingerprint and that button presses cannot be read; a
 * child switches through lamp-control; the siren sounds; lamp-event hands out each contact,
 * motion and leak change exactly once (from the log where the hub logs it, from the child list
 * where it does not), and nothing old after a "modified nodes" redeploy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import { type EmulatedH200, startH200 } from '../../src/emulator/h200';
import type { H200ChildOption } from '../../src/emulator/smartcam-hub';
import {
  allNodes,
  baseFlow,
  collect,
  controlNode,
  creds,
  eventNode,
  eventOf,
  type FlowNode,
  helper,
  helperNode,
  listening,
  PASS,
  sleep,
  statuses,
  USER,
  until,
  useStarter,
} from './support';

const SSLAES = { protocol: 'sslaes', version: 1, timeout: 5 };

const names = (msgs: NodeMessage[]) =>
  msgs.map((m) => `${m.topic}:${m.payload}:${eventOf(m).source}`);

describe('H200 in Node-RED (sslaes)', () => {
  const start = useStarter((children: H200ChildOption[]) =>
    startH200({ username: USER, password: PASS, children }),
  );
  const load = (d: EmulatedH200, nodes: FlowNode[]) =>
    helper.load(allNodes, baseFlow(d, nodes, SSLAES), creds());

  it('Test connection: "Tapo hub H200, N devices paired", the certificate fingerprint, and that presses cannot be read', async () => {
    const d = await start(['S200B', 'T110', 'T315', 'D230']);
    await load(d, []);
    const post = (body: unknown) => helper.request().post('/lamp-control/probe').send(body);
    const answer = await post({
      host: d.host,
      port: d.port,
      protocol: 'sslaes',
      username: USER,
      password: PASS,
    });
    const body = answer.body as Record<string, unknown>;
    assert.equal(body.ok, true, answer.text);
    assert.equal(body.model, 'H200');
    assert.equal(body.type, 'hub');
    assert.equal(body.protocol, 'SSLAES');
    assert.equal((body.children as unknown[]).length, 4);
    assert.equal(body.certificateFingerprint, d.server.certificateFingerprint);
    assert.match(String(body.certificateFingerprint), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(body.buttonsUnreadable, true);
    assert.ok(!answer.text.includes(PASS));
    // Without buttons there is nothing to warn about.
    const quiet = await start(['T110']);
    const other = await post({
      host: quiet.host,
      port: quiet.port,
      protocol: 'sslaes',
      username: USER,
      password: PASS,
    });
    assert.equal((other.body as Record<string, unknown>).buttonsUnreadable, undefined);
  });

  it('switches a child and sounds the siren through lamp-control', async () => {
    const d = await start(['S220', 'T110']);
    await load(d, [
      controlNode('ctl', { child: 'Light switch' }),
      controlNode('hub', { wires: [['out2']] }),
      helperNode('out'),
      helperNode('out2'),
    ]);
    const out = collect('out');
    const out2 = collect('out2');
    (helper.getNode('ctl') as unknown as { receive(m: unknown): void }).receive({
      payload: 'toggle',
    });
    await until(() => out.length === 1, 'switched');
    assert.equal((out[0]?.payload as { on?: boolean } | undefined)?.on, true);
    assert.equal(d.hub.children[0]?.info.device_on, true);
    (helper.getNode('hub') as unknown as { receive(m: unknown): void }).receive({
      payload: { alarm: true },
    });
    await until(() => out2.length === 1, 'siren');
    assert.equal((out2[0]?.payload as { alarm?: boolean } | undefined)?.alarm, true);
    assert.equal(d.device.sirenOn, true);
  });

  it('hands out each contact, motion and leak change once, with and without a matching log entry', async () => {
    const d = await start(['T110', 'T100', 'T300', 'S200B']);
    await load(d, [eventNode('ev'), helperNode('out')]);
    const rings = statuses('ev');
    const out = collect('out');
    await listening('ev', rings);
    // Logged (the sensors log by default): the log's entry, once.
    d.hub.contact('Contact sensor', true);
    d.hub.motion('Motion sensor');
    await until(() => out.length >= 2, 'logged changes');
    await sleep(1100);
    // Not logged (as an H200 that keeps logs empty): from the child list, once.
    d.hub.setUnloggedKinds(['button', 'dial', 'contact', 'leak']);
    d.hub.contact('Contact sensor', false);
    d.hub.leak('Leak sensor', true);
    d.hub.press('Button');
    await until(() => out.length >= 4, 'listed changes');
    await sleep(1100);
    assert.deepEqual(names(out), [
      'Contact sensor:open:log',
      'Motion sensor:motion:log',
      'Contact sensor:close:state',
      'Leak sensor:waterLeak:state',
    ]);
  });

  it('replays nothing after a "modified nodes" redeploy', async () => {
    const d = await start(['T110']);
    d.hub.setUnloggedKinds(['contact']);
    const flow = (name: string) =>
      baseFlow(d, [eventNode('ev', { name }), helperNode('out')], SSLAES);
    await helper.load(allNodes, flow('a'), creds());
    const rings = statuses('ev');
    let out = collect('out');
    await listening('ev', rings);
    d.hub.contact(1, true);
    await until(() => out.length === 1, 'open');
    const seen = [...out];
    await helper.setFlows(flow('b'), 'nodes', creds());
    out = collect('out');
    await sleep(1500);
    assert.deepEqual(out, [], 'nothing again');
    d.hub.contact(1, false);
    await until(() => out.length === 1, 'close');
    await sleep(1100);
    assert.deepEqual(names([...seen, ...out]), [
      'Contact sensor:open:state',
      'Contact sensor:close:state',
    ]);
  });
});
