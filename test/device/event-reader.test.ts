/**
 * The event reader's rules on log behaviour the emulated hub does not show but real hubs might
 * (docs/protocols/hubs.md §8): a log whose ids start again lower (cleared by a reset), a reply
 * whose start_id is always 0, a non-zero start_id taken as exclusive, and one ignored. The log
 * source here is a scripted hub log, served with the reply shape of get_trigger_logs.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { EventReader, type HubEvent } from '../../src/device/hub/event-reader';
import type { HubLogSource, Info, TriggerLogPage } from '../../src/device/hub/log-source';

type StartId = 'inclusive' | 'exclusive' | 'ignored';

/** One button's log on a scripted hub: newest first, paged like get_trigger_logs. */
class ScriptedHub implements HubLogSource {
  entries: Info[] = [];
  private next = 500;
  constructor(
    private readonly startId: StartId = 'inclusive',
    private readonly echoZero = false,
  ) {}

  press(count = 1): number[] {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      this.next += 2;
      ids.push(this.next);
      this.entries.unshift({
        id: this.next,
        eventId: randomUUID(),
        event: 'singleClick',
        timestamp: 1_800_000_000 + this.next,
      });
    }
    return ids;
  }

  /** The log cleared and its counter started again (a reset). */
  restart(): void {
    this.entries = [];
    this.next = 10;
  }

  async readRecords(): Promise<Info[]> {
    return [
      {
        device_id: 'B1',
        model: 'S200B',
        category: 'subg.trigger.button',
        nickname: Buffer.from('Button').toString('base64'),
        status: 'online',
      },
    ];
  }

  hasLog(): boolean {
    return true;
  }

  async readLog(_id: string, pageSize: number, start: number): Promise<TriggerLogPage> {
    let from = this.entries;
    if (start !== 0 && this.startId === 'inclusive')
      from = from.filter((e) => Number(e.id) <= start);
    if (start !== 0 && this.startId === 'exclusive')
      from = from.filter((e) => Number(e.id) < start);
    const logs = structuredClone(from.slice(0, pageSize));
    const newest = Number(logs[0]?.id ?? 0);
    return { logs, startId: this.echoZero ? 0 : newest, sum: this.entries.length };
  }
}

function reader(hub: ScriptedHub): EventReader {
  return new EventReader((job) => job(hub), { pageSize: 5 });
}

const ids = (events: HubEvent[]) => events.map((e) => e.id);

describe('event reader on log behaviour real hubs might show', () => {
  for (const startId of ['inclusive', 'exclusive', 'ignored'] as const) {
    it(`a burst over several pages with start_id ${startId}`, async () => {
      const hub = new ScriptedHub(startId);
      hub.press(3);
      const events = reader(hub);
      await events.read();
      const burst = hub.press(17);
      const got = ids(await events.read());
      // An ignored start_id is met with one wide page; nothing is handed out twice either way.
      assert.deepEqual(got, burst);
      assert.deepEqual(await events.read(), []);
    });
  }

  it('a log that starts again with lower ids: its entries once, nothing old again', async () => {
    const hub = new ScriptedHub();
    hub.press(4);
    const events = reader(hub);
    await events.read();
    hub.restart();
    const after = hub.press(2);
    assert.deepEqual(ids(await events.read()), after);
    assert.deepEqual(await events.read(), []);
    const more = hub.press(1);
    assert.deepEqual(ids(await events.read()), more);
  });

  it('replies whose start_id is always 0 neither repeat nor lose entries', async () => {
    const hub = new ScriptedHub('inclusive', true);
    hub.press(2);
    const events = reader(hub);
    await events.read();
    const first = hub.press(3);
    assert.deepEqual(ids(await events.read()), first);
    assert.deepEqual(await events.read(), []);
    const second = hub.press(8);
    assert.deepEqual(ids(await events.read()), second);
    assert.deepEqual(await events.read(), []);
  });
});
