/**
 * The retry budget of the shared session base (RETRY_BUDGET): several faults inside one call are
 * survived (reconnects and fresh logins counted separately), one more than the budget surfaces,
 * and no retry starts once the call has run `windowSteps` step timeouts. A scripted subclass
 * stands in for the wire so that each fault lands exactly where the test puts it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConnectionResetError,
  MalformedResponseError,
  SessionExpiredError,
} from '../../src/transport/errors';
import {
  type BaseSession,
  RETRY_BUDGET,
  SessionRejected,
  SessionTransport,
} from '../../src/transport/session-transport';
import type { LoginInfo } from '../../src/transport/types';

type Step = 'ok' | 'reset' | 'rejected' | 'dead' | 'malformed';

/** Answers each exchange as the script says, in order; 'ok' once the script is used up. */
class Scripted extends SessionTransport<BaseSession> {
  readonly encryption = 'KLAP';
  exchanges = 0;
  loginCalls = 0;

  constructor(
    private readonly script: Step[],
    timeoutMs = 1000,
    private readonly stepDelayMs = 0,
  ) {
    super({ host: '127.0.0.1', port: 1, timeoutMs });
  }

  protected async login(): Promise<{ session: BaseSession; info: LoginInfo }> {
    this.loginCalls += 1;
    return { session: { renewAt: Number.POSITIVE_INFINITY }, info: { variant: 'scripted' } };
  }

  protected async exchange(_session: BaseSession, plaintext: string): Promise<string> {
    this.exchanges += 1;
    if (this.stepDelayMs > 0) await new Promise((r) => setTimeout(r, this.stepDelayMs));
    const step = this.script.shift() ?? 'ok';
    if (step === 'reset') throw new ConnectionResetError(this.address, 'the request');
    if (step === 'rejected') throw new SessionRejected('the device refused the session (HTTP 403)');
    if (step === 'malformed') throw new MalformedResponseError(this.address, 'garbled');
    if (step === 'dead') return '{"error_code":9999}';
    return plaintext;
  }

  protected release(): void {}
}

const dead = (reply: string) => reply.includes('9999');

describe('retry budget of the session base', () => {
  it('is small: 3 reconnects, 2 fresh logins, a window of 3 step timeouts', () => {
    assert.deepEqual({ ...RETRY_BUDGET }, { reconnects: 3, relogins: 2, windowSteps: 3 });
  });

  it('survives two faults inside one exchange: a second dropped connection', async () => {
    const t = new Scripted(['reset', 'reset']);
    assert.equal(await t.send('{"a":1}'), '{"a":1}');
    assert.deepEqual([t.exchanges, t.loginCalls], [3, 1]);
  });

  it('survives an expiry right after a fresh login', async () => {
    const t = new Scripted(['rejected', 'rejected']);
    assert.equal(await t.send('{"a":2}'), '{"a":2}');
    assert.deepEqual([t.exchanges, t.loginCalls], [3, 3]);
  });

  it('counts reconnects and fresh logins separately', async () => {
    const t = new Scripted(['reset', 'rejected', 'reset', 'dead', 'reset']);
    assert.equal(await t.send('{"a":3}', { sessionDead: dead }), '{"a":3}');
    assert.deepEqual([t.exchanges, t.loginCalls], [6, 3]);
  });

  it('one dropped connection more than the budget surfaces, after exactly the budget', async () => {
    const t = new Scripted(Array(RETRY_BUDGET.reconnects + 1).fill('reset'));
    await assert.rejects(t.send('{}'), ConnectionResetError);
    assert.equal(t.exchanges, RETRY_BUDGET.reconnects + 1);
    assert.equal(await t.send('{"next":1}'), '{"next":1}', 'the next call works');
  });

  it('one refusal more than the budget is SESSION_EXPIRED, after exactly the budget', async () => {
    const t = new Scripted(['rejected', 'dead', 'rejected']);
    await assert.rejects(t.send('{}', { sessionDead: dead }), (error: unknown) => {
      assert.ok(error instanceof SessionExpiredError);
      assert.match(error.message, /right after a fresh login/);
      return true;
    });
    assert.deepEqual([t.exchanges, t.loginCalls], [3, 3]);
  });

  it('other failures are not retried', async () => {
    const t = new Scripted(['malformed']);
    await assert.rejects(t.send('{}'), MalformedResponseError);
    assert.equal(t.exchanges, 1);
  });

  it('no retry starts once the call has run windowSteps step timeouts', async () => {
    // Each exchange takes longer than the whole window (3 × 20 ms): the first reset surfaces.
    const slow = new Scripted(['reset', 'reset'], 20, 100);
    await assert.rejects(slow.send('{}'), ConnectionResetError);
    assert.equal(slow.exchanges, 1);
    const refused = new Scripted(['rejected', 'rejected'], 20, 100);
    await assert.rejects(refused.send('{}'), (error: unknown) => {
      assert.ok(error instanceof SessionExpiredError);
      assert.doesNotMatch(error.message, /fresh login/, 'no fresh login was tried');
      return true;
    });
    assert.equal(refused.loginCalls, 1);
    // The same faults, quick, within the window: retried.
    const quick = new Scripted(['reset', 'reset'], 1000, 1);
    assert.equal(await quick.send('{"q":1}'), '{"q":1}');
  });
});
