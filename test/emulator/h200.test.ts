import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../src/emulator/cli';
import { startH200 } from '../../src/emulator/h200';
import { EmulatedSmartcamHub } from '../../src/emulator/smartcam-hub';

function call(hub: EmulatedSmartcamHub, requests: { method: string; params?: unknown }[]) {
  return JSON.parse(
    hub.respond(JSON.stringify({ method: 'multipleRequest', params: { requests } })),
  );
}

describe('emulated H200', () => {
  const closing: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closing.splice(0)) await close();
  });

  it('answers entry by entry and stops at the first entry that fails', () => {
    const hub = new EmulatedSmartcamHub({ children: ['T110'] });
    const reply = call(hub, [
      { method: 'getSirenStatus', params: { siren: {} } },
      { method: 'getNothing', params: {} },
      { method: 'getConnectionType', params: {} },
    ]);
    assert.deepEqual(
      reply.result.responses.map((r: { method: string; error_code: number }) => [
        r.method,
        r.error_code,
      ]),
      [
        ['getSirenStatus', 0],
        ['getNothing', -40210],
      ],
    );
  });

  it('pages both child lists by childControl.start_index, cameras after the SMART children', () => {
    const hub = new EmulatedSmartcamHub({ children: [...Array(11).fill('T310'), 'D230'] });
    const page = (method: string, start: number) =>
      call(hub, [{ method, params: { childControl: { start_index: start } } }]).result.responses[0]
        .result;
    const first = page('getChildDeviceList', 0);
    assert.equal(first.child_device_list.length, 10);
    assert.equal(first.sum, 12);
    const second = page('getChildDeviceList', 10);
    assert.equal(second.child_device_list[1].device_model, 'D230');
    assert.equal(second.child_device_list[1].category, 'camera');
    const components = page('getChildDeviceComponentList', 10);
    assert.ok(
      components.child_component_list[1].component_list.some(
        (c: { name: string }) => c.name === 'battery',
      ),
    );
    // The H100's shape (start_index at the top) is refused.
    const wrong = call(hub, [{ method: 'getChildDeviceList', params: { start_index: 0 } }]);
    assert.equal(wrong.result.responses[0].error_code, -40106);
  });

  it('keeps button presses out of the logs unless told to log them', () => {
    const hub = new EmulatedSmartcamHub({ children: ['S200B'] });
    const logs = () =>
      call(hub, [
        {
          method: 'controlChild',
          params: {
            childControl: {
              device_id: hub.hub.children[0]?.id,
              request_data: { method: 'get_trigger_logs', params: { page_size: 5, start_id: 0 } },
            },
          },
        },
      ]).result.responses[0].result.response_data.result.logs;
    hub.hub.press(1);
    assert.deepEqual(logs(), []);
    hub.setLogButtons(true);
    hub.hub.press(1, 'doubleClick');
    assert.deepEqual(
      logs().map((e: { event: string }) => e.event),
      ['doubleClick'],
    );
  });

  it('refuses a batch inside controlChild (no H200 is known to take one)', () => {
    const hub = new EmulatedSmartcamHub({ children: ['S220'] });
    const reply = call(hub, [
      {
        method: 'controlChild',
        params: {
          childControl: {
            device_id: hub.hub.children[0]?.id,
            request_data: { method: 'multipleRequest', params: { requests: [] } },
          },
        },
      },
    ]);
    assert.equal(reply.result.responses[0].result.response_data.error_code, -40210);
  });

  it('lamp-emulator --model H200 takes --child (D230 too), --log-buttons and --control; other protocols refused', async () => {
    const config = parseArgs([
      '--model',
      'H200',
      '--child',
      'S200B',
      '--child',
      'D230:Front',
      '--log-buttons',
      '--control',
      '0',
    ]);
    assert.ok(config !== 'help');
    const [h200] = config.devices;
    assert.equal(h200?.model, 'H200');
    assert.equal(h200?.protocol, 'sslaes');
    assert.deepEqual(h200?.children, ['S200B', { model: 'D230', alias: 'Front' }]);
    assert.throws(() => parseArgs(['--model', 'H200', '--protocol', 'klap']), UsageError);
    assert.throws(() => parseArgs(['--model', 'H100', '--child', 'D230']), /H200/);
  });

  it('runs on sslaes with the control interface of an H100', async () => {
    const hub = await startH200({ children: ['T110'], controlPort: 0 });
    closing.push(() => hub.close());
    assert.match(hub.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${hub.controlUrl}/children/1/contact`, {
      method: 'POST',
      body: JSON.stringify({ open: true }),
    });
    assert.equal(res.status, 200);
    assert.equal(hub.hub.children[0]?.info.open, true);
  });
});
