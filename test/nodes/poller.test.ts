/** The hub's poller on its own: back-off arithmetic, the read at deploy, pausing and stopping. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Poller } from '../../src/nodes/shared/poller';
import { until } from './support';

function poller(interval: number | undefined, reads: { count: number }, active = () => true) {
  return new Poller({
    interval: () => interval,
    read: async () => {
      reads.count++;
    },
    active,
    maxBackoffMs: 1000,
    authBackoffMs: 5000,
  });
}

describe('Poller', () => {
  it('doubles the delay per failure up to the ceiling, and ends the back-off on success', () => {
    const p = poller(100, { count: 0 });
    assert.equal(p.nextDelay(), 100);
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      p.failed(Object.assign(new Error('x'), { code: 'UNREACHABLE' }));
      delays.push(p.nextDelay());
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    assert.equal(p.failing, true);
    p.succeeded();
    assert.equal(p.nextDelay(), 100);
    p.stop();
  });

  it('waits the long refusal delay after a refused login, whatever the count', () => {
    const p = poller(100, { count: 0 });
    p.failed(Object.assign(new Error('no'), { code: 'AUTH_FAILED' }));
    assert.equal(p.nextDelay(), 5000);
    p.stop();
  });

  it('has no delay without an interval, but still reads once at deploy', async () => {
    const reads = { count: 0 };
    const p = poller(undefined, reads);
    assert.equal(p.nextDelay(), undefined);
    p.readNow();
    p.reschedule(); // a user change must not cancel the read at deploy
    await until(() => reads.count === 1 && p.idle, 'the read at deploy');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(reads.count, 1, 'no interval: no further reads');
  });

  it('reads on its interval while active, and not after pause or stop', async () => {
    const reads = { count: 0 };
    let active = true;
    const p = poller(20, reads, () => active);
    p.readNow();
    await until(() => reads.count >= 3, 'three reads');
    active = false; // as the hub: the last user left
    p.pause();
    await until(() => p.idle, 'paused');
    const paused = reads.count;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(reads.count, paused, 'no read while paused');
    p.readNow();
    await until(() => p.idle, 'the skipped read');
    assert.equal(reads.count, paused, 'an inactive hub is not read');
    p.stop();
    p.readNow();
    assert.equal(p.idle, true, 'a stopped poller arms nothing');
  });
});
