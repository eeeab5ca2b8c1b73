/**
 * The example flows (Import › Examples): well-formed, each opening with a comment node, every
 * node type of the package used, only types that exist, device nodes on 127.0.0.1 without
 * credentials, and the Dashboard example naming its prerequisite.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './support';

const dir = path.join(repoRoot, 'examples');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
const CORE = new Set([
  'tab',
  'comment',
  'inject',
  'debug',
  'catch',
  'change',
  'status',
  'function',
]);
const OURS = new Set(['klap-device', 'lamp-control', 'lamp-status']);
const DASHBOARD = /^ui-/;

type FlowNode = {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [key: string]: unknown;
};
const flows = new Map<string, FlowNode[]>(
  files.map((f) => [f, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FlowNode[]]),
);

test('there are examples, and together they use every node type', () => {
  assert.ok(files.length >= 5, files.join(', '));
  const used = new Set([...flows.values()].flat().map((n) => n.type));
  for (const type of OURS) assert.ok(used.has(type), `${type} appears in an example`);
});

for (const [file, nodes] of flows) {
  test(`example "${file}"`, () => {
    assert.ok(Array.isArray(nodes) && nodes.length > 1);
    assert.equal(nodes[0].type, 'comment', 'starts with a comment node');
    assert.ok(String(nodes[0].name).length > 10, 'the comment says what the example shows');
    const ids = new Set(nodes.map((n) => n.id));
    assert.equal(ids.size, nodes.length, 'unique ids');
    for (const n of nodes) {
      const known = CORE.has(n.type) || OURS.has(n.type) || DASHBOARD.test(n.type);
      assert.ok(known, `${n.id}: unexpected type ${n.type}`);
      for (const target of (n.wires ?? []).flat())
        assert.ok(ids.has(target), `${n.id} wired to ${target}`);
      if (n.type === 'lamp-control' || n.type === 'lamp-status') {
        const device = nodes.find((d) => d.id === n.device);
        assert.equal(device?.type, 'klap-device', `${n.id} uses a device node of the same file`);
      }
      if (n.type === 'klap-device') {
        assert.equal(n.host, '127.0.0.1', 'examples only point at the local emulator');
        assert.equal(n.credentials, undefined, 'no credentials in examples');
      }
    }
    const text = JSON.stringify(nodes);
    if (nodes.some((n) => DASHBOARD.test(n.type))) {
      assert.match(String(nodes[0].name) + String(nodes[0].info), /@flowfuse\/node-red-dashboard/);
      for (const n of nodes.filter((x) => /^ui-(switch|slider|text-input)$/.test(x.type))) {
        assert.equal(
          n.passthru,
          false,
          `${n.type} pass through off, so state fed back cannot loop`,
        );
      }
      const slider = nodes.find((n) => n.type === 'ui-slider');
      assert.deepEqual([slider?.min, slider?.max, slider?.outs], [1, 100, 'end']);
      assert.equal(nodes.find((n) => n.type === 'ui-text-input')?.mode, 'color');
    } else {
      assert.doesNotMatch(text, /"type":"ui-/);
    }
  });
}
