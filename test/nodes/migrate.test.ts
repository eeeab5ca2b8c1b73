/**
 * klap-device settings versions: each migration step on its own, and flows saved by earlier
 * releases deployed unchanged against the emulator.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_VERSION, migrate, parsePort } from '../../src/nodes/klap-device/migrate';
import {
  controlNode,
  deploy,
  getNode,
  helperNode,
  hubOf,
  nextMessage,
  stateOf,
  useEmulator,
} from './support';

describe('klap-device settings migration', () => {
  it('0 → 1: a config saved before protocols existed keeps its port and gets auto', () => {
    assert.deepEqual(migrate({ host: ' 192.0.2.5 ', port: '80' }), {
      host: '192.0.2.5',
      port: 80,
      protocol: 'auto',
      version: CONFIG_VERSION,
    });
    assert.equal(migrate({ host: 'lamp', port: 8080 }).port, 8080);
    // A blank or missing port meant 80 then; it still does for those flows.
    assert.equal(migrate({ host: 'lamp', port: '' }).port, 80);
    assert.equal(migrate({ host: 'lamp' }).port, 80);
    // A version-0 config never had a protocol; whatever is there is ignored.
    assert.equal(migrate({ host: 'lamp', protocol: 'aes' }).protocol, 'auto');
  });

  it('version 1 is read as saved: blank port means the protocol default', () => {
    assert.deepEqual(migrate({ host: 'lamp', port: '', protocol: 'legacy', version: 1 }), {
      host: 'lamp',
      port: undefined,
      protocol: 'legacy',
      version: 1,
    });
    assert.equal(
      migrate({ host: 'lamp', port: '9999', protocol: 'klap', version: '1' }).port,
      9999,
    );
    // Values no release ever wrote fall back to the defaults instead of failing at deploy.
    assert.equal(migrate({ host: 'lamp', protocol: 'zigbee', version: 1 }).protocol, 'auto');
    assert.equal(migrate({ host: 7, version: 1 }).host, '');
    assert.equal(migrate({ host: 'lamp', version: -3 }).port, 80, 'a nonsense version is 0');
  });

  it('parsePort accepts 1–65535 only', () => {
    assert.equal(parsePort(' 443 '), 443);
    for (const bad of ['', '  ', null, undefined, 0, 65536, 1.5, 'eighty', '80x']) {
      assert.equal(parsePort(bad), undefined, String(bad));
    }
  });

  describe('saved flows deploy unchanged', () => {
    const emulator = useEmulator();

    it('a klap-device saved by 0.1.0 (host, port, timeout; no protocol, no version) works', async () => {
      const d = await emulator();
      // Exactly the properties 0.1.0 wrote.
      await deploy(d, [controlNode('ctl'), helperNode('out')], undefined, {
        port: String(d.port),
        timeout: '1',
      });
      const reply = nextMessage('out');
      getNode('ctl').receive({ payload: { on: true, brightness: 30 } });
      const state = stateOf(await reply);
      assert.equal(state.brightness, 30);
      assert.equal(d.device.info.brightness, 30);
      assert.equal(hubOf().link().protocol, 'KLAP');
    });
  });
});
