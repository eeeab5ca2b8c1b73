/**
 * DeviceHub following a moved device, with scripted clients: the orders of events a flow test
 * cannot time (work queued on a client that a move retires), the search rate, the translated
 * log line, a host given as a MAC that is not found.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectOptions } from '../../src/device/client';
import type { LampState } from '../../src/device/types';
import { DeviceHub, type HubClient } from '../../src/nodes/shared/device-hub';
import type { DiscoveredDevice } from '../../src/transport/discovery';
import { UnreachableError } from '../../src/transport/errors';

const MAC = '5C:E9:31:AA:BB:0C';
const STATE: LampState = { on: true, online: true, model: 'L530', alias: 'Desk', type: 'bulb' };

/**
 * At a `gone` address the first command fails UNREACHABLE and later ones wait for close()
 * (every one fails when `off`, a device not found anywhere).
 */
class MovedClient implements HubClient {
  readonly identity = { mac: MAC, deviceId: 'id' };
  private waiting: ((error: unknown) => void)[] = [];
  private calls = 0;
  closed = false;
  constructor(
    readonly host: string,
    private readonly gone: boolean,
    private readonly off = false,
  ) {}
  setState(): Promise<LampState> {
    this.calls++;
    if (!this.gone) return Promise.resolve({ ...STATE, alias: this.host });
    if (this.calls === 1 || this.off)
      return Promise.reject(new UnreachableError(this.host, 'refused'));
    return new Promise((_resolve, reject) => this.waiting.push(reject));
  }
  getState(): Promise<LampState> {
    return this.setState();
  }
  // Not used by these tests: whatever the hub would ask of a device, the commands decide.
  readonly request = (): Promise<unknown> => this.setState();
  readonly energyHistory = (): Promise<never[]> => this.setState().then(() => []);
  readonly capabilities = (): Promise<never> => Promise.reject(new Error('not used'));
  close(): Promise<void> {
    this.closed = true;
    for (const reject of this.waiting.splice(0)) {
      reject(Object.assign(new Error('closed'), { code: 'CLOSED' }));
    }
    return Promise.resolve();
  }
}

function found(host: string): DiscoveredDevice {
  return { host, port: 80, mac: MAC.replace(/:/g, '-') } as DiscoveredDevice;
}

function hub(options: {
  host: string;
  clients: MovedClient[];
  find: (mac: string) => Promise<DiscoveredDevice | null>;
  warned?: string[];
  off?: boolean;
}): DeviceHub {
  return new DeviceHub({
    host: options.host,
    port: 80,
    timeoutMs: 1000,
    mac: MAC,
    t: (key, vars) => `${key} ${JSON.stringify(vars ?? {})}`,
    warn: (text) => options.warned?.push(text),
    log: () => undefined,
    findByMac: options.find,
    createClient: (connect: ConnectOptions) => {
      assert.equal(connect.mac, MAC, 'every client is told which device it must be');
      const client = new MovedClient(connect.host, connect.host === '192.0.2.23', options.off);
      options.clients.push(client);
      return client;
    },
  });
}

describe('DeviceHub following a moved device', () => {
  it('work queued on the client a move retires goes on at the new address, moved once', async () => {
    const clients: MovedClient[] = [];
    const warned: string[] = [];
    let searches = 0;
    const h = hub({
      host: '192.0.2.23',
      clients,
      warned,
      find: async () => {
        searches++;
        return found('192.0.2.57');
      },
    });
    const results = await Promise.all([h.command({ on: true }), h.command({ on: false })]);
    assert.deepEqual(
      results.map((s) => s.alias),
      ['192.0.2.57', '192.0.2.57'],
    );
    assert.equal(h.host, '192.0.2.57');
    assert.equal(searches, 1);
    assert.ok(clients[0]?.closed, 'the old session is closed');
    assert.deepEqual(warned, ['klap-device.log.moved {"from":"192.0.2.23","to":"192.0.2.57"}']);
    await h.close();
  });

  it('searches at most once a minute while the device is missing', async () => {
    const clients: MovedClient[] = [];
    let searches = 0;
    const h = hub({
      host: '192.0.2.23',
      clients,
      off: true,
      find: async () => {
        searches++;
        return null;
      },
    });
    for (let i = 0; i < 3; i++) {
      await assert.rejects(h.command({ on: true }), { code: 'UNREACHABLE' });
    }
    assert.equal(searches, 1);
    await h.close();
  });

  it('a hub given as a MAC reads its events at the address found, not at the MAC', async () => {
    const made: string[] = [];
    const read: string[] = [];
    const h = new DeviceHub({
      host: MAC.toLowerCase(),
      port: 80,
      timeoutMs: 1000,
      t: (key) => key,
      warn: () => undefined,
      log: () => undefined,
      findByMac: async () => found('127.0.0.57'),
      createClient: (connect: ConnectOptions) => {
        made.push(connect.host);
        const client = new MovedClient(connect.host, false);
        return Object.assign(client, {
          events: () => ({
            read: async () => {
              read.push(connect.host);
              return [];
            },
          }),
        });
      },
    });
    const statuses: string[] = [];
    h.events.register({
      id: 'ev',
      interval: 1,
      deliver: () => undefined,
      setStatus: (status) => statuses.push(status.text ?? ''),
    });
    try {
      for (let i = 0; i < 200 && read.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.deepEqual(made, ['127.0.0.57'], 'one client, at the address found');
      assert.equal(read[0], '127.0.0.57');
    } finally {
      await h.close();
    }
  });

  it('a host given as a MAC that no search finds: UNREACHABLE saying so, no client made', async () => {
    const clients: MovedClient[] = [];
    const h = hub({ host: MAC.toLowerCase(), clients, find: async () => null });
    await assert.rejects(h.command({ on: true }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'UNREACHABLE');
      assert.match(error.message, /no device with this MAC answered discovery/);
      return true;
    });
    assert.equal(clients.length, 0);
    await h.close();
  });
});
