/**
 * A poll's batch reply split as text: the first response's parse is re-used only when the text
 * before and after the rest is byte for byte as before, and the envelope is the one split.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reparseBatchReply, splitBatchReply } from '../../src/device/batch-reply-text';

const reply = (info: unknown, ...rest: unknown[]) =>
  JSON.stringify({
    error_code: 0,
    result: {
      responses: [{ method: 'get_device_info', result: info, error_code: 0 }, ...rest],
    },
  });
const energy = (time: string, power = 0) => ({
  method: 'get_energy_usage',
  result: { current_power: power, local_time: time },
  error_code: 0,
});
const INFO = { device_on: false, nickname: 'a "quoted" [name], {with} \\ all', rssi: -40 };

function split(text: string) {
  return splitBatchReply(text, JSON.parse(text));
}

describe('batch reply text', () => {
  it('re-uses the first response when only a later one changed', () => {
    const first = reply(INFO, energy('12:00:00'));
    const parsed = JSON.parse(first);
    const parts = split(first);
    assert.ok(parts, 'a compact batch of two splits');
    const next = reply(INFO, energy('12:00:01', 5));
    const again = reparseBatchReply(parsed, parts, next) as typeof parsed;
    assert.deepEqual(again, JSON.parse(next), 'the same as parsing it whole');
    assert.equal(again.result.responses[0], parsed.result.responses[0], 'the very same info');
    assert.notEqual(again, parsed);
  });

  it('parses whole when the first response changed, or the tail, or the rest is not JSON', () => {
    const first = reply(INFO, energy('12:00:00'));
    const parsed = JSON.parse(first);
    const parts = split(first);
    assert.ok(parts);
    const changed = reply({ ...INFO, rssi: -41 }, energy('12:00:00'));
    assert.equal(reparseBatchReply(parsed, parts, changed), undefined);
    const tail = first.replace(/}$/, ',"extra":1}');
    assert.equal(reparseBatchReply(parsed, parts, tail), undefined);
    const broken = `${parts.head}{"method":${parts.tail}`;
    assert.equal(reparseBatchReply(parsed, parts, broken), undefined);
    assert.equal(reparseBatchReply(parsed, parts, `${parts.head}${parts.tail}`), undefined);
  });

  it('splits only the envelope result.responses list, not a list of that name inside a response', () => {
    const inner = { ...INFO, responses: [{ a: 1 }, { b: 2 }] };
    const text = reply(inner, energy('12:00:00'));
    const parts = split(text);
    assert.ok(parts);
    assert.ok(parts.head.endsWith(`"error_code":0},`), parts.head);
    assert.equal(parts.tail, ']}}');
    const next = reply(inner, energy('12:00:09'));
    assert.deepEqual(reparseBatchReply(JSON.parse(text), parts, next), JSON.parse(next));
  });

  it('leaves single replies, one-response batches and spaced JSON alone', () => {
    assert.equal(split(JSON.stringify({ error_code: 0, result: INFO })), undefined);
    assert.equal(split(reply(INFO)), undefined);
    const spaced = JSON.stringify(JSON.parse(reply(INFO, energy('1'))), null, 1);
    assert.equal(split(spaced), undefined);
    // Three responses: the two after the first are parsed together.
    const three = reply(INFO, energy('1'), {
      method: 'get_emeter_data',
      result: {},
      error_code: 0,
    });
    const parts = split(three);
    assert.ok(parts);
    const next = reply(INFO, energy('2'), {
      method: 'get_emeter_data',
      result: { v: 1 },
      error_code: 0,
    });
    assert.deepEqual(reparseBatchReply(JSON.parse(three), parts, next), JSON.parse(next));
  });
});
