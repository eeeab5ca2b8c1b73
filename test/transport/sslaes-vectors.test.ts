/**
 * The secure login's arithmetic against fixed vectors. The expected values were computed
 * independently (Python's hashlib) from the formulas in docs/protocols/sslaes.md §3–§4, so a
 * wrong order of concatenation, a lower-case hex or a bytes-versus-text slip fails here.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  derLength,
  derOid,
  derTime,
  derUnsigned,
  makeSelfSignedCertificate,
} from '../../src/emulator/wire/self-signed';
import {
  deviceConfirm,
  digestPassword,
  matchDeviceConfirm,
  passwordHash,
  sessionKey,
  tagSecret,
  tapoTag,
} from '../../src/transport/sslaes/hashes';
import { readHandshake1 } from '../../src/transport/sslaes/messages';

const PASSWORD = 'Sup3r secret!';
const CN = '0123456789ABCDEF';
const SN = 'FEDCBA9876543210';
const H_SHA256 = '805C257D28AFF6648D1ADD92A389403EBE2E5F2DC21A51DA907C248CD4F27847';
const H_MD5 = '1AC15C0CCA8F91DBB3512229F63943B1';

describe('sslaes hashes', () => {
  it('password hashes are upper-case hex of the UTF-8 password', () => {
    assert.equal(passwordHash('sha256', PASSWORD), H_SHA256);
    assert.equal(passwordHash('md5', PASSWORD), H_MD5);
    assert.equal(
      passwordHash('sha256', 'pässwörd'),
      '46970BEF70ACED8123F0D5D094717E2A5CD412041E03B26376049FE65B2834A4',
    );
  });

  it('device_confirm = SHA256(CN + H + SN) + SN + CN', () => {
    assert.equal(
      deviceConfirm(CN, SN, H_SHA256),
      `7457AF91E0AE197261F112EB4C948D78E40D18D0C26134E23A4EE8AE735B27B4${SN}${CN}`,
    );
  });

  it('a confirm is matched to the hash it was made with: SHA-256, MD5, or none', () => {
    const md5Confirm = `A92797B6B02A3A89E2B10936104213B791E9A523EE78A4B1EFA167A39A88FDFC${SN}${CN}`;
    assert.equal(deviceConfirm(CN, SN, H_MD5), md5Confirm);
    assert.deepEqual(matchDeviceConfirm(md5Confirm, CN, SN, PASSWORD), {
      kind: 'md5',
      hash: H_MD5,
    });
    assert.equal(
      matchDeviceConfirm(deviceConfirm(CN, SN, H_SHA256), CN, SN, PASSWORD)?.kind,
      'sha256',
    );
    assert.equal(matchDeviceConfirm(md5Confirm, CN, SN, 'sup3r secret!'), null, 'case matters');
    assert.equal(matchDeviceConfirm('', CN, SN, PASSWORD), null);
  });

  it('digest_passwd = SHA256(H + CN + SN) + CN + SN', () => {
    assert.equal(
      digestPassword(CN, SN, H_SHA256),
      `6BD48EEC84DF5ACE44185694609D3B34A96A49578C5CEBEDCA76BFB81D1BA1D4${CN}${SN}`,
    );
  });

  it('lsk and ivb are 16 bytes of SHA256(label + CN + SN + SHA256hex(CN + H + SN))', () => {
    assert.equal(
      sessionKey('lsk', CN, SN, H_SHA256).toString('hex'),
      '89e027b0b3796729c1cf5485a1c5e589',
    );
    assert.equal(
      sessionKey('ivb', CN, SN, H_SHA256).toString('hex'),
      'cc31890a8759e264f47a091fe1336b8e',
    );
  });

  it('Tapo_tag = SHA256(SHA256hex(H + CN) + body + seq) over the exact body', () => {
    const body = '{"method":"securePassthrough","params":{"request":"AAAA"}}';
    const secret = tagSecret(H_SHA256, CN);
    assert.equal(
      tapoTag(secret, body, 1234),
      'A0ABB744453905AA51757B5F069E2E1086384FB4CE6493C700BFFBAB3009BEEE',
    );
    assert.notEqual(tapoTag(secret, body.replace(':', ': '), 1234), tapoTag(secret, body, 1234));
    assert.notEqual(tapoTag(secret, body, 1235), tapoTag(secret, body, 1234));
  });
});

describe('reading handshake 1 replies', () => {
  it('ready: -40413 with a nonce and a confirm', () => {
    assert.deepEqual(
      readHandshake1({
        error_code: -40413,
        result: { data: { code: -40401, nonce: SN, device_confirm: 'X', encrypt_type: ['3'] } },
      }),
      { kind: 'ready', nonce: SN, confirm: 'X' },
    );
  });

  it('the lock-out, whose data sits at the top level, with its seconds', () => {
    assert.deepEqual(
      readHandshake1({ error_code: -40401, data: { code: -40404, sec_left: 1685 } }),
      { kind: 'blocked', secondsLeft: 1685 },
    );
    assert.deepEqual(
      readHandshake1({ error_code: -40401, data: { code: -40404, sec_left: 'soon' } }),
      { kind: 'blocked', secondsLeft: null },
    );
  });

  it('an unknown user name, the less secure login, and anything else', () => {
    assert.deepEqual(readHandshake1({ error_code: -40401, result: { data: { code: -40502 } } }), {
      kind: 'bad-username',
    });
    assert.deepEqual(
      readHandshake1({ error_code: -40401, result: { data: { encrypt_type: ['1', '2'] } } }),
      { kind: 'less-secure', encryptTypes: ['1', '2'] },
    );
    // A ready code without a nonce (reported on some H200 firmware) is not "ready".
    assert.deepEqual(readHandshake1({ error_code: -40413, result: { data: {} } }), {
      kind: 'refused',
      code: -40413,
      innerCode: null,
    });
    assert.deepEqual(readHandshake1({}), { kind: 'refused', code: null, innerCode: null });
  });
});

describe('the emulator certificate (DER built by hand)', () => {
  it('DER lengths, OIDs, integers and times are encoded as X.690 says', () => {
    assert.deepEqual([...derLength(5)], [5]);
    assert.deepEqual([...derLength(200)], [0x81, 200]);
    assert.deepEqual([...derLength(0x1234)], [0x82, 0x12, 0x34]);
    assert.equal(derOid('1.2.840.113549.1.1.11').toString('hex'), '06092a864886f70d01010b');
    assert.equal(derUnsigned(Buffer.from([0x80])).toString('hex'), '02020080');
    assert.equal(derUnsigned(Buffer.from([0, 0, 5])).toString('hex'), '020105');
    assert.equal(
      derTime(new Date('2026-12-07T14:23:56Z')).toString('latin1').slice(2),
      '261207142356Z',
    );
    assert.equal(derTime(new Date('2051-01-02T03:04:05Z'))[0], 0x18, 'GeneralizedTime');
  });

  it('is a self-signed certificate Node parses and verifies, with the fingerprint it reports', () => {
    const made = makeSelfSignedCertificate({ commonName: 'test hub' });
    const x509 = new X509Certificate(made.cert);
    assert.equal(x509.subject, 'CN=test hub');
    assert.equal(x509.issuer, 'CN=test hub');
    assert.ok(x509.verify(x509.publicKey), 'signed by its own key');
    assert.ok(x509.checkPrivateKey(createPrivateKey(made.key)));
    assert.equal(x509.fingerprint256, made.fingerprint256);
    assert.ok(new Date(x509.validTo) > new Date(Date.now() + 365 * 24 * 3600 * 1000));
  });
});
