/**
 * Every TPAP test vector (test/transport/fixtures/tpap-vectors.json, docs/protocols/tpap.md §9)
 * reproduced byte for byte: the client (prover) side and the device (verifier) side, from the
 * same modules the transport and the emulator use.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveChannelKeys, nonceFor, TpapChannel } from '../../src/transport/tpap/channel';
import {
  credentialFor,
  defaultPasscode,
  type PasscodeType,
  passcodeTypeFor,
  registerUsername,
  shadowCredential,
} from '../../src/transport/tpap/credentials';
import {
  confirmation,
  contextHash,
  decodePoint,
  deriveScalars,
  encodePoint,
  encodeW,
  keySchedule,
  proverSecrets,
  proverShare,
  transcript,
  verifierRecord,
  verifierSecrets,
  verifierShare,
} from '../../src/transport/tpap/spake2plus';
import { cipherByName, SUITES, type Suite } from '../../src/transport/tpap/suites';
import vectors from './fixtures/tpap-vectors.json';

const hex = (value: Buffer | Uint8Array) => Buffer.from(value).toString('hex');
const bytes = (text: string) => Buffer.from(text, 'hex');
const int = (text: string) => BigInt(`0x${text}`);

function suiteOf(id: number): Suite {
  const suite = SUITES.get(id);
  assert.ok(suite, `suite ${id} is known`);
  return suite;
}

describe('TPAP suites', () => {
  for (const v of vectors.suites) {
    it(`suite ${v.suite}: curve, hash, MAC and the M and N constants`, () => {
      const suite = suiteOf(v.suite);
      const curves: Record<string, string> = {
        NIST256p: 'P-256',
        NIST384p: 'P-384',
        NIST521p: 'P-521',
      };
      assert.equal(suite.curveName, curves[v.curve]);
      assert.equal(suite.hash, v.hash.toLowerCase());
      assert.equal(suite.mac, v.mac === 'HMAC' ? 'hmac' : 'cmac');
      assert.equal(hex(suite.M.toBytes(true)), v.M);
      assert.equal(hex(suite.N.toBytes(true)), v.N);
    });
  }
  it('suites 6 and 7 are refused (no curve defined)', () => {
    assert.equal(SUITES.get(6), undefined);
    assert.equal(SUITES.get(7), undefined);
  });
});

for (const h of vectors.handshakes) {
  describe(`TPAP handshake vector: ${h.name}`, () => {
    const i = h.inputs;
    const o = h.outputs;
    const suite = suiteOf(i.cipher_suites);
    const cipher = cipherByName(i.encryption);
    const passcode = i.passcode_type as PasscodeType;
    const secret = { username: i.username, password: i.password, mac: i.mac };
    const credential = credentialFor(passcode, i.extra_crypt, secret);
    const salt = bytes(i.dev_salt_hex);
    const derived = deriveScalars(suite, credential, salt, i.iterations);
    const x = int(i.x_hex);
    const y = int(i.y_hex);
    const userRandom = bytes(i.user_random_hex);
    const devRandom = bytes(i.dev_random_hex);

    it('passcode type and credential string', () => {
      assert.equal(passcodeTypeFor(i.pake), passcode);
      assert.equal(credential, o.credential_string);
    });

    it('PBKDF2 output, w0, w1 and the device record L', () => {
      assert.equal(hex(derived.stretched), o.pbkdf2_80_bytes_hex);
      const width = o.w0_hex.length / 2;
      assert.equal(derived.w0.toString(16).padStart(width * 2, '0'), o.w0_hex);
      assert.equal(derived.w1.toString(16).padStart(width * 2, '0'), o.w1_hex);
      assert.equal(hex(encodePoint(verifierRecord(suite, derived.w1))), o.L_w1G_device_record_hex);
    });

    const X = proverShare(suite, derived.w0, x);
    const Y = verifierShare(suite, derived.w0, y);
    const prover = proverSecrets(suite, derived, x, Y);
    const verifier = verifierSecrets(suite, derived.w0, verifierRecord(suite, derived.w1), y, X);

    it('both shares, and Z and V from both sides', () => {
      assert.equal(hex(encodePoint(suite.M)), o.M_uncompressed_hex);
      assert.equal(hex(encodePoint(suite.N)), o.N_uncompressed_hex);
      assert.equal(hex(encodePoint(X)), o.X_user_share_hex);
      assert.equal(hex(encodePoint(Y)), o.Y_dev_share_hex);
      for (const side of [prover, verifier]) {
        assert.equal(hex(encodePoint(side.Z)), o.Z_hex);
        assert.equal(hex(encodePoint(side.V)), o.V_hex);
      }
    });

    const tt = transcript(suite, { userRandom, devRandom, X, Y, ...prover, w0: derived.w0 });
    const keys = keySchedule(suite, tt);

    it('context, w0 encoding, transcript and K_main', () => {
      assert.equal(hex(encodeW(derived.w0)), o.w0_transcript_encoding_hex);
      assert.equal(
        hex(Buffer.concat([Buffer.from('PAKE V1'), userRandom, devRandom])),
        o.context_hash_input_hex,
      );
      assert.equal(hex(contextHash(suite, userRandom, devRandom)), o.context_hash_hex);
      assert.equal(hex(tt), o.transcript_hex);
      assert.equal(hex(keys.kMain), o.transcript_hash_K_main_hex);
    });

    it('confirmation keys, both confirmations and the shared key', () => {
      assert.equal(hex(keys.kcA), o.confirmation_key_A_hex);
      assert.equal(hex(keys.kcB), o.confirmation_key_B_hex);
      assert.equal(hex(confirmation(suite, keys.kcA, Y)), o.user_confirm_hex);
      assert.equal(hex(confirmation(suite, keys.kcB, X)), o.dev_confirm_hex);
      assert.equal(hex(keys.sharedKey), o.shared_key_hex);
    });

    it('a compressed device share gives the same transcript and confirmation', () => {
      const compressed = decodePoint(suite, Buffer.from(Y.toBytes(true)));
      const again = proverSecrets(suite, derived, x, compressed);
      const tt2 = transcript(suite, {
        userRandom,
        devRandom,
        X,
        Y: compressed,
        ...again,
        w0: derived.w0,
      });
      assert.equal(hex(tt2), o.transcript_hex);
      assert.equal(hex(confirmation(suite, keys.kcA, compressed)), o.user_confirm_hex);
    });

    it('session key, nonces, the /ds request and reply bytes', () => {
      assert.ok(cipher, `cipher ${i.encryption} is known`);
      const channelKeys = deriveChannelKeys(suite, cipher, keys.sharedKey);
      assert.equal(hex(channelKeys.key), o.session_key_hex);
      assert.equal(hex(channelKeys.baseNonce), o.base_nonce_hex);
      assert.equal(hex(nonceFor(channelKeys.baseNonce, i.start_seq)), o.first_request_nonce_hex);
      const channel = new TpapChannel(cipher, channelKeys);
      const request = channel.seal(i.start_seq, Buffer.from(i.request_plaintext));
      assert.equal(hex(request), o.first_request_wire_hex);
      // The device opens the request and seals its reply under the same nonce.
      const opened = channel.open(request);
      assert.equal(opened.seq, i.start_seq);
      assert.equal(opened.plaintext.toString(), i.request_plaintext);
      const reply = channel.seal(opened.seq, Buffer.from(i.response_plaintext));
      assert.equal(hex(reply), o.first_response_wire_hex);
      assert.equal(
        channel.open(bytes(o.first_response_wire_hex)).plaintext.toString(),
        i.response_plaintext,
      );
    });
  });
}

describe('TPAP credential vectors', () => {
  for (const c of vectors.credentials) {
    if ('examples' in c) {
      it('w0 encoding examples', () => {
        for (const [value, encoded] of Object.entries(c.examples as Record<string, string>)) {
          assert.equal(hex(encodeW(BigInt(value))), encoded, value);
        }
      });
      continue;
    }
    if (!('username' in c)) {
      it(c.case, () => assert.equal(defaultPasscode(c.mac as string), c.credential));
      continue;
    }
    const secret = {
      username: c.username ?? '',
      password: c.password ?? '',
      mac: c.mac12 ?? '',
    };
    if (c.credential === null) {
      // The reference client crashes here (it keeps the "$" in the salt); we stop the salt at
      // the "$", which gives what the same prefix without the trailing "$" gives.
      it(`${c.case.split(' [')[0]}: salt ends at the "$"`, () => {
        const params = { ...(c.extra_crypt as { params: Record<string, unknown> }).params };
        const trimmed = {
          type: 'password_shadow',
          params: { ...params, passwd_prefix: '$5$rounds=2000$saltsalt' },
        };
        assert.equal(shadowCredential(c.extra_crypt, secret), shadowCredential(trimmed, secret));
      });
      continue;
    }
    it(c.case, () => assert.equal(shadowCredential(c.extra_crypt, secret), c.credential));
  }

  it('register usernames', () => {
    const exchange = vectors.handshakes[0]?.http_exchange?.[1]?.request as {
      params: { username: string };
    };
    assert.equal(registerUsername(), exchange.params.username);
    assert.equal(
      registerUsername(1),
      '8C6976E5B5410415BDE908BD4DEE15DFB167A9C873FC4BB8A81F6F2AB448A918',
    );
  });
});
