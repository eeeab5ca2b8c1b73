/** The AES securePassthrough codecs against fixed vectors (recomputed independently in Node). */

import assert from 'node:assert/strict';
import {
  constants,
  createCipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { describe, it } from 'node:test';
import { AesCipherError, AesSessionCipher } from '../../src/transport/aes/cipher';
import {
  handshakeRequest,
  loginParams,
  loginRequest,
  passthroughRequest,
} from '../../src/transport/aes/login';
import {
  createRsaKeyPair,
  decryptHandshakeKey,
  encryptHandshakeKey,
  publicKeyPem,
} from '../../src/transport/aes/rsa';

const PRIVATE_PEM = `-----BEGIN PRIVATE KEY-----
MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAJpmOtLL1BLfDfAD
pRiac/ZVV60M2uocIK9gsYC3uU3bBXqTOtqCy0Qg5oclKFeUi04WYEE41+MX1jR5
e4H+Or7/Gdt5RMtPo3G1C2XQVjQXnbNF2vun6JggeQkiQYZIToIo14FnAQHs1JyX
UE+/pdzHV6arvkvheMlEn3D+qmEZAgMBAAECgYB5Ak5wD9gywicGSZUHZ2YjVlfV
BRI+EbV8Pmhf3Z6Z6mKs4t9pisEMsEx89x5bJczYcqkV9RsenPwBPIUUKNCY0V1j
4W/nTgJjCYa49ed7pCWGAhKXPkalib1RVjelAjsEQcXiSgOHd7Jo6x8BsxyaBdvb
lfy9L/G+SfFcKWsGAQJBAMqN2SK8K9SwoihrcFexkldp3t//JZHX3Q/rj3XEyzn9
lYd5YGT98L/CoT5P1ryIrDcEQw5VTC9qh5l7D140F6kCQQDDI54Gc4bemc+Ch0P6
BsUPPlNGBIoQu6Tp5vQLTHL/UvIHczN9Omwg63ZOYFJTU1m9VQlf7Oudzk9n9YVb
xCPxAkAD5O5DyLJfCHZVqJskVHmnzJVIYTNrtma9o53CeeIeX028qQy9ZFR4m1lW
RVqvjUEiXaacY+9vCfFJdiA5g27hAkEAhu1iv+0zrUlG/WcQLpptuWuL4tcSrB1D
G2RRDFrxDPBKX7JdQNKbn2uQIwNhCTKR02MwFz7XcAcOSsCuVFRb0QJBAKq114aq
/irMqE8sOfKECj8S9/UIsUZyt/Y+kbqWtaRP6BsOhj5TyKMf/UsX8w4qZNseXYlk
ZHIx9Gpz6+/SVOQ=
-----END PRIVATE KEY-----
`;
const privateKey = createPrivateKey(PRIVATE_PEM);
const publicKey = createPublicKey(privateKey);

const N =
  '9a663ad2cbd412df0df003a5189a73f65557ad0cdaea1c20af60b180b7b94ddb057a933ada82cb4420e687252857948b4e16604138d7e317d634797b81fe3abeff19db7944cb4fa371b50b65d05634179db345dafba7e898207909224186484e8228d781670101ecd49c97504fbfa5dcc757a6abbe4be178c9449f70feaa6119';
const SPKI_B64 =
  'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCaZjrSy9QS3w3wA6UYmnP2VVetDNrqHCCvYLGAt7lN2wV6kzragstEIOaHJShXlItOFmBBONfjF9Y0eXuB/jq+/xnbeUTLT6NxtQtl0FY0F52zRdr7p+iYIHkJIkGGSE6CKNeBZwEB7NScl1BPv6Xcx1emq75L4XjJRJ9w/qphGQIDAQAB';
const KEY = Buffer.from('ee9ace11f3be422416982df56f4a39cb', 'hex');
const IV = Buffer.from('557f2801ef5055cdc634b93fc9743810', 'hex');
const BLOCK =
  '0002f897bfd8d7ecbab28be1dc30e96904652d36a8c87eaf3e09ca08a1881242c9ff201df62debb847cc1b2c18768080a5e28ab5b5615684e2b6958e16fdeaa4e092ab719114b9c9a919362cfa9e3185180a4ef6c56f40cd0401ae3d631b1b00ee9ace11f3be422416982df56f4a39cb557f2801ef5055cdc634b93fc9743810';
const RSA_CIPHERTEXT =
  '313a795466592f6aa5e0fe9f887823bf175a8714e686f7b11d153fce92c92c8e57f0c3ec5f1927a215a5e9bb88c33ae2dbe32e0ffb8d8ddc6397c86bbba512ac4af01440382aa32902740e4fb1824dcb99eaf5c4ee2b99ee14e0c34506a7bb7f4184ace3994073b137a20645d7da4cf6a371bde51d3cc53afac927bd8988caae';
const HANDSHAKE_REPLY =
  '{"error_code":0,"result":{"key":"MTp5VGZZL2ql4P6fiHgjvxdahxTmhvexHRU/zpLJLI5X8MPsXxknohWl6buIwzri2+MuD/uNjdxjl8hru6USrErwFEA4KqMpAnQOT7GCTcuZ6vXE7iuZ7hTgw0UGp7t/QYSs45lAc7E3ogZF19pM9qNxveUdPMU6+sknvYmIyq4="}}';

/** Raw RSA on a hand-made block, so tests can present the decoder with any padding they like. */
const sealBlock = (block: Buffer) =>
  publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, block).toString('base64');

describe('AES vectors A1–A3: RSA key and handshake', () => {
  it('A1: the key pair is the documented one (modulus, exponent, SPKI DER)', () => {
    const jwk = publicKey.export({ format: 'jwk' });
    assert.equal(Buffer.from(jwk.n as string, 'base64url').toString('hex'), N);
    assert.equal(Buffer.from(jwk.e as string, 'base64url').readUIntBE(0, 3), 65537);
    assert.equal(publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), SPKI_B64);
  });

  it('A2: the handshake body is the exact 314 bytes (one-line PEM)', () => {
    const body = handshakeRequest(publicKeyPem(publicKey));
    assert.equal(
      body,
      `{"method":"handshake","params":{"key":"-----BEGIN PUBLIC KEY-----\\n${SPKI_B64}\\n-----END PUBLIC KEY-----\\n"}}`,
    );
    assert.equal(Buffer.byteLength(body), 314);
    assert.equal(
      createHash('sha256').update(body).digest('hex'),
      '161ddd7ba305b787bcc921fb14c3eb2a3820dbab1e40347a2c339ee03f36f6f5',
    );
  });

  it('A3: the padded block encrypts to the documented ciphertext and reply body', () => {
    const sealed = sealBlock(Buffer.from(BLOCK, 'hex'));
    assert.equal(Buffer.from(sealed, 'base64').toString('hex'), RSA_CIPHERTEXT);
    assert.equal(JSON.stringify({ error_code: 0, result: { key: sealed } }), HANDSHAKE_REPLY);
  });

  it('A3: decryptHandshakeKey recovers key and IV from the reply', () => {
    const { key, iv } = decryptHandshakeKey(privateKey, JSON.parse(HANDSHAKE_REPLY).result.key);
    assert.equal(key.toString('hex'), KEY.toString('hex'));
    assert.equal(iv.toString('hex'), IV.toString('hex'));
  });

  it('device side: encryptHandshakeKey (random padding) round-trips through both PEM forms', () => {
    const keyAndIv = Buffer.concat([KEY, IV]);
    const oneLine = publicKeyPem(publicKey);
    const wrapped = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.notEqual(oneLine, wrapped);
    for (const pem of [oneLine, wrapped]) {
      const sealed = encryptHandshakeKey(pem, keyAndIv);
      const block = privateDecrypt(
        { key: privateKey, padding: constants.RSA_NO_PADDING },
        Buffer.from(sealed, 'base64'),
      );
      assert.equal(block.subarray(0, 2).toString('hex'), '0002');
      const { key, iv } = decryptHandshakeKey(privateKey, sealed);
      assert.deepEqual([key, iv], [KEY, IV]);
    }
  });

  it('createRsaKeyPair: RSA-1024, e=65537, one-line SPKI PEM that works both ways', () => {
    const pair = createRsaKeyPair();
    const lines = pair.publicKeyPem.split('\n');
    assert.deepEqual(
      [lines[0], lines[2], lines[3], lines.length],
      ['-----BEGIN PUBLIC KEY-----', '-----END PUBLIC KEY-----', '', 4],
    );
    assert.equal(lines[1]?.length, 216);
    const details = createPublicKey(pair.publicKeyPem).asymmetricKeyDetails;
    assert.deepEqual([details?.modulusLength, details?.publicExponent], [1024, 65537n]);
    const keyAndIv = Buffer.alloc(32, 7);
    const { key, iv } = decryptHandshakeKey(
      pair.privateKey,
      encryptHandshakeKey(pair.publicKeyPem, keyAndIv),
    );
    assert.deepEqual(Buffer.concat([key, iv]), keyAndIv);
  });
});

describe('decryptHandshakeKey refuses anything but a well-formed 32-byte type-2 block', () => {
  const payload = Buffer.concat([KEY, IV]);
  const block = (head: string, padding: Buffer, message: Buffer) => {
    const out = Buffer.concat([Buffer.from(head, 'hex'), padding, Buffer.from([0]), message]);
    assert.equal(out.length, 128);
    return out;
  };
  const cases: [string, Buffer, RegExp][] = [
    ['type 1 block', block('0001', Buffer.alloc(93, 0xff), payload), /PKCS#1 v1.5 encryption/],
    ['leading byte not 00', block('0102', Buffer.alloc(93, 5), payload), /PKCS#1 v1.5 encryption/],
    [
      'padding shorter than 8 bytes',
      Buffer.concat([Buffer.from('0002', 'hex'), Buffer.alloc(7, 9), Buffer.alloc(119)]),
      /malformed/,
    ],
    [
      'no separator',
      Buffer.concat([Buffer.from('0002', 'hex'), Buffer.alloc(126, 3)]),
      /malformed/,
    ],
    [
      '31-byte message',
      block('0002', Buffer.alloc(94, 5), payload.subarray(0, 31)),
      /carry 32 bytes .*got 31$/,
    ],
    [
      '33-byte message',
      block('0002', Buffer.alloc(92, 5), Buffer.concat([payload, Buffer.from([1])])),
      /carry 32 bytes .*got 33$/,
    ],
  ];
  for (const [name, bad, message] of cases) {
    it(name, () => {
      assert.throws(
        () => decryptHandshakeKey(privateKey, sealBlock(bad)),
        (error: unknown) => {
          assert.ok(error instanceof AesCipherError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('bad base64, wrong length, another key', () => {
    assert.throws(() => decryptHandshakeKey(privateKey, 'not base64!'), AesCipherError);
    assert.throws(() => decryptHandshakeKey(privateKey, 'AAAA'), /must be 128 bytes \(got 3\)/);
    // A block that is numerically ≥ n cannot be decrypted at all.
    const tooBig = Buffer.alloc(128, 0xff).toString('base64');
    assert.throws(() => decryptHandshakeKey(privateKey, tooBig), /does not decrypt/);
    const other = createRsaKeyPair();
    const sealed = encryptHandshakeKey(publicKeyPem(publicKey), payload);
    assert.throws(() => decryptHandshakeKey(other.privateKey, sealed), AesCipherError);
  });

  it('encryptHandshakeKey refuses bad PEM, non-RSA keys and wrong lengths', () => {
    assert.throws(
      () => encryptHandshakeKey('-----BEGIN PUBLIC KEY-----\nxx', payload),
      /valid PEM/,
    );
    const ec = createPublicKey(
      createPrivateKey({
        key: {
          kty: 'EC',
          crv: 'P-256',
          d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI',
          x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
          y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
        },
        format: 'jwk',
      }),
    );
    assert.throws(
      () => encryptHandshakeKey(ec.export({ type: 'spki', format: 'pem' }).toString(), payload),
      /not an RSA key/,
    );
    assert.throws(() => encryptHandshakeKey(publicKeyPem(publicKey), KEY), /32 bytes together/);
  });
});

describe('AES vector A4: login parameters', () => {
  const table: [string, string, Record<string, string>, Record<string, string>][] = [
    [
      'alice@example.com',
      'correct horse battery staple',
      {
        password: 'Y29ycmVjdCBob3JzZSBiYXR0ZXJ5IHN0YXBsZQ==',
        username: 'ZmMyMzk4YTczZGQ1NGQ2MjM3YzRmZGI1OGZkN2Q3NTM0N2NmNWFmMw==',
      },
      {
        password2: 'YWJmN2FhZDY0Mzg4MzZkYmU1MjZhYTIzMWFiZGUyZDBlZWY3NGQ0Mg==',
        username: 'ZmMyMzk4YTczZGQ1NGQ2MjM3YzRmZGI1OGZkN2Q3NTM0N2NmNWFmMw==',
      },
    ],
    [
      'test@tp-link.net',
      'test',
      {
        password: 'dGVzdA==',
        username: 'ZDk4MWQwYzBlZDliMWFjMTVkMzA0MzI3Y2ZmYzEwMGY0NjA1ZmVlMw==',
      },
      {
        password2: 'YTk0YThmZTVjY2IxOWJhNjFjNGMwODczZDM5MWU5ODc5ODJmYmJkMw==',
        username: 'ZDk4MWQwYzBlZDliMWFjMTVkMzA0MzI3Y2ZmYzEwMGY0NjA1ZmVlMw==',
      },
    ],
    [
      'Bob@Example.com',
      'pässwörd',
      {
        password: 'cMOkc3N3w7ZyZA==',
        username: 'MzgyYWVkZTAxZjliZDc1NzYwNzZkMzYwZjdkNTE0ZTQyNWNlYjAyNA==',
      },
      {
        password2: 'ZjUxN2RkZjFkMzJhMTEyZmYxYWQ1NWM2NmQxYjEyY2IzOGU3ZThmNw==',
        username: 'MzgyYWVkZTAxZjliZDc1NzYwNzZkMzYwZjdkNTE0ZTQyNWNlYjAyNA==',
      },
    ],
  ];
  for (const [user, pass, v1, v2] of table) {
    it(`${user}: v1 and v2, byte for byte and in key order`, () => {
      assert.equal(JSON.stringify(loginParams(user, pass, 1)), JSON.stringify(v1));
      assert.equal(JSON.stringify(loginParams(user, pass, 2)), JSON.stringify(v2));
    });
  }

  it('the username is case-sensitive', () => {
    assert.notEqual(
      loginParams('bob@example.com', 'x', 2).username,
      loginParams('Bob@Example.com', 'x', 2).username,
    );
  });
});

describe('AES vectors A5–A8: session cipher', () => {
  const cipher = new AesSessionCipher(KEY, IV);
  const LOGIN_PLAIN =
    '{"method":"login_device","params":{"password2":"YWJmN2FhZDY0Mzg4MzZkYmU1MjZhYTIzMWFiZGUyZDBlZWY3NGQ0Mg==","username":"ZmMyMzk4YTczZGQ1NGQ2MjM3YzRmZGI1OGZkN2Q3NTM0N2NmNWFmMw=="},"request_time_milis":1700000000123}';
  const LOGIN_CIPHER =
    'OENdWzP/bAsb9G4QHoNKN1Zjp71BXYHMTQ6YBmifzvqD1NWMqhWOPaZZBCKMuY1RSI9af+/n8Qty5AhaBOqHONe0nuZP0cCMZV37X+B85izHt9yZ+ErJ2bEQQOenJ3mP9L4IY13YsfV3NDikHyjHgHi6m+co0Rx4rWA+ajDDjPdx7Evx/w9LghLT+3FMh9QjAGl0iRYyYHjElP/sY3dO6QJId4KNH9gCtk4v/xSsD+s47GVLjhhHbLhYzBJmI9u9Sv/8wd1oRsWGMNwy/peLQvcgKWk0/l5YuFiBU5Z22f8=';
  const TOKEN_PLAIN = '{"error_code":0,"result":{"token":"0123456789ABCDEFGHIJKLMNOPQRSTUV"}}';
  const TOKEN_CIPHER =
    'iZ9OA5Ga4olTpv8L6lA4HRbsxhp00PL2gc0gpGKf+jQsDY8k4io9zGQIL+bupKVESwyA7kglSPJDaeJStDKrBzJ/Hg+j6inKB6qmZYfnBws=';

  it('A5: login_device plaintext, ciphertext and envelope', () => {
    const plain = loginRequest(
      loginParams('alice@example.com', 'correct horse battery staple', 2),
      1700000000123,
    );
    assert.equal(plain, LOGIN_PLAIN);
    assert.equal(Buffer.byteLength(plain), 212);
    assert.equal(cipher.encrypt(plain), LOGIN_CIPHER);
    assert.equal(cipher.decrypt(LOGIN_CIPHER), LOGIN_PLAIN);
    assert.equal(
      passthroughRequest(LOGIN_CIPHER),
      `{"method":"securePassthrough","params":{"request":"${LOGIN_CIPHER}"}}`,
    );
  });

  it('A5: the token reply', () => {
    assert.equal(cipher.encrypt(TOKEN_PLAIN), TOKEN_CIPHER);
    assert.equal(cipher.decrypt(TOKEN_CIPHER), TOKEN_PLAIN);
  });

  it('A6: a request after login and its reply; fixed IV shows in equal first blocks', () => {
    const request =
      '{"method":"get_device_info","request_time_milis":1700000000123,"terminal_uuid":"Ll4+G7YnSuCBZbzdlHbJ7A=="}';
    const requestCipher =
      'YmyaUTmACh8tl8sjXJfPbAQqcAbFZ5W2dxuVpNOKtS7E0Ladbvx23nyPykc6qqXhS/gf0fmFsdEmrZ+tVVSjlm2PaCjn1MPLyP0RCX8CXnMAcW+N2LeHMhE4bRv+pJikINmKF1GbBCusqzsURFbbtw==';
    const reply = '{"error_code":0,"result":{"device_on":true,"model":"L530","brightness":80}}';
    const replyCipher =
      'iZ9OA5Ga4olTpv8L6lA4HYMD3F0UatGLpp6Tn8pxy5imzNuAY72LCQR3HAvCwqm9Zy6al5FoUQopfQrbcRiIXPdinV6JiolWUkelJ7cr4sw=';
    assert.equal(cipher.encrypt(request), requestCipher);
    assert.equal(cipher.decrypt(requestCipher), request);
    assert.equal(cipher.encrypt(reply), replyCipher);
    assert.equal(cipher.decrypt(replyCipher), reply);
    const first = (b64: string) => Buffer.from(b64, 'base64').subarray(0, 16).toString('hex');
    assert.equal(first(replyCipher), first(TOKEN_CIPHER));
  });

  it('A7: an inner error reply', () => {
    const cipherText = 'DMhx/Xud800fARCW2anPCIp4DcEWJgtXoYtA1oER03A=';
    assert.equal(cipher.encrypt('{"error_code":-1501}'), cipherText);
    assert.equal(cipher.decrypt(cipherText), '{"error_code":-1501}');
  });

  it('A8: a 16-byte plaintext gets a whole block of padding', () => {
    const sealed = cipher.encrypt('{"error_code":0}');
    assert.equal(
      Buffer.from(sealed, 'base64').toString('hex'),
      '721ddafb4d3f85c292f993c5ebbf1a2d5610ca93f27325824362ffda78bb57e9',
    );
    assert.equal(sealed, 'ch3a+00/hcKS+ZPF678aLVYQypPycyWCQ2L/2ni7V+k=');
    assert.equal(cipher.decrypt(sealed), '{"error_code":0}');
  });

  it('non-ASCII text survives as UTF-8', () => {
    const text = '{"nickname":"Küche 💡"}';
    assert.equal(cipher.decrypt(cipher.encrypt(text)), text);
  });
});

describe('AesSessionCipher refuses what it cannot open', () => {
  const cipher = new AesSessionCipher(KEY, IV);
  const fails = (input: string, message: RegExp) =>
    assert.throws(
      () => cipher.decrypt(input),
      (error: unknown) => {
        assert.ok(error instanceof AesCipherError, String(error));
        assert.match(error.message, message);
        return true;
      },
    );

  it('bad base64 (including plain JSON, as an unencrypting device sends)', () => {
    fails('{"error_code":0}', /not valid base64/);
    fails('abc', /not valid base64/);
    fails('ch3a+00/hcKS+ZPF678aLVYQypPycyWCQ2L/2ni7V+k', /not valid base64/);
  });

  it('empty input and lengths that are not whole blocks', () => {
    fails('', /non-zero multiple of 16 bytes \(got 0\)/);
    fails(Buffer.alloc(15).toString('base64'), /got 15/);
    fails(Buffer.alloc(17).toString('base64'), /got 17/);
  });

  it('bad padding: another key, or a flipped last byte', () => {
    const sealed = Buffer.from(cipher.encrypt('{"error_code":0}'), 'base64');
    const other = new AesSessionCipher(IV, KEY);
    assert.throws(() => other.decrypt(sealed.toString('base64')), /bad padding/);
    const flipped = Buffer.from(sealed);
    flipped[31] = (flipped[31] as number) ^ 0x01;
    // Changing the last ciphertext byte scrambles the whole last block, padding included.
    assert.throws(() => cipher.decrypt(flipped.toString('base64')), AesCipherError);
  });

  it('invalid UTF-8 after decryption', () => {
    const c = createCipheriv('aes-128-cbc', KEY, IV);
    const sealed = Buffer.concat([c.update(Buffer.from([0xff, 0xfe, 0x41])), c.final()]);
    fails(sealed.toString('base64'), /not valid UTF-8/);
  });

  it('key and IV must be 16 bytes', () => {
    assert.throws(
      () => new AesSessionCipher(Buffer.alloc(32), IV),
      /16 bytes each \(got 32 and 16\)/,
    );
    assert.throws(() => new AesSessionCipher(KEY, Buffer.alloc(8)), AesCipherError);
  });
});
