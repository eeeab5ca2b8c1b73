/**
 * klap-device: ${ENV} substitution, back-off on refused logins, redeploy and close, the probe
 * route for the editor's "Test connection" button.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import { startEmulator } from '../../src/emulator';
import {
  allNodes,
  baseFlow,
  caughtError,
  collect,
  controlNode,
  creds,
  deploy,
  getNode,
  helper,
  helperNode,
  hubOf,
  klapDevice,
  logged,
  nextMessage,
  PASS,
  sleep,
  stateOf,
  statuses,
  statusNode,
  TAB,
  USER,
  until,
  useEmulator,
} from './support';

const control = () => controlNode('ctl');
/** The status node `st` polling every `interval` seconds, wired to helper `sout`. */
const status = (interval: number) => statusNode('st', { interval, wires: [['sout']] });
/** "${NAME}", the way a user types an environment variable into a node property. */
const envRef = (name: string) => `\${${name}}`;

async function command(payload: unknown) {
  const answer = nextMessage('out');
  getNode('ctl').receive({ payload });
  return stateOf(await answer);
}

describe('klap-device', () => {
  const emulator = useEmulator();

  it('resolves environment variables written as $ {VAR} in host and credentials', async () => {
    const d = await emulator();
    process.env.LAMP_TEST_HOST = d.host;
    process.env.LAMP_TEST_USER = USER;
    process.env.LAMP_TEST_PASS = PASS;
    const flow = baseFlow(d, [control(), helperNode('out')], { host: envRef('LAMP_TEST_HOST') });
    await helper.load(allNodes, flow, {
      dev: { username: envRef('LAMP_TEST_USER'), password: envRef('LAMP_TEST_PASS') },
    });
    assert.equal((getNode('dev') as unknown as { host: string }).host, '127.0.0.1');
    const state = await command(true);
    assert.equal(state.on, true);
    assert.equal(d.klap.counters.handshakes, 1);
  });

  it('backs off after a refused login instead of hammering the device; logs once', async () => {
    const d = await emulator();
    await deploy(d, [status(0.05), helperNode('sout')], creds(USER, 'not-the-password'));
    const warns = logged('dev', 'warn');
    const sts = statuses('st');
    await until(() => sts.some((s) => s.text === 'klap-device.status.authFailed'), 'auth failed');
    assert.deepEqual(sts.at(-1), {
      fill: 'red',
      shape: 'ring',
      text: 'klap-device.status.authFailed',
    });
    const logins = d.klap.counters.handshake1;
    await sleep(300); // six poll periods
    assert.equal(d.klap.counters.handshake1, logins, 'no new login attempts within the back-off');
    assert.deepEqual(warns, ['klap-device.log.offline']);
  });

  it('shows 403 at login as Third-Party Compatibility disabled on every user', async () => {
    const d = await emulator();
    d.klap.faults.handshake1Status = 403;
    await deploy(d, [control(), helperNode('out'), status(0), helperNode('sout')]);
    const [a, b] = [statuses('ctl'), statuses('st')];
    for (const seen of [a, b]) {
      await until(() => seen.some((s) => s.text === 'klap-device.status.thirdParty'), '403 status');
    }
  });

  it('a host missing from the config gives a clear error, never a crash', async () => {
    const d = await emulator();
    await deploy(d, [control(), helperNode('out')], creds(), { host: '' });
    const caught = nextMessage('caught');
    getNode('ctl').receive({ payload: true });
    const err = caughtError(await caught);
    assert.equal(err.code, 'NO_HOST');
    assert.match(err.message, /klap-device\.errors\.noHost/);
  });

  it('redeploy closes the old session and its poller; the new config works', async () => {
    const d = await emulator();
    const flow = baseFlow(d, [status(0.05), helperNode('sout'), control(), helperNode('out')]);
    await helper.load(allNodes, flow, creds());
    const first = hubOf();
    await until(() => first.isOnline === true, 'connected');
    // Full redeploy with a changed config node (restarted: close with removed=false).
    const changed = flow.map((n) => (n.id === 'dev' ? { ...n, timeout: 2 } : n));
    await helper.setFlows(changed, 'full', creds());
    const second = hubOf();
    assert.notEqual(second, first);
    assert.equal(first.isClosed, true);
    assert.equal(first.idle, true, 'old poller stopped');
    assert.equal((await command(25)).brightness, 25);
    assert.equal(second.pollIntervalMs, 50);

    // Deleting the device and its users: close with removed=true.
    const onlyTab = changed.filter((n) => !['dev', 'st', 'ctl'].includes(n.id));
    await helper.setFlows(onlyTab, 'nodes', {});
    assert.equal(second.isClosed, true);
    assert.equal(second.idle, true);
  });

  it('"modified nodes" and "modified flows" deploys that leave the device alone keep its session', async () => {
    const d = await emulator();
    const flow = baseFlow(d, [status(0), helperNode('sout'), control(), helperNode('out')]);
    await helper.load(allNodes, flow, creds());
    const hub = hubOf();
    assert.equal((await command(30)).brightness, 30);
    const logins = d.klap.counters.handshakes;
    // The user renames the lamp-control node and deploys only what changed, then the flow.
    const renamed = flow.map((n) => (n.id === 'ctl' ? { ...n, name: 'renamed' } : n));
    await helper.setFlows(renamed, 'nodes', creds());
    assert.equal(hubOf(), hub, 'the same config node, hub and session');
    assert.equal((await command(40)).brightness, 40);
    const again = renamed.map((n) => (n.id === 'st' ? { ...n, name: 'watcher' } : n));
    await helper.setFlows(again, 'flows', creds());
    assert.equal(hubOf(), hub);
    assert.equal((await command(50)).brightness, 50);
    assert.equal(d.klap.counters.handshakes, logins, 'no new login');
    assert.equal(hub.isClosed, false);
  });

  it('close finishes quickly even with a request hanging on the device', async () => {
    const d = await emulator();
    await deploy(d, [status(0), helperNode('sout')], creds(), { timeout: 30 });
    const hub = hubOf();
    await until(() => hub.isOnline === true && hub.idle, 'connected');
    d.klap.faults.hang = true;
    getNode('st').receive({}); // stays in flight: the device never answers
    await sleep(50);
    await helper.unload(); // close(removed=false) must not wait for the 30 s timeout
    assert.equal(hub.isClosed, true);
  });

  it('the probe route tests a connection without leaking credentials', async () => {
    const d = await emulator();
    await deploy(d, [control(), helperNode('out')]);
    const post = (body: unknown) => helper.request().post('/lamp-control/probe').send(body);

    const ok = await post({ host: d.host, port: d.port, username: USER, password: PASS });
    assert.equal(ok.status, 200);
    const body = ok.body as Record<string, unknown>;
    assert.equal(body.ok, true);
    assert.equal(body.model, 'L530');
    assert.equal(body.alias, 'Living room lamp');
    assert.equal(body.type, 'bulb');
    assert.equal((body.capabilities as { color: boolean }).color, true);
    // Which protocol answered and which credentials matched: facts, never the secret.
    assert.equal(body.protocol, 'KLAP');
    assert.equal(body.variant, 'KLAP 2 (SHA)');
    assert.equal(body.credentials, 'account');
    assert.equal(typeof body.firmware, 'string');
    assert.ok(!ok.text.includes(PASS));

    const wrong = await post({ host: d.host, port: d.port, username: USER, password: 'nope-nope' });
    assert.equal(wrong.status, 200);
    assert.equal((wrong.body as { ok: boolean }).ok, false);
    assert.equal((wrong.body as { code: string }).code, 'AUTH_FAILED');
    // The diagnosis: the host answered; no discovery answer here, so the account is unknown.
    const diagnosis = wrong.body as { sentence: string; hostAnswered: boolean; owner: string };
    assert.deepEqual([diagnosis.hostAnswered, diagnosis.owner], [true, 'unknown']);
    assert.match(diagnosis.sentence, /case-sensitive/);
    assert.ok(!wrong.text.includes('nope-nope'));

    // Unchanged password in the editor: Node-RED sends __PWRD__; use the deployed node's.
    const placeholder = await post({
      id: 'dev',
      host: d.host,
      port: String(d.port),
      username: USER,
      password: '__PWRD__',
    });
    assert.equal((placeholder.body as { ok: boolean }).ok, true);
    assert.ok(!placeholder.text.includes(PASS));
    const missing = await post({ id: 'dev', host: d.host, port: d.port, timeout: 2 });
    assert.equal((missing.body as { ok: boolean }).ok, true);
    // __PWRD__ without a deployed node has no password to fall back to.
    const unknown = await post({ id: 'nope', host: d.host, port: d.port, password: '__PWRD__' });
    assert.equal((unknown.body as { ok: boolean }).ok, false);

    for (const bad of [
      {},
      { host: '' },
      { host: 5 },
      { host: d.host, port: 70000 },
      { host: d.host, protocol: 'zigbee' },
      [],
    ]) {
      const res = await post(bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal((res.body as { ok: boolean }).ok, false);
    }

    await d.unplug();
    const down = await post({
      host: d.host,
      port: d.port,
      username: USER,
      password: PASS,
      timeout: 1,
    });
    assert.equal((down.body as { ok: boolean }).ok, false);
    assert.ok(['UNREACHABLE', 'TIMEOUT'].includes((down.body as { code: string }).code));
  });

  it('the probe diagnoses a refused login from the account the device announces', async () => {
    // A device bound to another account, answering discovery where the settings say.
    const d = await startEmulator({
      model: 'L530',
      port: 0,
      username: 'someone.else@example.com',
      password: PASS,
      discoveryPort: 0,
    });
    try {
      helper.settings({ lampControlDiscoveryPort: d.discoveryPort });
      await helper.load(allNodes, [{ id: TAB, type: 'tab' }], {});
      const post = (body: unknown) => helper.request().post('/lamp-control/probe').send(body);
      const other = await post({ host: d.host, port: d.port, username: USER, password: PASS });
      const body = other.body as { ok: boolean; code: string; owner: string; sentence: string };
      assert.deepEqual([body.ok, body.code, body.owner], [false, 'AUTH_FAILED', 'other']);
      assert.match(body.sentence, /bound to a different TP-Link account/);
      assert.ok(!other.text.includes(PASS));
    } finally {
      helper.settings({});
      await d.close();
    }
  });

  it("the probe uses the deployed node's session when it tests that node's own settings", async () => {
    const d = await emulator();
    await deploy(d, [control(), helperNode('out')]);
    const hub = hubOf();
    await until(() => hub.isOnline === true && hub.idle, 'connected');
    assert.equal(d.klap.counters.handshakes, 1);
    const post = (body: unknown) => helper.request().post('/lamp-control/probe').send(body);
    const reads = d.klap.counters.requests;

    // Unchanged settings (the editor sends __PWRD__ for an unchanged password, or nothing).
    for (const body of [
      { id: 'dev', host: d.host, port: String(d.port), username: USER, password: '__PWRD__' },
      { id: 'dev', host: d.host, port: d.port },
    ]) {
      const res = await post(body);
      const answer = res.body as Record<string, unknown>;
      assert.equal(answer.ok, true, JSON.stringify(answer));
      assert.equal(answer.model, 'L530');
      assert.equal(answer.alias, 'Living room lamp');
      assert.equal((answer.capabilities as { color: boolean }).color, true);
      assert.ok(!res.text.includes(PASS));
    }
    assert.equal(d.klap.counters.handshakes, 1, 'no second session: the deployed one was used');
    assert.ok(d.klap.counters.requests >= reads + 2, 'a fresh read for each probe');
    assert.equal((await command(20)).brightness, 20);
    assert.equal(d.klap.counters.handshakes, 1, 'the deployed session still works');

    // Different settings than the deployed node's: a throwaway client of their own.
    const typed = await post({
      id: 'dev',
      host: d.host,
      port: d.port,
      username: USER,
      password: PASS,
    });
    assert.equal((typed.body as { ok: boolean }).ok, true);
    assert.equal(d.klap.counters.handshakes, 2, 'a typed password is tested on its own');
    const other = await post({ id: 'dev', host: d.host, port: d.port, username: 'x@example.com' });
    assert.equal((other.body as { code: string }).code, 'AUTH_FAILED');
    assert.ok(!other.text.includes(PASS));
  });

  it('registers the probe and discover routes once per admin app', () => {
    const posts: string[] = [];
    const fakeRed = {
      _: (key: string) => key,
      nodes: { registerType: () => undefined },
      auth: { needsPermission: () => () => undefined },
      httpAdmin: { post: (path: string) => posts.push(path) },
    };
    klapDevice(fakeRed);
    klapDevice(fakeRed);
    assert.deepEqual(posts, ['/lamp-control/probe', '/lamp-control/discover']);
  });

  it('status fan-out reaches action and status nodes of the device', async () => {
    const d = await emulator();
    await deploy(d, [control(), helperNode('out'), status(0), helperNode('sout')]);
    const sout = collect('sout');
    const [a, b] = [statuses('ctl'), statuses('st')];
    await until(() => sout.length === 1, 'first state');
    await command(false);
    for (const seen of [a, b]) {
      await until(() => seen.at(-1)?.text === 'klap-device.status.off', 'off on every node');
    }
    const msg = sout.at(-1) as NodeMessage;
    assert.equal(stateOf(msg).on, false);
  });
});
