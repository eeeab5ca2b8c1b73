/** The legacy XOR device side (TCP frames and UDP discovery), spoken to with Node's net and dgram. */

import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startEmulator } from '../../src/emulator';
import { XorDiscoveryResponder } from '../../src/emulator/wire/xor-discovery';
import { XorServer, type XorServerOptions } from '../../src/emulator/wire/xor-server';
import { frame, XorFrameReader, xorDecode, xorEncode } from '../../src/transport/xor/codec';

const HOST = '127.0.0.1';
const echo = (plaintext: string) => `{"echo":${plaintext}}`;
const SYSINFO = '{"system":{"get_sysinfo":{}}}';

/** A raw connection that collects decoded frames and notices the server closing it. */
class Connection {
  readonly socket: net.Socket;
  readonly frames: string[] = [];
  readonly raw: Buffer[] = [];
  closed = false;
  private readonly reader = new XorFrameReader();
  private waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.raw.push(chunk);
      this.frames.push(...this.reader.push(chunk));
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async open(port: number): Promise<Connection> {
    const socket = net.connect({ host: HOST, port });
    await once(socket, 'connect');
    return new Connection(socket);
  }

  send(...texts: string[]): void {
    this.socket.write(Buffer.concat(texts.map(frame)));
  }

  /** Resolves once `count` frames arrived or the connection closed; rejects after `ms`. */
  async until(count: number, ms = 2000): Promise<string[]> {
    const deadline = Date.now() + ms;
    while (this.frames.length < count && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.frames.length} of ${count} frames`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames;
  }

  async untilClosed(ms = 2000): Promise<void> {
    await this.until(Number.POSITIVE_INFINITY, ms);
  }

  end(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

async function startServer(overrides: Partial<XorServerOptions> = {}): Promise<XorServer> {
  const server = new XorServer({ handler: echo, ...overrides });
  await server.start();
  return server;
}

describe('XorServer: framing and connections', () => {
  let server: XorServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('answers several requests on one connection, in order, and keeps it open', async () => {
    const before = { ...server.counters };
    const conn = await Connection.open(server.port);
    conn.send(SYSINFO);
    assert.deepEqual(await conn.until(1), [echo(SYSINFO)]);
    // Two requests in one write are two answers, in order.
    conn.send('{"a":1}', '{"b":"Küche"}');
    assert.deepEqual((await conn.until(3)).slice(1), [echo('{"a":1}'), echo('{"b":"Küche"}')]);
    assert.equal(conn.closed, false);
    assert.deepEqual(
      [
        server.counters.connections - before.connections,
        server.counters.requests - before.requests,
      ],
      [1, 3],
    );
    conn.end();
  });

  it('a request arriving one byte at a time; one connection per request works too', async () => {
    const conn = await Connection.open(server.port);
    for (const byte of frame('{"slow":true}')) conn.socket.write(Buffer.from([byte]));
    assert.deepEqual(await conn.until(1), [echo('{"slow":true}')]);
    conn.end();
    for (let i = 0; i < 2; i++) {
      const once = await Connection.open(server.port);
      once.send(`{"n":${i}}`);
      assert.deepEqual(await once.until(1), [echo(`{"n":${i}}`)]);
      once.end();
    }
  });

  it('the reply is a correct frame: length prefix in bytes, then autokey XOR', async () => {
    const conn = await Connection.open(server.port);
    conn.send('{"alias":"Küche"}');
    await conn.until(1);
    const bytes = Buffer.concat(conn.raw);
    const expected = echo('{"alias":"Küche"}');
    assert.equal(bytes.readUInt32BE(0), Buffer.byteLength(expected));
    assert.equal(xorDecode(bytes.subarray(4)), expected);
    conn.end();
  });

  it('stop() drops connections and refuses new ones; start() listens on the same port', async () => {
    const port = server.port;
    const conn = await Connection.open(port);
    await server.stop();
    assert.equal(server.listening, false);
    await conn.untilClosed();
    await assert.rejects(Connection.open(port), { code: 'ECONNREFUSED' });
    await server.start();
    await server.start(); // idempotent
    assert.equal(server.port, port);
    const again = await Connection.open(port);
    again.send('{}');
    assert.deepEqual(await again.until(1), [echo('{}')]);
    again.end();
    server.forgetSessions(); // nothing to forget, harmless
  });
});

describe('XorServer faults', () => {
  let server: XorServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('latencyMs delays each answer', async () => {
    server.faults.latencyMs = 60;
    const conn = await Connection.open(server.port);
    const started = performance.now();
    conn.send('{}');
    await conn.until(1);
    server.faults.latencyMs = 0;
    assert.ok(performance.now() - started >= 55);
    conn.end();
  });

  it('hang: the request is read but never answered; unplugging ends the connection', async () => {
    server.faults.hang = true;
    const conn = await Connection.open(server.port);
    conn.send('{}');
    await assert.rejects(conn.until(1, 150), /timed out with 0 of 1 frames/);
    server.faults.hang = false;
    await server.stop();
    await conn.untilClosed();
    await server.start();
  });

  it('dropConnections destroys the connection mid-request, N times', async () => {
    server.faults.dropConnections = 1;
    const conn = await Connection.open(server.port);
    conn.send('{}');
    await conn.untilClosed();
    assert.deepEqual(conn.frames, []);
    assert.equal(server.faults.dropConnections, 0);
    const next = await Connection.open(server.port);
    next.send('{}');
    assert.deepEqual(await next.until(1), [echo('{}')]);
    next.end();
  });

  it('closeConnections: the device closes after each answer, as some firmware does', async () => {
    server.faults.closeConnections = true;
    const conn = await Connection.open(server.port);
    conn.send('{"c":1}');
    assert.deepEqual(await conn.until(1), [echo('{"c":1}')]);
    await conn.untilClosed();
    server.faults.closeConnections = false;
  });

  it('malformedReplies: a well-framed answer that is not JSON, once', async () => {
    server.faults.malformedReplies = 1;
    const conn = await Connection.open(server.port);
    conn.send('{}', '{}');
    const [bad, good] = await conn.until(2);
    assert.throws(() => JSON.parse(bad as string));
    assert.equal(good, echo('{}'));
    assert.equal(server.faults.malformedReplies, 0);
    conn.end();
  });

  it('truncatedReplies: the length promises more than arrives, then the connection closes', async () => {
    server.faults.truncatedReplies = 1;
    const conn = await Connection.open(server.port);
    conn.send('{"t":1}');
    await conn.untilClosed();
    const bytes = Buffer.concat(conn.raw);
    assert.equal(bytes.readUInt32BE(0), 4 * (bytes.length - 4));
    assert.deepEqual(conn.frames, []);
  });

  it('an oversized request frame or a throwing model drops the connection', async () => {
    const small = await startServer({ maxFrameBytes: 16 });
    const broken = await startServer({
      handler: () => {
        throw new Error('model bug');
      },
    });
    try {
      const big = await Connection.open(small.port);
      big.send('{"much":"too long for sixteen bytes"}');
      await big.untilClosed();
      assert.deepEqual(big.frames, []);
      const conn = await Connection.open(broken.port);
      conn.send('{}');
      await conn.untilClosed();
    } finally {
      await small.close();
      await broken.close();
      await assert.rejects(small.start(), /closed/);
    }
  });
});

describe('XorDiscoveryResponder (UDP, no length prefix)', () => {
  async function ask(port: number, payload: Buffer, wait = 1000): Promise<Buffer | null> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
    try {
      const reply = new Promise<Buffer | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), wait);
        socket.once('message', (message) => {
          clearTimeout(timer);
          resolve(message);
        });
      });
      socket.send(payload, port, HOST);
      return await reply;
    } finally {
      socket.close();
    }
  }

  it('answers the encoded get_sysinfo probe with the encoded reply; ignores garbage', async () => {
    let probes = 0;
    const responder = new XorDiscoveryResponder({
      port: 0,
      handler: echo,
      onProbe: () => {
        probes += 1;
      },
    });
    await responder.start();
    try {
      assert.equal(responder.host, HOST);
      assert.equal(responder.listening, true);
      const reply = await ask(responder.port, xorEncode(SYSINFO));
      assert.ok(reply);
      assert.equal(xorDecode(reply), echo(SYSINFO));
      // The TCP form (with its length prefix) is not a valid datagram.
      assert.equal(await ask(responder.port, frame(SYSINFO), 150), null);
      assert.deepEqual(responder.counters, { probes: 1, ignored: 1 });
      assert.equal(probes, 1);
      const port = responder.port;
      await responder.stop();
      await responder.start();
      assert.equal(responder.port, port);
    } finally {
      await responder.stop();
    }
  });
});

describe('startEmulator with protocol legacy', () => {
  async function udpAsk(port: number, text: string): Promise<string> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
    try {
      const reply = once(socket, 'message') as Promise<[Buffer]>;
      socket.send(xorEncode(text), port, HOST);
      const [message] = await reply;
      return xorDecode(message);
    } finally {
      socket.close();
    }
  }

  it('a Kasa IOT model on TCP: sysinfo and relay over one connection, discovery on UDP', async () => {
    const plug = await startEmulator({ model: 'HS100', protocol: 'legacy', discoveryPort: 0 });
    try {
      assert.equal(plug.protocol, 'legacy');
      assert.equal(plug.server, plug.legacy);
      assert.throws(() => plug.klap, /speaks legacy, not KLAP/);
      assert.equal(plug.url, `tcp://127.0.0.1:${plug.port}`);
      assert.equal(plug.discovery, null);
      assert.equal(plug.xorDiscovery?.port, plug.discoveryPort);
      const conn = await Connection.open(plug.port);
      conn.send(SYSINFO, '{"system":{"set_relay_state":{"state":1}}}', SYSINFO);
      const [first, relay, second] = (await conn.until(3)).map((t) => JSON.parse(t));
      assert.equal(first.system.get_sysinfo.relay_state, 0);
      assert.deepEqual(relay, { system: { set_relay_state: { err_code: 0 } } });
      assert.equal(second.system.get_sysinfo.relay_state, 1);
      assert.deepEqual(plug.legacy.counters, { connections: 1, requests: 3 });
      conn.end();

      const found = JSON.parse(await udpAsk(plug.discoveryPort as number, SYSINFO));
      assert.equal(found.system.get_sysinfo.model, 'HS100(UK)');
      assert.equal(found.system.get_sysinfo.alias, plug.info.alias);
      assert.equal(plug.xorDiscovery?.counters.probes, 1);
    } finally {
      await plug.close();
    }
  });

  it('lazyHttp: the TCP port opens on the first discovery datagram; unplug/plugIn', async () => {
    const plug = await startEmulator({
      model: 'HS100',
      protocol: 'legacy',
      discoveryPort: 0,
      lazyHttp: true,
    });
    try {
      const port = plug.port;
      assert.equal(plug.legacy.listening, false);
      await assert.rejects(Connection.open(port), { code: 'ECONNREFUSED' });
      await udpAsk(plug.discoveryPort as number, SYSINFO);
      assert.equal(plug.legacy.listening, true);
      await plug.unplug();
      assert.equal(plug.xorDiscovery?.listening, false);
      await plug.plugIn();
      assert.equal(plug.legacy.listening, false, 'closed again until a probe');
      await udpAsk(plug.discoveryPort as number, SYSINFO);
      const conn = await Connection.open(port);
      conn.send(SYSINFO);
      assert.equal(JSON.parse((await conn.until(1))[0] as string).system.get_sysinfo.err_code, 0);
      conn.end();
    } finally {
      await plug.close();
    }
  });

  it('IOT models on KLAP still default to KLAP; SMART models cannot go legacy', async () => {
    const klap = await startEmulator({ model: 'HS100' });
    try {
      assert.equal(klap.protocol, 'klap');
      assert.throws(() => klap.legacy, /speaks klap, not legacy XOR/);
    } finally {
      await klap.close();
    }
    await assert.rejects(startEmulator({ model: 'P110', protocol: 'legacy' }), /Tapo \(SMART\)/);
    await assert.rejects(
      startEmulator({ model: 'HS100', protocol: 'legacy', klap: 1 }),
      /klap option applies to KLAP devices; this one speaks legacy/,
    );
  });
});
