/**
 * AES-128-CMAC (RFC 4493), the confirmation MAC of suites 8 and 9. node:crypto has no CMAC, so
 * it is built here on single-block AES-ECB: subkeys from E(K, 0), then CBC-MAC over the
 * message with the last block masked by one of them.
 */
import { createCipheriv } from 'node:crypto';

const BLOCK = 16;
const RB = 0x87;

function encryptBlock(key: Buffer, block: Buffer): Buffer {
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]);
}

/** Doubling in GF(2^128): shift left one bit, fold the carry back in with Rb. */
function double(block: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    const next = i + 1 < BLOCK ? (block[i + 1] as number) : 0;
    out[i] = (((block[i] as number) << 1) | (next >>> 7)) & 0xff;
  }
  if ((block[0] as number) & 0x80) out[BLOCK - 1] = (out[BLOCK - 1] as number) ^ RB;
  return out;
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

export function aesCmac(key: Buffer, message: Buffer): Buffer {
  if (key.length !== 16) throw new RangeError('AES-128-CMAC needs a 16-byte key');
  const k1 = double(encryptBlock(key, Buffer.alloc(BLOCK)));
  const k2 = double(k1);
  const blocks = Math.max(1, Math.ceil(message.length / BLOCK));
  const complete = message.length > 0 && message.length % BLOCK === 0;
  let last: Buffer;
  if (complete) {
    last = xor(message.subarray((blocks - 1) * BLOCK), k1);
  } else {
    const padded = Buffer.alloc(BLOCK);
    const tail = message.subarray((blocks - 1) * BLOCK);
    tail.copy(padded);
    padded[tail.length] = 0x80;
    last = xor(padded, k2);
  }
  let state: Buffer = Buffer.alloc(BLOCK);
  for (let i = 0; i < blocks - 1; i++) {
    state = encryptBlock(key, xor(state, message.subarray(i * BLOCK, (i + 1) * BLOCK)));
  }
  return encryptBlock(key, xor(state, last));
}
