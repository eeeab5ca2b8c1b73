// How long a moved device takes to be followed (issue #17): from the first request that fails
// at the old address to the first command that works at the new one, at the default settings
// (5 s step timeout, a search by MAC ending when the device answers, else after 3 s). The
// device moves from 127.0.0.2 to 127.0.0.3 (loopback); discovery asks those two addresses only.
// Self-contained: bench.mjs calls followMove() once.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { LampClient } = require('../../dist/index.js');
const { startEmulator } = require('../../dist/emulator/index.js');
const { DeviceHub } = require('../../dist/nodes/shared/device-hub.js');
const { findByMac } = require('../../dist/transport/find-by-mac.js');

const credentials = { username: 'bench@example.com', password: 'bench-password' };
const OLD = '127.0.0.2';
const NEW = '127.0.0.3';

/** A config node's hub at `host`, searching `udp` on both loopback addresses for the MAC. */
function hubAt(device, host) {
  const legacy = device.protocol === 'legacy';
  const udp = device.discoveryPort;
  return new DeviceHub({
    host,
    port: device.port,
    protocol: device.protocol,
    timeoutMs: 5000,
    ...(legacy ? {} : credentials),
    t: (key) => key,
    warn: () => undefined,
    log: () => undefined,
    // As the config node does: wake-up probes go to the discovery port of the settings.
    createClient: (options) => new LampClient({ ...options, discoveryPort: udp }),
    findByMac: (mac) =>
      findByMac(mac, { targets: [OLD, NEW], port: udp, legacyPort: legacy ? udp : null }),
  });
}

/** Milliseconds from the move to the first command that works, `runs` times. */
async function measure(options, runs) {
  const device = await startEmulator({ ...options, host: OLD, discoveryPort: 0, ...credentials });
  const samples = [];
  try {
    for (let i = 0; i < runs; i++) {
      const hub = hubAt(device, device.host);
      await hub.command({ on: true }); // connected, MAC learned
      await device.moveTo(device.host === OLD ? NEW : OLD);
      const start = performance.now();
      for (;;) {
        try {
          await hub.command({ brightness: 10 + i });
          break;
        } catch {
          // a failed request; the next one may find the device (a search runs once a minute)
        }
      }
      samples.push(performance.now() - start);
      await hub.close();
    }
  } finally {
    await device.close();
  }
  return samples.sort((a, b) => a - b);
}

export async function followMove() {
  console.log('\nfollowing a moved device (127.0.0.2 → 127.0.0.3, default settings)');
  console.log('protocol     first failed request → first working command   p50 / max (n=5)');
  for (const [name, options] of [
    ['KLAP', { model: 'L530', protocol: 'klap' }],
    ['AES', { model: 'L530', protocol: 'aes' }],
    ['TPAP', { model: 'L530', protocol: 'tpap' }],
    ['legacy XOR', { model: 'KL130', protocol: 'legacy' }],
  ]) {
    const samples = await measure(options, 5);
    const p50 = samples[Math.floor(samples.length / 2)];
    console.log(
      `${name.padEnd(12)} ${p50.toFixed(1).padStart(8)} ms / ${samples.at(-1).toFixed(1)} ms`,
    );
  }
  console.log(
    '(the old address refuses at once on loopback; on a LAN a silent address first costs the 5 s timeout)',
  );
}
