/**
 * The emulated TPAP device: every SMART model speaks it, its discovery announces the port-80
 * variant, and its wire refuses what real firmware refuses.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import { createModel, MODEL_NAMES, startEmulator } from '../../src/emulator';

const USER = 'tpap@example.com';
const PASS = 'Tpap pass 1';

function post(
  port: number,
  path: string,
  body: string | Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('emulated TPAP device', () => {
  const smart = MODEL_NAMES.filter((name) => createModel(name).dialect === 'smart');

  it(`every SMART model speaks TPAP (${smart.join(', ')})`, async () => {
    assert.ok(smart.length >= 5);
    for (const model of smart) {
      const device = await startEmulator({
        model,
        protocol: 'tpap',
        username: USER,
        password: PASS,
      });
      try {
        assert.equal(device.protocol, 'tpap');
        assert.equal(device.server, device.tpap);
        assert.throws(() => device.klap, /speaks tpap, not KLAP/);
        const lamp = await connect({
          host: '127.0.0.1',
          port: device.port,
          protocol: 'tpap',
          username: USER,
          password: PASS,
        });
        try {
          const state = await lamp.getState();
          assert.equal(state.model, device.info.model, model);
          assert.equal(lamp.encryption, 'TPAP');
        } finally {
          await lamp.close();
        }
        assert.equal(device.tpap.counters.handshakes, 1, model);
      } finally {
        await device.close();
      }
    }
  });

  it('the login calls refuse what is not a TPAP login, and unknown sessions get plain JSON', async () => {
    const device = await startEmulator({
      model: 'P110',
      protocol: 'tpap',
      username: USER,
      password: PASS,
    });
    try {
      const cases: [string, string, number][] = [
        ['/', 'not json', -1003],
        ['/', '{"method":"get_device_info"}', -1002],
        ['/', '{"method":"login","params":{"sub_method":"dance"}}', -1002],
        ['/', '{"method":"login","params":{"sub_method":"pake_register"}}', -1003],
        // A share without a registration before it.
        ['/', '{"method":"login","params":{"sub_method":"pake_share"}}', -40401],
        ['/stok=0123/ds', 'sealed?', -40401],
      ];
      for (const [path, body, code] of cases) {
        const reply = await post(device.port, path, body);
        assert.equal(reply.status, 200, body);
        assert.equal(JSON.parse(reply.body).error_code, code, body);
      }
      assert.equal((await post(device.port, '/app', '{}')).status, 404);
      assert.equal((await post(device.port, '/app/handshake1', Buffer.alloc(16))).status, 403);
    } finally {
      await device.close();
    }
  });

  it('a share with a point off the curve is refused; the registration is used up', async () => {
    const device = await startEmulator({
      model: 'P110',
      protocol: 'tpap',
      username: USER,
      password: PASS,
    });
    try {
      const register = {
        method: 'login',
        params: {
          sub_method: 'pake_register',
          username: '21232f297a57a5a743894a0e4a801fc3',
          user_random: Buffer.alloc(32, 1).toString('base64'),
          cipher_suites: [1],
          encryption: ['aes_128_ccm'],
          passcode_type: 'userpw',
          stok: null,
        },
      };
      const registered = JSON.parse((await post(device.port, '/', JSON.stringify(register))).body);
      assert.equal(registered.error_code, 0);
      assert.equal(registered.result.cipher_suites, 1);
      const share = {
        method: 'login',
        params: {
          sub_method: 'pake_share',
          user_share: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64'),
          user_confirm: Buffer.alloc(32).toString('base64'),
        },
      };
      assert.equal(
        JSON.parse((await post(device.port, '/', JSON.stringify(share))).body).error_code,
        -1003,
      );
      assert.equal(
        JSON.parse((await post(device.port, '/', JSON.stringify(share))).body).error_code,
        -40401,
      );
    } finally {
      await device.close();
    }
  });
});
