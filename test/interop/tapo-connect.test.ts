// The emulator must be faithful enough for a client we did not write: tp-link-tapo-connect, an
// independent KLAP v2 client from npm, logs in to it, reads it and switches it. Its URLs are
// "http://" + deviceIp + "/app/...", so "127.0.0.1:<port>" keeps it on loopback.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';

// axios (inside tp-link-tapo-connect) honours proxy variables; loopback must never be proxied.
for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY']) {
  delete process.env[name];
}

interface TapoConnectDevice {
  turnOn(): Promise<void>;
  turnOff(): Promise<void>;
  setBrightness(level: number): Promise<void>;
  setHSL(hue: number, saturation: number, lightness: number): Promise<void>;
  getDeviceInfo(): Promise<Record<string, unknown>>;
}
const { loginDeviceByIp } = require('tp-link-tapo-connect/dist/klap-transport') as {
  loginDeviceByIp(email: string, password: string, ip: string): Promise<TapoConnectDevice>;
};

const email = 'interop@example.com';
const password = 'Interop-Secret-1';
let bulb: EmulatedDevice;

before(async () => {
  bulb = await startEmulator({ model: 'L530', username: email, password, alias: 'Desk lamp' });
});
after(async () => {
  await bulb.close();
});

test('tp-link-tapo-connect logs in over KLAP v2 and reads the device info', async () => {
  const device = await loginDeviceByIp(email, password, `127.0.0.1:${bulb.port}`);
  const info = await device.getDeviceInfo();
  assert.equal(info.model, 'L530');
  assert.equal(info.type, 'SMART.TAPOBULB');
  // tp-link-tapo-connect decodes the base64 nickname itself: proof our encoding is the real one.
  assert.equal(info.nickname, 'Desk lamp');
  assert.equal(bulb.klap.counters.handshakes, 1);
});

test('tp-link-tapo-connect switches and dims the emulated bulb', async () => {
  const device = await loginDeviceByIp(email, password, `127.0.0.1:${bulb.port}`);
  await device.turnOff();
  assert.equal((await device.getDeviceInfo()).device_on, false);
  await device.turnOn();
  await device.setBrightness(35);
  const info = await device.getDeviceInfo();
  assert.equal(info.device_on, true);
  assert.equal(info.brightness, 35);
});

test('tp-link-tapo-connect sets a colour (hue/saturation with color_temp 0)', async () => {
  const device = await loginDeviceByIp(email, password, `127.0.0.1:${bulb.port}`);
  await device.setHSL(240, 100, 50);
  const info = await device.getDeviceInfo();
  assert.equal(info.hue, 240);
  assert.equal(info.saturation, 100);
  assert.equal(info.brightness, 50);
  assert.equal(info.color_temp, 0);
});

test('tp-link-tapo-connect is refused with the wrong password', async () => {
  await assert.rejects(loginDeviceByIp(email, 'interop-secret-1', `127.0.0.1:${bulb.port}`));
});
