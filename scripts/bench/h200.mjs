// The H200 figures of `npm run bench` (issue #21), beside the H100's (bench/hub.mjs): an
// emulated H200 over sslaes (HTTPS) with two buttons (set to log their presses, which real
// H200s do not), a contact sensor, a climate sensor and a wall switch, watched by one
// lamp-event node at its default interval (1 s) and one lamp-status node at its default (10 s),
// in a real Node-RED (the built nodes/). Measures how long a press takes to come out of the
// lamp-event node, how long a contact opening seen only in the child list (no log entry)
// takes, and how many requests the hub gets per second while things happen and while nothing
// does.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import {
  idleRate,
  PRESSES,
  pressLatency,
  quantile,
  requestRate,
  row,
  sleep,
  startHubFlow,
} from './hub.mjs';

const require = createRequire(import.meta.url);
const { startH200 } = require('../../dist/emulator/index.js');

const CHILDREN = [
  { model: 'S200B', alias: 'Door button' },
  { model: 'S200B', alias: 'Bed button' },
  { model: 'T110', alias: 'Front door' },
  { model: 'T310', alias: 'Living room' },
  { model: 'S220', alias: 'Hall switch' },
];

export async function h200Figures() {
  const credentials = { username: 'bench@example.com', password: 'bench-password' };
  const hub = await startH200({ children: CHILDREN, logButtons: true, ...credentials });
  const flow = await startHubFlow(hub, 'sslaes', credentials);
  const waiting = new Map();
  try {
    flow.out.on('input', (msg) => {
      const key = msg.event?.source === 'state' ? `state:${msg.event.name}` : msg.event?.id;
      const resolve = waiting.get(key);
      if (resolve) resolve(performance.now());
    });
    await sleep(3000);

    const counters = hub.device.counters;
    const presses = [];
    const contacts = [];
    const requests = counters.requests;
    const started = performance.now();
    for (let k = 0; k < PRESSES; k++) {
      if (k % 4 === 3) {
        // A door opening or closing that only the child list shows.
        hub.hub.setUnloggedKinds(['contact']);
        const open = hub.hub.child('Front door').info.open !== true;
        const key = `state:${open ? 'open' : 'close'}`;
        const at = performance.now();
        const arrived = new Promise((resolve) => waiting.set(key, resolve));
        hub.hub.contact('Front door', open);
        contacts.push((await arrived) - at);
        waiting.delete(key);
      }
      if (k % 4 === 1) hub.hub.climate('Living room', { temperature: 20 + (k % 3) });
      presses.push(
        await pressLatency(hub.hub, k % 2 === 0 ? 'Door button' : 'Bed button', waiting),
      );
      await sleep(Math.random() * 1000);
    }
    const busy = requestRate(counters, requests, started);
    const idle = await idleRate(counters);

    console.log(
      '\nH200 hub (emulated H200 over sslaes/HTTPS: 2 buttons set to log, contact, climate sensor,\n' +
        '     wall switch; lamp-event at its default 1 s, lamp-status at 10 s, real Node-RED)',
    );
    console.log('measure                                   measured                  target');
    row('press → lamp-event message, median', `${quantile(presses, 0.5).toFixed(0)}`, ' ms');
    row(
      'press → lamp-event message, p95',
      `${quantile(presses, 0.95).toFixed(0)}`,
      ` ms (n=${presses.length})      ≤ 1500 ms`,
    );
    if (contacts.length > 0) {
      row(
        'contact in the list → message, median',
        `${quantile(contacts, 0.5).toFixed(0)}`,
        ` ms (n=${contacts.length}, p95 ${quantile(contacts, 0.95).toFixed(0)} ms)`,
      );
    }
    row('hub requests per second, while pressing', busy.toFixed(2), '                     ≤ 4');
    row('hub requests per second, nothing happens', idle.toFixed(2), '                     ≤ 4');
  } finally {
    await flow.stop();
    await hub.close();
  }
}
