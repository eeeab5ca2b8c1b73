/**
 * A raw client for the emulated sslaes hub (test support): HTTPS POSTs and a secure login built
 * from the hash functions alone, so tests can send what our transport never would (forged tags,
 * replayed sequence numbers, wrong digests).
 */
import * as https from 'node:https';
import { after } from 'node:test';
import { type EmulatedDevice, type EmulatorOptions, startEmulator } from '../../src/emulator';
import { AesSessionCipher } from '../../src/transport/aes/cipher';
import {
  digestPassword,
  newNonce,
  passwordHash,
  sessionKey,
  tagSecret,
} from '../../src/transport/sslaes/hashes';

export const HOST = '127.0.0.1';
export const REQUEST = JSON.stringify({ method: 'get_device_info' });
export const answered = (reply: string) => JSON.parse(reply).error_code === 0;

/**
 * Starts emulated sslaes devices (an L530's JSON) expecting `username`/`password`, each closed
 * when the test file ends.
 */
export function hubStarter(username: string, password: string) {
  const started: EmulatedDevice[] = [];
  after(() => Promise.all(started.map((d) => d.close())));
  return async (options: Partial<EmulatorOptions> = {}): Promise<EmulatedDevice> => {
    const device = await startEmulator({
      model: 'L530',
      protocol: 'sslaes',
      username,
      password,
      ...options,
    });
    started.push(device);
    return device;
  };
}

/** One raw HTTPS POST, as a client of our own making would send it. */
export function post(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: HOST,
        port,
        path,
        method: 'POST',
        rejectUnauthorized: false,
        agent: false,
        headers: { 'Content-Type': 'application/json', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A hand-made secure login (SHA-256 firmware, user admin) for checking the hub's side without
 * our transport; `digestFor` may spoil the digest. Returns what a session needs.
 */
export async function rawLogin(port: number, password: string, digestFor = (d: string) => d) {
  const cnonce = newNonce();
  const h1 = await post(
    port,
    '/',
    JSON.stringify({ method: 'login', params: { cnonce, encrypt_type: '3', username: 'admin' } }),
  );
  const data = (h1.json.result as { data: { nonce: string } }).data;
  const hash = passwordHash('sha256', password);
  const digest = digestFor(digestPassword(cnonce, data.nonce, hash));
  const h2 = await post(
    port,
    '/',
    JSON.stringify({
      method: 'login',
      params: { cnonce, encrypt_type: '3', digest_passwd: digest, username: 'admin' },
    }),
  );
  const result = h2.json.result as { stok: string; start_seq: number } | undefined;
  return {
    reply: h2.json,
    stok: result?.stok ?? '',
    seq: result?.start_seq ?? 0,
    cipher: new AesSessionCipher(
      sessionKey('lsk', cnonce, data.nonce, hash),
      sessionKey('ivb', cnonce, data.nonce, hash),
    ),
    secret: tagSecret(hash, cnonce),
  };
}
