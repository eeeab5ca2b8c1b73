/** The small pure pieces of src/klap: credentials, hash matching, cipher edges, cookies, queue, errors. */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import * as klap from '../../src/transport';
import { credentialCandidates } from '../../src/transport/credentials';
import { ConnectionResetError, UnreachableError } from '../../src/transport/errors';
import { mapNetworkError, parseSetCookie } from '../../src/transport/http';
import { CipherError, initialSeqFor, KlapCipher, MAX_SEQ } from '../../src/transport/klap/cipher';
import { authHash, matchServerHash, serverHash } from '../../src/transport/klap/hashes';
import { SerialQueue } from '../../src/transport/queue';
import { renewDelayMs } from '../../src/transport/session-transport';
import { delay, PASS, USER } from './helpers';

describe('credential candidates', () => {
  it('account, Kasa default, Tapo default, blank — in that order, byte for byte', () => {
    const list = credentialCandidates(' Mixed.Case@Example.com ', 'PassWord ');
    assert.deepEqual(
      list.map((c) => [c.kind, c.username, c.password]),
      [
        ['account', ' Mixed.Case@Example.com ', 'PassWord '],
        ['kasa-default', 'kasa@tp-link.net', 'kasaSetup'],
        ['tapo-default', 'test@tp-link.net', 'test'],
        ['blank', '', ''],
      ],
    );
  });

  it('skips duplicates and treats a missing account as blank', () => {
    assert.deepEqual(
      credentialCandidates('kasa@tp-link.net', 'kasaSetup').map((c) => c.kind),
      ['account', 'tapo-default', 'blank'],
    );
    assert.deepEqual(
      credentialCandidates().map((c) => c.kind),
      ['kasa-default', 'tapo-default', 'blank'],
    );
    assert.deepEqual(
      credentialCandidates('', '').map((c) => c.kind),
      ['kasa-default', 'tapo-default', 'blank'],
    );
    // Only a password (odd, but possible): still the account candidate.
    assert.equal(credentialCandidates(undefined, 'x')[0]?.kind, 'account');
  });
});

describe('server hash matching', () => {
  const local = randomBytes(16);
  const remote = randomBytes(16);
  const candidates = credentialCandidates(USER, PASS);

  for (const [authKind, formula] of [
    ['md5', 'v1'],
    ['sha', 'v2'],
    ['md5', 'v2'],
    ['sha', 'v1'],
  ] as const) {
    it(`recognises ${authKind} + ${formula}`, () => {
      const auth = authHash(authKind, 'kasa@tp-link.net', 'kasaSetup');
      const match = matchServerHash(
        local,
        remote,
        serverHash(formula, local, remote, auth),
        candidates,
      );
      assert.deepEqual(match && { ...match, authHash: match.authHash.toString('hex') }, {
        credential: 'kasa-default',
        authKind,
        formula,
        authHash: auth.toString('hex'),
      });
    });
  }

  it('returns null for a foreign hash or a wrong length', () => {
    assert.equal(matchServerHash(local, remote, randomBytes(32), candidates), null);
    assert.equal(matchServerHash(local, remote, randomBytes(31), candidates), null);
  });
});

describe('cipher', () => {
  const make = () => new KlapCipher(randomBytes(16), randomBytes(16), randomBytes(32));

  it('round-trips with the same seq on both sides and derives the documented initial seq', () => {
    const local = randomBytes(16);
    const remote = randomBytes(16);
    const auth = randomBytes(16);
    const a = new KlapCipher(local, remote, auth);
    const b = new KlapCipher(local, remote, auth);
    assert.equal(a.initialSeq, initialSeqFor(local, remote, auth));
    const seq = a.nextSeq() as number;
    assert.equal(seq, a.initialSeq + 1);
    assert.equal(a.currentSeq, seq);
    const text = '{"method":"set_device_info","params":{"nickname":"ÄÖÜ ✓"}}';
    assert.equal(b.decrypt(seq, a.encrypt(text, seq)).toString('utf8'), text);
    assert.equal(b.decrypt(seq, a.encrypt(Buffer.from(text), seq)).toString('utf8'), text);
  });

  it('checks the signature before decrypting', () => {
    const c = make();
    const body = c.encrypt('{}', 5);
    body[body.length - 1] = (body[body.length - 1] as number) ^ 1; // ciphertext tampered
    assert.throws(
      () => c.decrypt(5, body),
      (e: unknown) => e instanceof CipherError && e.reason === 'signature',
    );
    assert.throws(
      () => c.decrypt(5, Buffer.alloc(31)),
      (e: unknown) => e instanceof CipherError && e.reason === 'short',
    );
  });

  it('signals exhaustion at 2^31-1 instead of wrapping', () => {
    const c = make();
    // Move the counter next to the limit the way a long session would.
    (c as unknown as { seq: number }).seq = MAX_SEQ - 2;
    assert.equal(c.nextSeq(), MAX_SEQ - 1);
    assert.equal(c.exhausted, false);
    assert.equal(c.nextSeq(), MAX_SEQ);
    assert.equal(c.exhausted, true);
    assert.equal(c.nextSeq(), null);
    assert.equal(c.currentSeq, MAX_SEQ);
    // Encrypting at the very limit still works (the largest valid int32).
    assert.ok(c.encrypt('{}', MAX_SEQ).length > 32);
  });
});

describe('Set-Cookie parsing', () => {
  it('reads the usual single header', () => {
    assert.deepEqual(
      parseSetCookie('TP_SESSIONID=ABCDEF0123456789ABCDEF0123456789;TIMEOUT=86400'),
      {
        sessionId: 'ABCDEF0123456789ABCDEF0123456789',
        timeoutSeconds: 86400,
      },
    );
  });

  it('accepts several headers in any order, with spaces and odd case', () => {
    assert.deepEqual(parseSetCookie(['TIMEOUT=1440; Path=/', ' tp_sessionid = XYZ ; HttpOnly']), {
      sessionId: 'XYZ',
      timeoutSeconds: 1440,
    });
  });

  it('defaults and clamps TIMEOUT defensively', () => {
    const timeoutOf = (raw: string) =>
      parseSetCookie(`TP_SESSIONID=A;TIMEOUT=${raw}`)?.timeoutSeconds;
    assert.equal(timeoutOf('abc'), 86400);
    assert.equal(timeoutOf('-5'), 86400);
    assert.equal(timeoutOf('0'), 86400);
    assert.equal(timeoutOf('12.5'), 86400);
    assert.equal(timeoutOf('99999999999'), 7 * 86400);
    assert.equal(timeoutOf('1'), 1);
    assert.equal(parseSetCookie('TP_SESSIONID=A')?.timeoutSeconds, 86400);
  });

  it('rejects missing, empty or unsafe session ids', () => {
    assert.equal(parseSetCookie(undefined), null);
    assert.equal(parseSetCookie([]), null);
    assert.equal(parseSetCookie('TIMEOUT=86400'), null);
    assert.equal(parseSetCookie('TP_SESSIONID=;TIMEOUT=86400'), null);
    assert.equal(parseSetCookie('TP_SESSIONID="quoted"'), null);
    assert.equal(parseSetCookie('garbage'), null);
  });
});

describe('session renewal margin', () => {
  it('renews 20 minutes early for long sessions and at half-life for short ones', () => {
    assert.equal(renewDelayMs(86400), (86400 - 1200) * 1000);
    assert.equal(renewDelayMs(2400), 1200 * 1000);
    assert.equal(renewDelayMs(60), 30 * 1000);
    assert.equal(renewDelayMs(1), 500);
  });
});

describe('serial queue', () => {
  it('runs one job at a time in arrival order and isolates failures', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let active = 0;
    const job = (name: string, fail = false) =>
      queue.run(async () => {
        active += 1;
        assert.equal(active, 1, 'never two jobs at once');
        log.push(`start ${name}`);
        await delay(2);
        log.push(`end ${name}`);
        active -= 1;
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([job('a'), job('b', true), job('c')]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('catches synchronous throws and rejects jobs that have not started', async () => {
    const queue = new SerialQueue();
    await assert.rejects(
      queue.run(() => {
        throw new Error('sync');
      }),
      /sync/,
    );
    let release = () => {};
    const running = queue.run(
      () => new Promise<string>((resolve) => (release = () => resolve('ran'))),
    );
    const waiting = queue.run(async () => 'never');
    const rejected = assert.rejects(waiting, /closed/);
    assert.equal(queue.pending, 1);
    queue.rejectPending(new Error('closed'));
    await rejected;
    release();
    assert.equal(await running, 'ran', 'the job already running is not affected');
    assert.equal(await queue.run(async () => 'after'), 'after');
  });
});

describe('network error mapping', () => {
  const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('maps "not there" codes to UnreachableError with a readable reason', () => {
    for (const [code, reason] of [
      ['ECONNREFUSED', 'connection refused'],
      ['EHOSTUNREACH', 'host unreachable'],
      ['ENETUNREACH', 'network unreachable'],
      ['ENOTFOUND', 'host name not found'],
      ['EAI_AGAIN', 'host name lookup failed'],
    ]) {
      const error = mapNetworkError(withCode(code as string), '192.0.2.9', 'handshake1');
      assert.ok(error instanceof UnreachableError);
      assert.ok(!(error instanceof ConnectionResetError));
      assert.equal(error.code, 'UNREACHABLE');
      assert.match(error.message, new RegExp(`Cannot reach 192\\.0\\.2\\.9 \\(${reason}\\)`));
    }
  });

  it('marks resets and hang-ups as transient', () => {
    for (const error of [withCode('ECONNRESET'), withCode('EPIPE'), new Error('socket hang up')]) {
      const mapped = mapNetworkError(error, 'lamp', 'the request');
      assert.ok(mapped instanceof ConnectionResetError);
      assert.equal(mapped.transient, true);
      assert.match(mapped.message, /during the request/);
    }
  });

  it('still returns an UnreachableError for anything unknown', () => {
    assert.match(mapNetworkError(withCode('EWEIRD'), 'x', 's').message, /EWEIRD/);
    assert.match(mapNetworkError('text', 'x', 's').message, /text/);
    assert.match(mapNetworkError(null, 'x', 's').message, /null/);
  });
});

describe('public index', () => {
  it('re-exports the transport, cipher, hashes and errors', () => {
    assert.equal(typeof klap.KlapTransport, 'function');
    assert.equal(typeof klap.KlapCipher, 'function');
    assert.equal(typeof klap.matchServerHash, 'function');
    assert.equal(typeof klap.credentialCandidates, 'function');
    assert.equal(typeof klap.SessionExpiredError, 'function');
    assert.equal(klap.MAX_SEQ, 2147483647);
    assert.equal(klap.DEFAULT_TIMEOUT_MS, 5000);
  });
});
