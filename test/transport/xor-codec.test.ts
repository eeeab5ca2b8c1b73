/** The legacy XOR codec against fixed vectors, and the TCP frame reader on awkward chunking. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  frame,
  XorFrameError,
  XorFrameReader,
  xorDecode,
  xorEncode,
} from '../../src/transport/xor/codec';

const VECTORS: [string, string, number, string][] = [
  [
    'X1',
    '{"system":{"get_sysinfo":{}}}',
    29,
    '0000001dd0f281f88bff9af7d5ef94b6d1b4c09fec95e68fe187e8caf08bf68bf6',
  ],
  [
    'X2',
    '{"system":{"set_relay_state":{"state":1}}}',
    42,
    '0000002ad0f281f88bff9af7d5ef94b6c5a0d48bf99cf091e8b7c4b0d1a5c0e2d8a381f286e793f6d4eedfa2dfa2',
  ],
  [
    'X3',
    '{"context":{"child_ids":["8006A1B2C3D4E5F60718293A4B5C6D7E8F90A1B201"]},"system":{"set_relay_state":{"state":0}}}',
    113,
    '00000071d0f291fe90e481f98daf95eeccafc7aec2a6f990f487a59fc4e6deeedee8a998dae8ab98dce8ad98dee8d8efdee6d4edde9fabe9dc9fa9edda9fa7e1d8e8a998dae8d8e9cb96ebc7e596ef9ce88de0c2f883a1d2b7c39cee8be786ffa0d3a7c6b2d7f5cfb496e591f084e1c3f9c9b4c9b4',
  ],
  [
    'X4',
    '{"smartlife.iot.smartbulb.lightingservice":{"transition_light_state":{"hue":120,"saturation":65,"color_temp":0,"brightness":10,"transition_period":150,"on_off":1,"ignore_default":1}}}',
    183,
    '000000b7d0f281ec8dff8be78ee88da3caa5d1ff8ce180f286e491fd9fb1ddb4d3bbcfa6c8afdcb9cbbdd4b7d2f0cab193e795f49ae980f49df29cc3afc6a1c9bde291e584f095b78df6d4bcc9ac8eb485b787ab89fa9bef9ae889fd94fb95b78dbb8ea280e38ce08ffda2d6b3deae8cb686aa88ea98f196fe8ae481f281a399a898b496e290f19fec85f198f799c6b6d3a1c8a7c3e1dbeadfefc3e18ee0bfd0b6d0f2c8f9d5f79ef997f88aefb0d4b1d7b6c3afdbf9c3f28ff28f',
  ],
  [
    'X5',
    '{"system":{"set_relay_state":{"err_code":0}}}',
    45,
    '0000002dd0f281f88bff9af7d5ef94b6c5a0d48bf99cf091e8b7c4b0d1a5c0e2d8a381e496e4bbd8b7d3b694ae9ee39ee3',
  ],
  [
    'X6',
    '{"system":{"set_dev_alias":{"alias":"Küche"}}}',
    47,
    '0000002fd0f281f88bff9af7d5ef94b6c5a0d48bef8afca3c2aec7a6d5f7cdb694f599f091e2c0fad89350ec8fe782a0dda0dd',
  ],
];

describe('XOR vectors X1–X6', () => {
  for (const [name, json, length, hex] of VECTORS) {
    it(`${name}: TCP frame, UDP form and decoding`, () => {
      assert.equal(Buffer.byteLength(json), length);
      assert.equal(frame(json).toString('hex'), hex);
      const udp = Buffer.from(hex.slice(8), 'hex');
      assert.equal(xorEncode(json).toString('hex'), udp.toString('hex'));
      assert.equal(xorDecode(udp), json);
      assert.deepEqual(new XorFrameReader().push(Buffer.from(hex, 'hex')), [json]);
    });
  }

  it('X6 counts bytes, not characters', () => {
    const json = VECTORS[5]?.[1] as string;
    assert.equal(json.length, 46);
    assert.equal(frame(json).readUInt32BE(0), 47);
  });

  it('the empty message is a bare zero length', () => {
    assert.equal(frame('').toString('hex'), '00000000');
    assert.equal(xorDecode(Buffer.alloc(0)), '');
    assert.deepEqual(new XorFrameReader().push(Buffer.from('00000000', 'hex')), ['']);
  });
});

describe('XorFrameReader', () => {
  const all = VECTORS.map(([, json]) => json);
  const stream = Buffer.concat(all.map(frame));

  it('several frames in one chunk', () => {
    const reader = new XorFrameReader();
    assert.deepEqual(reader.push(stream), all);
    assert.equal(reader.pendingBytes, 0);
  });

  it('one byte at a time (the header split too)', () => {
    const reader = new XorFrameReader();
    const out: string[] = [];
    for (const byte of stream) out.push(...reader.push(Buffer.from([byte])));
    assert.deepEqual(out, all);
  });

  it('chunks that straddle frame boundaries keep the remainder', () => {
    for (const size of [3, 5, 7, 50, 100]) {
      const reader = new XorFrameReader();
      const out: string[] = [];
      for (let i = 0; i < stream.length; i += size) {
        out.push(...reader.push(stream.subarray(i, i + size)));
      }
      assert.deepEqual(out, all, `chunk size ${size}`);
    }
    const reader = new XorFrameReader();
    assert.deepEqual(reader.push(stream.subarray(0, 40)), [all[0]]);
    assert.equal(reader.pendingBytes, 40 - 33);
  });

  it('a declared length above the limit throws a clear error before buffering it', () => {
    const reader = new XorFrameReader({ maxFrameBytes: 100 });
    assert.deepEqual(reader.push(frame('x'.repeat(100))), ['x'.repeat(100)]);
    assert.throws(
      () => reader.push(Buffer.from('00000065', 'hex')),
      (error: unknown) =>
        error instanceof XorFrameError &&
        error.message === 'XOR frame of 101 bytes exceeds the 100-byte limit',
    );
    const defaults = new XorFrameReader();
    assert.throws(
      () => defaults.push(Buffer.from('00100001', 'hex')),
      /1048577 bytes exceeds the 1048576-byte limit/,
    );
    assert.deepEqual(new XorFrameReader().push(Buffer.from('00100000', 'hex')), []);
  });
});
