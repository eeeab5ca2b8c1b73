/**
 * LampClient failure paths a user meets in practice: replies that stop making sense after the
 * dialect is known, callers queued behind a device that cannot be reached, and bad options.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LampError, MalformedResponseError } from '../../src/klap/errors';
import { rig } from './helpers';

/** Replaces what the emulated device answers from now on. */
function answer(r: ReturnType<typeof rig>, text: string): void {
  (r.transport as unknown as { handler: (plaintext: string) => string }).handler = () => text;
}

describe('replies that are not SMART envelopes once the device is known to speak SMART', () => {
  for (const reply of ['{"foo":1}', '[1,2]', 'null', '"text"']) {
    it(`${reply} is a MalformedResponseError (typed, with a code), for reads, commands and raw requests`, async () => {
      const r = rig('L530');
      await r.client.open();
      answer(r, reply);
      for (const call of [
        () => r.client.getState(),
        () => r.client.setState(true),
        () => r.client.request('get_device_info'),
      ]) {
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(err instanceof MalformedResponseError, `got ${String(err)}`);
          assert.equal((err as LampError).code, 'MALFORMED');
          return true;
        });
      }
      await r.client.close();
    });
  }

  it('a get_device_info result that is not an object is refused, not turned into an "off" state', async () => {
    const r = rig('L530');
    await r.client.open();
    for (const result of ['"x"', '[]', '42']) {
      // The L530 reads its state with one plain get_device_info (no batch).
      answer(r, `{"error_code":0,"result":${result}}`);
      await assert.rejects(r.client.getState(), MalformedResponseError);
      await assert.rejects(r.client.setState('toggle'), MalformedResponseError);
    }
    await r.client.close();
  });
});
