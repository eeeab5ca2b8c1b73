/** The KLAP test vectors (docs/protocols/klap.md §7), cross-checked against python-kasa, for both KLAP variants. */

import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { KlapCipher, klapSessionKeys } from '../../src/transport/klap/cipher';
import { authHash, handshake2Payload, serverHash } from '../../src/transport/klap/hashes';

const hex = (value: Buffer) => value.toString('hex');
const localSeed = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const remoteSeed = Buffer.from('101112131415161718191a1b1c1d1e1f', 'hex');
const USER = 'user@example.com';
const PASS = 'secret';

describe('KLAP v1 (md5 auth hash, v1 seed formula)', () => {
  const auth = authHash('md5', USER, PASS);

  it('auth hash', () => {
    assert.equal(hex(auth), '9d6ce791ce44316e9e52fc1bc9d36496');
  });

  it('handshake1 server hash', () => {
    assert.equal(
      hex(serverHash('v1', localSeed, remoteSeed, auth)),
      'c2d456076f946c707000874d2e226a1c09e89a21e459272b8ec0f01cdaf774cf',
    );
  });

  it('handshake2 payload', () => {
    assert.equal(
      hex(handshake2Payload('v1', localSeed, remoteSeed, auth)),
      '50ef3325d42cd7c999aa9e47e8cb0f8a7f6f239f1d51b39d46d581a4bb75c8c5',
    );
  });
});

describe('KLAP v2 (sha auth hash, v2 seed formula)', () => {
  const auth = authHash('sha', USER, PASS);

  it('auth hash', () => {
    assert.equal(hex(auth), 'b039216532fc844e9ae0cc8fe3ea911c9ba09c641bb96a3e1f776d93f7b5ae9b');
  });

  it('handshake1 server hash', () => {
    assert.equal(
      hex(serverHash('v2', localSeed, remoteSeed, auth)),
      '8ed3b905e654fbee23900d0244156a33029c025b71b03bfcc601eff33aaebb70',
    );
  });

  it('handshake2 payload', () => {
    assert.equal(
      hex(handshake2Payload('v2', localSeed, remoteSeed, auth)),
      '1e590e7a4dc128da48ed17e06fe23ddb6ec646bb6da2eb00708d590f194201d7',
    );
  });

  it('session key, IV base, initial seq and signature key', () => {
    const keys = klapSessionKeys(localSeed, remoteSeed, auth);
    assert.equal(hex(keys.key), '35dcf29cd535ce140a239c67f641d395');
    assert.equal(hex(keys.ivBase), '863e09a70667472d3fa152a4');
    assert.equal(keys.initialSeq, -903964344);
    assert.equal(new KlapCipher(localSeed, remoteSeed, auth).initialSeq, -903964344);
    assert.equal(hex(keys.sigKey), '777443e2fdd5cb21052633a60e830f44c8654b3a701f449231ed11fa');
  });

  it('first request: seq, ciphertext and signature of get_device_info', () => {
    const cipher = new KlapCipher(localSeed, remoteSeed, auth);
    const seq = cipher.nextSeq();
    assert.equal(seq, -903964343);
    const body = cipher.encrypt('{"method":"get_device_info"}', seq as number);
    assert.equal(body.length, 64);
    assert.equal(
      hex(body.subarray(0, 32)),
      '81da24b0a1db4c9ec2fd895b347d416921d7f7a822457b501a52072e5f9acebf',
    );
    assert.equal(
      hex(body.subarray(32)),
      '1119b459358000bec16c976ef226a249c491bf18064c9319a51d85792116a683',
    );
    // The device side opens it with the same seq.
    const device = new KlapCipher(localSeed, remoteSeed, auth);
    assert.equal(
      device.decrypt(seq as number, body).toString('utf8'),
      '{"method":"get_device_info"}',
    );
  });

  it('every later message is plain CBC with its own IV, whatever the session sent or refused before', () => {
    // The cipher keeps one CBC stream each way for the session; each message must still come
    // out exactly as a fresh AES-128-CBC with IV = ivBase ‖ be32(seq) would make it.
    const cipher = new KlapCipher(localSeed, remoteSeed, auth);
    const keys = klapSessionKeys(localSeed, remoteSeed, auth);
    const texts = ['', 'x', '0123456789abcdef', '{"method":"get_device_info"}', 'é'.repeat(40)];
    const sent = texts.map((text) => {
      const seq = cipher.nextSeq() as number;
      const iv = Buffer.concat([keys.ivBase, Buffer.alloc(4)]);
      iv.writeInt32BE(seq, 12);
      const fresh = createCipheriv('aes-128-cbc', keys.key, iv);
      const expected = Buffer.concat([fresh.update(text, 'utf8'), fresh.final()]);
      const body = cipher.encrypt(text, seq);
      assert.deepEqual(body.subarray(32), expected, `ciphertext of ${JSON.stringify(text)}`);
      assert.deepEqual(body.subarray(0, 32), cipher.signature(seq, expected));
      return { text, seq, body };
    });
    // The other side opens them in any order, a tampered one in between changing nothing.
    const device = new KlapCipher(localSeed, remoteSeed, auth);
    const tampered = Buffer.from(sent[3]?.body as Buffer);
    tampered[40] = (tampered[40] as number) ^ 1;
    const asReceived = Buffer.from(tampered);
    assert.throws(() => device.decrypt(sent[3]?.seq as number, tampered), /signature/);
    assert.deepEqual(tampered, asReceived, 'checking a body leaves it as it came');
    const wrongSignature = Buffer.from(sent[3]?.body as Buffer);
    wrongSignature[0] = (wrongSignature[0] as number) ^ 1;
    assert.throws(() => device.decrypt(sent[3]?.seq as number, wrongSignature), /signature/);
    for (const { text, seq, body } of [...sent].reverse()) {
      const copy = Buffer.from(body);
      assert.equal(device.decrypt(seq, body).toString('utf8'), text);
      assert.deepEqual(body, copy, 'opening a body leaves it as it came');
    }
  });
});

describe('blank credentials', () => {
  it('v1 and v2 auth hashes of empty username and password', () => {
    assert.equal(hex(authHash('md5', '', '')), '5873dd45edd01f09c1ef2e7819369e8e');
    assert.equal(
      hex(authHash('sha', '', '')),
      'b8628ab91c74f531603f6d5b45e730e54c123a7247b8978272c03f1e13560cea',
    );
  });
});
