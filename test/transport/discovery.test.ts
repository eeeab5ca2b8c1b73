/**
 * Discovery (docs/protocols/discovery.md): query bytes and CRC, reply parsing (malformed packets ignored), several
 * emulated devices with their verdicts, and the wake-up probe's outcomes. Loopback only: every
 * query goes to 127.0.0.1 on an ephemeral port an emulator (or a test socket) listens on.
 */
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { after, describe, it } from 'node:test';
import { type EmulatedDevice, startEmulator } from '../../src/emulator';
import {
  buildDiscoveryQuery,
  crc32,
  crc32Fallback,
  DISCOVERY_PORT,
  type DiscoveredDevice,
  discover,
  discoveryPublicKey,
  encodeDiscoveryPacket,
  hasValidHeader,
  parseDiscoveryReply,
  parseLegacyReply,
  parseTarget,
  wakeUp,
} from '../../src/transport/discovery';
import { InvalidCommandError } from '../../src/transport/errors';
import { xorDecode, xorEncode } from '../../src/transport/xor/codec';

const LOOPBACK = '127.0.0.1';

/** A reply as docs/protocols/discovery.md §2 describes it (a Tapo L530E), behind a 16-byte header. */
const SAMPLE = {
  error_code: 0,
  result: {
    device_id: 'A'.repeat(32),
    owner: 'B'.repeat(32),
    device_type: 'SMART.TAPOBULB',
    device_model: 'L530E(EU)',
    ip: '192.0.2.50',
    mac: '5C-E9-31-AA-BB-CC',
    is_support_iot_cloud: true,
    obd_src: 'tplink',
    factory_default: false,
    protocol_version: 1,
    mgt_encrypt_schm: { is_support_https: false, encrypt_type: 'KLAP', http_port: 80, lv: 2 },
  },
};

function packet(json: unknown): Buffer {
  const payload = Buffer.from(typeof json === 'string' ? json : JSON.stringify(json));
  return encodeDiscoveryPacket({ payload, flags: 0 });
}

function withResult(result: Record<string, unknown>): Buffer {
  return packet({ error_code: 0, result: { ...SAMPLE.result, ...result } });
}

/** A UDP socket on loopback that calls `answer` for every packet (or stays silent). */
async function udpPeer(
  answer?: (socket: dgram.Socket, msg: Buffer, remote: dgram.RemoteInfo) => void,
): Promise<{ port: number; received: Buffer[]; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (msg, remote) => {
    received.push(msg);
    answer?.(socket, msg, remote);
  });
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, () => resolve()));
  return {
    port: socket.address().port,
    received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A loopback UDP port nothing listens on (bound once, then released). */
async function closedUdpPort(): Promise<number> {
  const peer = await udpPeer();
  await peer.close();
  return peer.port;
}

describe('discovery query', () => {
  it('reproduces the legacy keyless query of the notes (CRC-32 with the placeholder)', () => {
    const legacy = encodeDiscoveryPacket({ flags: 0, serial: Buffer.alloc(4) });
    assert.equal(legacy.toString('hex'), '020000010000000000000000463cb5d3');
    assert.equal(hasValidHeader(legacy), true);
  });

  it('CRC-32: the fallback table matches zlib and the standard check value', () => {
    assert.equal(crc32Fallback(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    for (let i = 0; i < 20; i++) {
      const data = randomBytes(i * 13);
      assert.equal(crc32Fallback(data), crc32(data));
    }
  });

  it('the keyed query: version 2, op 1, flags 0x11, size, serial, CRC, SPKI PEM in the payload', async () => {
    const serial = Buffer.from([1, 2, 3, 4]);
    const query = await buildDiscoveryQuery(serial);
    assert.equal(query[0], 2, 'version');
    assert.equal(query[1], 0, 'msg_type');
    assert.equal(query.readUInt16BE(2), 1, 'op_code');
    assert.equal(query.readUInt16BE(4), query.length - 16, 'msg_size');
    assert.equal(query[6], 0x11, 'flags');
    assert.equal(query[7], 0, 'padding');
    assert.deepEqual(query.subarray(8, 12), serial);
    assert.equal(hasValidHeader(query), true);
    const copy = Buffer.from(query);
    copy.writeUInt32BE(0x5a6b7c8d, 12);
    assert.equal(query.readUInt32BE(12), crc32(copy));

    const json = JSON.parse(query.subarray(16).toString('utf8'));
    assert.deepEqual(Object.keys(json), ['params']);
    const pem: string = json.params.rsa_key;
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const key = createPublicKey(pem);
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.ok([1024, 2048].includes(key.asymmetricKeyDetails?.modulusLength ?? 0));

    // One key per process, generated once; serials are random by default.
    assert.equal(await discoveryPublicKey(), pem);
    const [a, b] = await Promise.all([buildDiscoveryQuery(), buildDiscoveryQuery()]);
    assert.notDeepEqual(a.subarray(8, 12), b.subarray(8, 12));
    assert.deepEqual(a.subarray(16), b.subarray(16));
  });

  it('rejects damaged headers', () => {
    const good = encodeDiscoveryPacket({ payload: Buffer.from('{}') });
    const flipped = Buffer.from(good);
    flipped[17] = 0x20;
    const v1 = Buffer.from(good);
    v1[0] = 1;
    assert.equal(hasValidHeader(flipped), false);
    assert.equal(hasValidHeader(v1), false);
    assert.equal(hasValidHeader(good.subarray(0, 15)), false);
  });

  it('targets: host or host:port', () => {
    assert.deepEqual(parseTarget('127.0.0.1', 20002), { address: '127.0.0.1', port: 20002 });
    assert.deepEqual(parseTarget(' 127.0.0.1:4000 ', 20002), { address: '127.0.0.1', port: 4000 });
    assert.deepEqual(parseTarget('lamp.local', 1), { address: 'lamp.local', port: 1 });
    for (const bad of ['', 'a b', '1.2.3.4:0', '1.2.3.4:70000', 'http://x', '::1', 'x:']) {
      assert.equal(parseTarget(bad, 20002), null, bad);
    }
  });
});

describe('discovery replies', () => {
  it('parses the reply of the notes: model without region, port, verdict', () => {
    const device = parseDiscoveryReply(packet(SAMPLE), '192.0.2.50');
    assert.deepEqual(device, {
      host: '192.0.2.50',
      port: 80,
      model: 'L530E',
      deviceType: 'SMART.TAPOBULB',
      dialect: 'smart',
      encryption: 'KLAP',
      loginVersion: 2,
      protocol: 'klap',
      supported: true,
      verdictCode: 'KLAP_SMART',
      verdict: 'Tapo device (KLAP): supported',
      mac: '5C-E9-31-AA-BB-CC',
      deviceId: 'A'.repeat(32),
      reportedIp: '192.0.2.50',
      factoryDefault: false,
      owner: 'b'.repeat(32),
      hint: { encryptType: 'KLAP' },
    } satisfies DiscoveredDevice);
  });

  it('verdicts for IOT, AES, TPAP, HTTPS-only and unknown devices', () => {
    const cases: [Record<string, unknown>, Partial<DiscoveredDevice>][] = [
      [
        {
          device_type: 'IOT.SMARTPLUGSWITCH',
          device_model: 'HS100(UK)',
          factory_default: true,
          mgt_encrypt_schm: { encrypt_type: 'KLAP', http_port: 8080, lv: 2, new_klap: 1 },
        },
        {
          dialect: 'iot',
          model: 'HS100',
          port: 8080,
          supported: true,
          verdictCode: 'KLAP_IOT',
          factoryDefault: true,
        },
      ],
      [
        { mgt_encrypt_schm: { encrypt_type: 'AES', http_port: 80, lv: 2 } },
        { encryption: 'AES', supported: true, verdictCode: 'AES', protocol: 'aes' },
      ],
      [
        // Robot vacuums, cameras: TPAP over HTTPS with TP-Link's certificates.
        { mgt_encrypt_schm: { encrypt_type: 'TPAP', http_port: 80 }, tpap: { port: 4433 } },
        { encryption: 'TPAP', supported: false, verdictCode: 'TPAP_HTTPS', protocol: null },
      ],
      [
        {
          mgt_encrypt_schm: { encrypt_type: 'TPAP', http_port: 4433, is_support_https: true },
          tpap: { tls: 2, dac: 1, noc: 1, pake: [2], port: 4433 },
        },
        { encryption: 'TPAP', supported: false, verdictCode: 'TPAP_HTTPS', protocol: null },
      ],
      [
        // Lamps and plugs: TPAP over plain HTTP on port 80.
        {
          mgt_encrypt_schm: { encrypt_type: 'TPAP', http_port: 80, is_support_https: false, lv: 2 },
          tpap: { tls: 0, dac: 0, noc: 0, pake: [2], port: 80 },
          tpap_preferred: true,
        },
        {
          encryption: 'TPAP',
          supported: true,
          verdictCode: 'TPAP',
          protocol: 'tpap',
          hint: { encryptType: 'TPAP', tpapPake: true, tpapPreferred: true },
        },
      ],
      [
        // Announces TPAP but prefers KLAP (KP125M 1.4.1): spoken to over KLAP.
        {
          mgt_encrypt_schm: { encrypt_type: 'TPAP', http_port: 80 },
          tpap: { tls: 0, pake: [2], port: 80 },
          tpap_preferred: false,
        },
        {
          encryption: 'TPAP',
          supported: true,
          verdictCode: 'KLAP_SMART',
          protocol: 'klap',
          hint: { encryptType: 'TPAP', tpapPake: true, tpapPreferred: false },
        },
      ],
      [
        { device_type: 'SMART.IPCAMERA', mgt_encrypt_schm: { is_support_https: true } },
        { encryption: 'HTTPS', supported: false, verdictCode: 'HTTPS', port: 443 },
      ],
      [
        // The H200 hub: HTTPS, the secure login's "3" at the top, no port announced.
        {
          device_type: 'SMART.TAPOHUB',
          device_model: 'H200(EU)',
          encrypt_type: ['3'],
          encrypt_info: { sym_schm: 'AES', key: '', data: '' },
          mgt_encrypt_schm: { is_support_https: true },
        },
        {
          model: 'H200',
          encryption: 'HTTPS',
          supported: true,
          verdictCode: 'HTTPS',
          verdict: 'Tapo hub (HTTPS, sslaes): supported',
          protocol: 'sslaes',
          port: 443,
          hint: { encryptType: 'HTTPS' },
        },
      ],
      [
        { mgt_encrypt_schm: { encrypt_type: 'XYZ' } },
        { encryption: 'XYZ', supported: false, verdictCode: 'UNKNOWN' },
      ],
      [
        { device_type: 'OTHER.THING', mgt_encrypt_schm: 'nonsense' },
        { encryption: 'unknown', supported: false, verdictCode: 'UNKNOWN', port: 80 },
      ],
      [
        { mgt_encrypt_schm: { encrypt_type: 'KLAP', http_port: 99999, lv: 'two' } },
        { port: 80, loginVersion: null, supported: true },
      ],
      [
        { device_model: 42, mac: null, device_id: 7, ip: [], device_type: undefined },
        { model: '', mac: '', deviceId: '', reportedIp: '', deviceType: '', supported: false },
      ],
    ];
    for (const [result, expected] of cases) {
      const device = parseDiscoveryReply(withResult(result), '192.0.2.9');
      assert.ok(device, JSON.stringify(result));
      assert.deepEqual({ ...device, ...expected }, device, JSON.stringify(result));
    }
    assert.match(
      parseDiscoveryReply(withResult({ mgt_encrypt_schm: { encrypt_type: 'TPAP' } }), 'x')
        ?.verdict ?? '',
      /^Tapo\/Kasa device \(TPAP\): supported$/,
    );
    assert.match(
      parseDiscoveryReply(withResult({ mgt_encrypt_schm: { encrypt_type: 'AES' } }), 'x')
        ?.verdict ?? '',
      /^Tapo device \(AES\): supported$/,
    );
  });

  it('legacy replies: XOR-encoded sysinfo of a Kasa device', () => {
    const sysinfo = {
      model: 'KL130(EU)',
      mic_type: 'IOT.SMARTBULB',
      mic_mac: '50C7BF000001',
      deviceId: 'D'.repeat(40),
      alias: 'Hall',
    };
    const device = parseLegacyReply(
      xorEncode(JSON.stringify({ system: { get_sysinfo: sysinfo } })),
      '192.0.2.7',
    );
    assert.deepEqual(device, {
      host: '192.0.2.7',
      port: 9999,
      model: 'KL130',
      deviceType: 'IOT.SMARTBULB',
      dialect: 'iot',
      encryption: 'XOR',
      loginVersion: null,
      protocol: 'legacy',
      supported: true,
      verdictCode: 'LEGACY',
      verdict: 'Kasa device (legacy protocol): supported',
      mac: '50C7BF000001',
      deviceId: 'D'.repeat(40),
      reportedIp: '',
      factoryDefault: false,
      owner: '',
      hint: { encryptType: 'XOR' },
    } satisfies DiscoveredDevice);
    // Plugs say `type` instead of `mic_type` and carry `mac`.
    const plug = parseLegacyReply(
      xorEncode(
        JSON.stringify({
          system: { get_sysinfo: { model: 'HS103(US)', type: 'IOT.SMARTPLUGSWITCH', mac: 'AA' } },
        }),
      ),
      'x',
    );
    assert.deepEqual([plug?.deviceType, plug?.mac], ['IOT.SMARTPLUGSWITCH', 'AA']);
    for (const bad of [
      Buffer.alloc(0),
      Buffer.from('not xor json'),
      xorEncode('{"system":{}}'),
      xorEncode('{"system":{"get_sysinfo":{}}}'),
      xorEncode('[1,2]'),
      'text' as unknown as Buffer,
    ]) {
      assert.equal(parseLegacyReply(bad, 'x'), null);
    }
  });

  it('ignores malformed packets without throwing', () => {
    const header = encodeDiscoveryPacket();
    const bad: unknown[] = [
      Buffer.alloc(0),
      Buffer.alloc(15),
      header,
      Buffer.concat([header, Buffer.from('not json')]),
      Buffer.concat([header, Buffer.from([0xff, 0xfe, 0x00])]),
      packet('[1,2,3]'),
      packet('null'),
      packet('"text"'),
      packet({ error_code: 0 }),
      packet({ error_code: -1, result: 'no' }),
      packet({ result: [1] }),
      'not a buffer',
      null,
    ];
    for (const item of bad) {
      assert.equal(parseDiscoveryReply(item as Buffer, LOOPBACK), null, String(item));
    }
  });
});

describe('discover() against emulated devices on loopback', () => {
  const devices: EmulatedDevice[] = [];
  after(async () => {
    await Promise.all(devices.map((d) => d.close()));
  });
  async function emulate(options: Parameters<typeof startEmulator>[0]) {
    const device = await startEmulator({ discoveryPort: 0, ...options });
    devices.push(device);
    return device;
  }

  it('finds one device at 127.0.0.1 on its discovery port, with its HTTP port', async () => {
    const lamp = await emulate({ model: 'L530' });
    const seen: DiscoveredDevice[] = [];
    const found = await discover({
      targets: [LOOPBACK],
      port: lamp.discoveryPort as number,
      timeoutMs: 3000,
      onDevice: (d) => seen.push(d),
    });
    assert.equal(found.length, 1, 'a unicast target that answered ends the search');
    assert.deepEqual(seen, found);
    const [device] = found;
    assert.equal(device.host, LOOPBACK);
    assert.equal(device.port, lamp.port);
    assert.equal(device.model, 'L530E');
    assert.equal(device.deviceType, 'SMART.TAPOBULB');
    assert.equal(device.dialect, 'smart');
    assert.equal(device.encryption, 'KLAP');
    assert.equal(device.loginVersion, 2);
    assert.equal(device.supported, true);
    assert.equal(device.mac, lamp.info.mac);
    assert.equal(device.deviceId, lamp.info.device_id);
    assert.equal(device.reportedIp, LOOPBACK);
    assert.equal(lamp.discovery?.counters.probes, 1);
  });

  it('an emulated sslaes hub announces HTTPS: protocol sslaes, its port, the hint for auto', async () => {
    const hub = await emulate({ model: 'L530', protocol: 'sslaes' });
    const [device] = await discover({
      targets: [LOOPBACK],
      port: hub.discoveryPort as number,
      timeoutMs: 3000,
    });
    assert.equal(device?.protocol, 'sslaes');
    assert.equal(device?.port, hub.port);
    assert.deepEqual(device?.hint, { encryptType: 'HTTPS' });
  });

  it('several devices (SMART, IOT v1 and v2, AES, TPAP) with their verdicts; strays ignored', async () => {
    const bulb = await emulate({ model: 'L900' });
    const plug = await emulate({ model: 'HS100' });
    const plugV2 = await emulate({ model: 'HS100', klap: 2 });
    const aes = await emulate({ model: 'P100', encryption: 'AES' });
    const tpap = await emulate({ model: 'P110', encryption: 'TPAP' });
    // Loopback peers that answer with garbage, or not at all: ignored, the search goes on.
    const garbage = await udpPeer((socket, _msg, remote) => {
      for (const reply of [Buffer.from('junk'), packet('{"result":'), packet({ result: 1 })]) {
        socket.send(reply, remote.port, remote.address);
      }
    });
    const silent = await udpPeer();
    const targets = [bulb, plug, plugV2, aes, tpap].map((d) => `${LOOPBACK}:${d.discoveryPort}`);
    try {
      const onDevice = () => {
        throw new Error('a faulty callback must not end the search');
      };
      const found = await discover({
        targets: [...targets, `${LOOPBACK}:${garbage.port}`, `${LOOPBACK}:${silent.port}`],
        timeoutMs: 600,
        rounds: 2,
        onDevice,
      });
      const byPort = new Map(found.map((d) => [d.port, d]));
      assert.equal(found.length, 5, JSON.stringify(found));
      assert.equal(garbage.received.length, 2, 'two rounds');
      assert.equal(silent.received.length, 2);

      const row = (d: EmulatedDevice) => {
        const x = byPort.get(d.port) as DiscoveredDevice;
        return [x.model, x.dialect, x.encryption, x.loginVersion, x.supported, x.verdictCode];
      };
      assert.deepEqual(row(bulb), ['L900-5', 'smart', 'KLAP', 2, true, 'KLAP_SMART']);
      assert.deepEqual(row(plug), ['HS100', 'iot', 'KLAP', null, true, 'KLAP_IOT']);
      assert.deepEqual(row(plugV2), ['HS100', 'iot', 'KLAP', 2, true, 'KLAP_IOT']);
      assert.deepEqual(row(aes), ['P100', 'smart', 'AES', 2, true, 'AES']);
      assert.deepEqual(row(tpap), ['P110', 'smart', 'TPAP', 2, true, 'TPAP']);
      assert.equal((byPort.get(plug.port) as DiscoveredDevice).mac, '1C-3B-F3-4A-7B-00');
      assert.match((byPort.get(tpap.port) as DiscoveredDevice).verdict, /\(TPAP\): supported$/);

      // The raw replies carry the IOT v2 marker and the TPAP object.
      assert.equal(
        (plugV2.discovery!.replyJson().result as { mgt_encrypt_schm: { new_klap?: number } })
          .mgt_encrypt_schm.new_klap,
        1,
      );
      assert.ok((tpap.discovery!.replyJson().result as { tpap?: object }).tpap);
      // Dedupe: two rounds reached each device, one entry each.
      assert.equal(bulb.discovery?.counters.probes, 2);
    } finally {
      await garbage.close();
      await silent.close();
    }
  });

  it('asks Kasa legacy devices on their own port at the same addresses', async () => {
    const sysinfo = { model: 'HS110(EU)', type: 'IOT.SMARTPLUGSWITCH', mac: '50-C7-BF-00-00-02' };
    const legacy = await udpPeer((socket, msg, remote) => {
      // A legacy device answers the XOR-encoded get_sysinfo, and nothing else.
      if (xorDecode(msg) !== '{"system":{"get_sysinfo":{}}}') return;
      const reply = xorEncode(JSON.stringify({ system: { get_sysinfo: sysinfo } }));
      socket.send(reply, remote.port, remote.address);
    });
    const silent = await udpPeer();
    try {
      const found = await discover({
        targets: [`${LOOPBACK}:${silent.port}`],
        legacyPort: legacy.port,
        timeoutMs: 600,
        rounds: 2,
      });
      assert.equal(found.length, 1, JSON.stringify(found));
      assert.deepEqual(
        [found[0]?.model, found[0]?.protocol, found[0]?.verdictCode, found[0]?.supported],
        ['HS110', 'legacy', 'LEGACY', true],
      );
      // Unicast: once the target answered, the search ends (one round reached it).
      assert.equal(legacy.received.length, 1);
      assert.equal(silent.received.length, 1);
      const none = await discover({
        targets: [`${LOOPBACK}:${silent.port}`],
        legacyPort: null,
        timeoutMs: 300,
        rounds: 1,
      });
      assert.deepEqual(none, []);
      assert.equal(legacy.received.length, 1, 'legacyPort null sends no legacy query');
      await assert.rejects(
        discover({ targets: [LOOPBACK], legacyPort: 0 }),
        (e: unknown) => e instanceof InvalidCommandError && e.property === 'legacyPort',
      );
    } finally {
      await legacy.close();
      await silent.close();
    }
  });

  it('many targets are asked in paced groups, and every one is asked', async () => {
    const peers = await Promise.all(Array.from({ length: 5 }, () => udpPeer()));
    try {
      const found = await discover({
        targets: peers.map((p) => `${LOOPBACK}:${p.port}`),
        legacyPort: null,
        timeoutMs: 300,
        rounds: 1,
        targetsPer10ms: 2,
      });
      assert.deepEqual(found, []);
      assert.deepEqual(
        peers.map((p) => p.received.length),
        [1, 1, 1, 1, 1],
      );
    } finally {
      await Promise.all(peers.map((p) => p.close()));
    }
  });

  it('emulated devices ignore packets that are not valid queries', async () => {
    const lamp = await emulate({ model: 'L510' });
    const port = lamp.discoveryPort as number;
    const sender = dgram.createSocket('udp4');
    const bad = encodeDiscoveryPacket({ payload: Buffer.from('{}') });
    bad[16] ^= 1; // CRC no longer matches
    const notProbe = encodeDiscoveryPacket();
    notProbe.writeUInt16BE(2, 2);
    notProbe.writeUInt32BE(0x5a6b7c8d, 12);
    notProbe.writeUInt32BE(crc32(notProbe), 12);
    for (const p of [Buffer.from('hello'), bad, notProbe]) {
      await new Promise((resolve) => sender.send(p, port, LOOPBACK, resolve));
    }
    sender.close();
    const found = await discover({ targets: [LOOPBACK], port, timeoutMs: 2000 });
    assert.equal(found.length, 1);
    assert.equal(lamp.discovery?.counters.ignored, 3);
    assert.equal(lamp.discovery?.counters.probes, 1);
  });

  it('host names resolve; a silent target ends the search when the time is up', async () => {
    const silent = await udpPeer();
    try {
      const found = await discover({
        targets: [`localhost:${silent.port}`],
        timeoutMs: 200,
        rounds: 1,
      });
      assert.deepEqual(found, []);
      assert.equal(silent.received.length, 1);
    } finally {
      await silent.close();
    }
  });

  it('refuses calls without explicit, valid targets (it never picks a broadcast itself)', async () => {
    const bad: unknown[] = [
      {},
      { targets: [] },
      { targets: 'x' },
      { targets: ['a b'] },
      { targets: [5] },
      { targets: [LOOPBACK], port: 0 },
      { targets: [LOOPBACK], port: 70000 },
    ];
    for (const options of bad) {
      await assert.rejects(
        discover(options as Parameters<typeof discover>[0]),
        (e: unknown) => e instanceof InvalidCommandError,
        JSON.stringify(options),
      );
    }
    assert.equal(DISCOVERY_PORT, 20002);
  });
});

describe('wakeUp()', () => {
  it('answered by a device, refused by a closed port, silent, failed; never rejects', async () => {
    const lamp = await startEmulator({ model: 'P110', discoveryPort: 0 });
    const silent = await udpPeer();
    try {
      assert.equal(
        await wakeUp(LOOPBACK, lamp.discoveryPort as number, { waitMs: 5000 }),
        'answered',
      );
      assert.equal(lamp.discovery?.counters.probes, 1);
      assert.equal(await wakeUp(LOOPBACK, await closedUdpPort(), { waitMs: 5000 }), 'refused');
      assert.equal(await wakeUp(LOOPBACK, silent.port), 'silent', 'fire and forget');
      assert.equal(await wakeUp(LOOPBACK, silent.port, { waitMs: 30 }), 'silent');
      assert.equal(silent.received.length, 2);
      assert.ok(hasValidHeader(silent.received[0] as Buffer));
      assert.equal(await wakeUp(LOOPBACK, 0), 'failed');
      const aborted = new AbortController();
      aborted.abort();
      assert.equal(await wakeUp(LOOPBACK, silent.port, { signal: aborted.signal }), 'silent');
      const later = new AbortController();
      const pending = wakeUp(LOOPBACK, silent.port, { waitMs: 60_000, signal: later.signal });
      while (silent.received.length < 3) await new Promise((r) => setTimeout(r, 5));
      later.abort();
      assert.equal(await pending, 'silent');
    } finally {
      await silent.close();
      await lamp.close();
    }
  });
});
