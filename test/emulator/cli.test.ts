import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { connect } from '../../src/device/client';
import { parseArgs, USAGE, UsageError } from '../../src/emulator/cli';
import { SslAesTransport } from '../../src/transport/sslaes/sslaes-transport';
import { TpapTransport } from '../../src/transport/tpap/tpap-transport';
import { frame, XorFrameReader } from '../../src/transport/xor/codec';

const CLI = path.join(__dirname, '../../src/emulator/cli.ts');

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function output(
  child: ChildProcess,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

describe('lamp-emulator arguments', () => {
  it('one device per --model, consecutive ports, shared options, numbered aliases', () => {
    const config = parseArgs([
      '--port',
      '8080',
      '--model',
      'l530',
      '--model=P110',
      '--username',
      'u',
      '--password',
      'p',
      '--alias',
      'Lamp',
      '--klap',
      '1',
    ]);
    assert.ok(config !== 'help');
    assert.deepEqual(
      config.devices.map((d) => [d.model, d.port, d.alias, d.klap, d.username, d.password]),
      [
        ['L530', 8080, 'Lamp', 1, 'u', 'p'],
        ['P110', 8081, 'Lamp 2', 1, 'u', 'p'],
      ],
    );
    const ephemeral = parseArgs([
      '--model',
      'P100',
      '--model',
      'HS100',
      '--host',
      '127.0.0.1',
      '--credentials',
      'kasa-default',
    ]);
    assert.ok(ephemeral !== 'help');
    assert.deepEqual(
      ephemeral.devices.map((d) => d.port),
      [0, 0],
    );
    assert.equal(ephemeral.devices[0].credentials, 'kasa-default');
    assert.equal(parseArgs(['--model', 'L530', '--help']), 'help');
    assert.match(USAGE, /--model MODEL +L530, L510, L900, P100, P110, HS100/);
  });

  it('bad arguments are UsageErrors that say what is valid', () => {
    const bad: [string[], RegExp][] = [
      [[], /--model is required; valid models: L530/],
      [
        ['--model', 'L999'],
        /unknown model "L999"; valid models: L530, L510, L900, P100, P110, HS100/,
      ],
      [['--model', 'L530', '--port', 'abc'], /--port must be a number from 0 to 65535/],
      [['--model', 'L530', '--port', '70000'], /--port must be/],
      [['--model', 'L530', '--port', '65535', '--model', 'P100'], /not enough ports/],
      [['--model', 'L530', '--klap', '3'], /--klap must be 1 or 2/],
      [
        ['--model', 'L530', '--credentials', 'magic'],
        /--credentials must be one of account, kasa-default, blank, alternating/,
      ],
      [['--model', 'L530', '--credentials', 'account'], /needs --username/],
      // One half of the account alone is a typo, not blank credentials.
      [['--model', 'L530', '--password', 'P'], /--password needs --username/],
      [['--model', 'L530', '--username', 'U'], /--username needs --password/],
      [['--model'], /--model needs a value/],
      [['--model', '--port', '1'], /--model needs a value/],
      [['--model', 'L530', '--verbose'], /unknown argument "--verbose"/],
    ];
    for (const [args, message] of bad)
      assert.throws(
        () => parseArgs(args),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
        args.join(' '),
      );
  });
});

describe('lamp-emulator process', () => {
  it('prints one line per device, serves them, never prints the password, stops on SIGINT', async () => {
    const child = run([
      '--model',
      'L530',
      '--model',
      'HS100',
      '--username',
      'me@example.com',
      '--password',
      'TopSecret9',
    ]);
    const lines = createInterface({ input: child.stdout! });
    const seen: string[] = [];
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    for await (const line of lines) {
      seen.push(line);
      if (seen.length === 2) break;
    }
    assert.match(
      seen[0],
      /^L530 colour bulb listening on http:\/\/127\.0\.0\.1:\d+ \(KLAP v2, SMART, credentials: account\)$/,
    );
    assert.match(
      seen[1],
      /^HS100 Kasa plug listening on http:\/\/127\.0\.0\.1:\d+ \(KLAP v1, IOT, credentials: account\)$/,
    );
    for (const line of seen) {
      const port = Number(/:(\d+) /.exec(line)?.[1]);
      const lamp = await connect({
        host: '127.0.0.1',
        port,
        username: 'me@example.com',
        password: 'TopSecret9',
      });
      assert.equal((await lamp.setState(true)).on, true);
      await lamp.close();
    }
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 0);
    assert.equal(stderr, '');
    assert.ok(!seen.join('\n').includes('TopSecret9'));
  });

  it('--help prints usage; a bad model exits 2 listing the valid ones', async () => {
    const help = await output(run(['--help']));
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: lamp-emulator/);
    const bad = await output(run(['--model', 'X1']));
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(
      bad.stderr,
      /unknown model "X1"; valid models: L530, L510, L900, P100, P110, HS100/,
    );
  });

  it('a port already in use is reported, exit code 1', async () => {
    const first = run(['--model', 'P100']);
    const [line] = (await once(createInterface({ input: first.stdout! }), 'line')) as string[];
    const port = /:(\d+) /.exec(line)?.[1] ?? '';
    const clash = await output(run(['--model', 'P100', '--port', port]));
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /cannot start: .*EADDRINUSE/);
    const exited = once(first, 'exit');
    first.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
  });
});

describe('lamp-emulator --protocol', () => {
  it('parses klap, aes and legacy (any case) and --login-version', () => {
    const config = parseArgs(['--model', 'P100', '--protocol', 'AES', '--login-version', '1']);
    assert.ok(config !== 'help');
    assert.deepEqual(
      config.devices.map((d) => [d.protocol, d.loginVersion]),
      [['aes', 1]],
    );
    const legacy = parseArgs(['--model', 'HS100', '--protocol=legacy']);
    assert.ok(legacy !== 'help');
    assert.equal(legacy.devices[0]?.protocol, 'legacy');
    const own = parseArgs(['--model', 'HS100', '--model', 'L530']);
    assert.ok(own !== 'help');
    assert.deepEqual(
      own.devices.map((d) => d.protocol),
      [undefined, undefined],
      "each model's own protocol",
    );
    assert.match(USAGE, /--protocol P +klap, aes, tpap, sslaes, legacy/);
    assert.match(USAGE, /--login-version 1\|2/);
    assert.match(
      USAGE,
      /--credentials MODE +account, kasa-default, blank, alternating, tapo-default/,
    );
  });

  it('impossible combinations are usage errors', () => {
    const bad: [string[], RegExp][] = [
      [
        ['--model', 'L530', '--protocol', 'xor'],
        /--protocol must be one of klap, aes, tpap, sslaes, legacy/,
      ],
      [
        ['--model', 'HS100', '--protocol', 'tpap'],
        /--model HS100: HS100 is a Kasa \(IOT\) model; TPAP/,
      ],
      [['--model', 'L530', '--protocol', 'legacy'], /--model L530: L530 is a Tapo \(SMART\) model/],
      [['--model', 'HS100', '--protocol', 'aes'], /--model HS100: HS100 is a Kasa \(IOT\) model/],
      [
        ['--model', 'HS100', '--protocol', 'sslaes'],
        /--model HS100: HS100 is a Kasa \(IOT\) model; sslaes/,
      ],
      [['--model', 'P100', '--protocol', 'aes', '--klap', '2'], /--klap applies to KLAP devices/],
      [['--model', 'P100', '--login-version', '1'], /--login-version applies to AES devices/],
      [['--model', 'P100', '--protocol', 'aes', '--login-version', '3'], /must be 1 or 2/],
    ];
    for (const [args, message] of bad)
      assert.throws(
        () => parseArgs(args),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
        args.join(' '),
      );
  });

  it('the printed lines name the protocol; the legacy device answers XOR on TCP', async () => {
    const child = run([
      '--model',
      'P100',
      '--protocol',
      'aes',
      '--username',
      'me@example.com',
      '--password',
      'TopSecret9',
    ]);
    const legacyChild = run(['--model', 'HS100', '--protocol', 'legacy']);
    const tpapChild = run([
      '--model',
      'L530',
      '--protocol',
      'tpap',
      '--username',
      'me@example.com',
      '--password',
      'TopSecret9',
    ]);
    try {
      const [tpapLine] = (await once(
        createInterface({ input: tpapChild.stdout! }),
        'line',
      )) as string[];
      assert.match(
        tpapLine as string,
        /^L530 colour bulb listening on http:\/\/127\.0\.0\.1:\d+ \(TPAP suite 1, SMART, credentials: account\)$/,
      );
      const tpap = new TpapTransport({
        host: '127.0.0.1',
        port: Number(/:(\d+) /.exec(tpapLine as string)?.[1]),
        username: 'me@example.com',
        password: 'TopSecret9',
      });
      try {
        const info = JSON.parse(await tpap.send('{"method":"get_device_info"}'));
        assert.equal(info.result.model, 'L530');
      } finally {
        await tpap.close();
      }
      const [aesLine] = (await once(createInterface({ input: child.stdout! }), 'line')) as string[];
      assert.match(
        aesLine as string,
        /^P100 plug listening on http:\/\/127\.0\.0\.1:\d+ \(AES login v2, SMART, credentials: account\)$/,
      );
      const [line] = (await once(
        createInterface({ input: legacyChild.stdout! }),
        'line',
      )) as string[];
      assert.match(
        line as string,
        /^HS100 Kasa plug listening on tcp:\/\/127\.0\.0\.1:\d+ \(legacy XOR, IOT\)$/,
      );
      const port = Number(/:(\d+) /.exec(line as string)?.[1]);
      const socket = net.connect({ host: '127.0.0.1', port });
      const reader = new XorFrameReader();
      socket.write(frame('{"system":{"get_sysinfo":{}}}'));
      const [reply] = await new Promise<string[]>((resolve, reject) => {
        socket.on('error', reject);
        socket.on('data', (chunk: Buffer) => {
          const frames = reader.push(chunk);
          if (frames.length > 0) resolve(frames);
        });
      });
      socket.destroy();
      assert.equal(JSON.parse(reply as string).system.get_sysinfo.model, 'HS100(UK)');
    } finally {
      const exits = [once(child, 'exit'), once(legacyChild, 'exit'), once(tpapChild, 'exit')];
      child.kill('SIGINT');
      legacyChild.kill('SIGINT');
      tpapChild.kill('SIGINT');
      assert.deepEqual(await Promise.all(exits), [
        [0, null],
        [0, null],
        [0, null],
      ]);
    }
  });
});

describe('lamp-emulator --protocol sslaes', () => {
  it('prints an https line with the certificate fingerprint; the H200 login works against it', async () => {
    const child = run([
      '--model',
      'L530',
      '--protocol',
      'sslaes',
      '--username',
      'me@example.com',
      '--password',
      'TopSecret9',
    ]);
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as string[];
      const match =
        /^L530 colour bulb listening on https:\/\/127\.0\.0\.1:(\d+) \(sslaes \(HTTPS\), SMART, credentials: account, certificate SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})\)$/.exec(
          line as string,
        );
      assert.ok(match, line);
      assert.ok(!(line as string).includes('TopSecret9'));
      const transport = new SslAesTransport({
        host: '127.0.0.1',
        port: Number(match[1]),
        username: 'me@example.com',
        password: 'TopSecret9',
      });
      try {
        const info = JSON.parse(await transport.send('{"method":"get_device_info"}'));
        assert.equal(info.result.model, 'L530');
        assert.equal(transport.certificateFingerprint, match[2]);
      } finally {
        await transport.close();
      }
    } finally {
      const exit = once(child, 'exit');
      child.kill('SIGINT');
      assert.deepEqual(await exit, [0, null]);
    }
  });
});

describe('lamp-emulator strips', () => {
  it('strip models take their own protocol, SMART ones any of KLAP, AES and TPAP', () => {
    const own = parseArgs([
      '--model',
      'p300',
      '--model',
      'P304M',
      '--model',
      'kp303',
      '--model',
      'HS300',
    ]);
    assert.ok(own !== 'help');
    assert.deepEqual(
      own.devices.map((d) => d.model),
      ['P300', 'P304M', 'KP303', 'HS300'],
    );
    for (const protocol of ['klap', 'aes', 'tpap']) {
      const config = parseArgs(['--model', 'P300', '--protocol', protocol]);
      assert.ok(config !== 'help');
      assert.equal(config.devices[0]?.protocol, protocol);
    }
    assert.throws(
      () => parseArgs(['--model', 'P304M', '--protocol', 'legacy']),
      (e: unknown) => e instanceof UsageError && /P304M is a Tapo \(SMART\) model/.test(e.message),
    );
    assert.throws(
      () => parseArgs(['--model', 'HS300', '--protocol', 'aes']),
      (e: unknown) => e instanceof UsageError && /HS300 is a Kasa \(IOT\) model/.test(e.message),
    );
    assert.match(USAGE, /P300, P304M, KP303, HS300/);
  });

  it('--model P300 and --model KP303 print their lines with the outlets by number', async () => {
    const child = run(['--model', 'P300', '--model', 'KP303']);
    const lines = createInterface({ input: child.stdout! });
    const seen: string[] = [];
    for await (const line of lines) {
      seen.push(line);
      if (seen.length === 2) break;
    }
    assert.match(
      seen[0],
      /^P300 Tapo power strip, 3 outlets listening on http:\/\/127\.0\.0\.1:\d+ \(KLAP v2, SMART, credentials: blank\); outlets: 1 Desk lamp, 2 Reading lamp, 3 Fan$/,
    );
    assert.match(
      seen[1],
      /^KP303 Kasa power strip, 3 outlets listening on tcp:\/\/127\.0\.0\.1:\d+ \(legacy XOR, IOT\); outlets: 1 Bedside lamp, 2 Fairy lights, 3 Humidifier$/,
    );
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    assert.deepEqual(await exited, [0, null]);
  });
});
