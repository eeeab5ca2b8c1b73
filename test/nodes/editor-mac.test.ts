/**
 * The config node's editor writes its MAC pattern out (editor scripts import nothing): it must
 * accept exactly what the runtime's MAC reading accepts, for the Mac field and for a Host
 * given as a MAC (which Search then treats as no address).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { normaliseMac } from '../../src/transport/mac';

function editorPattern(): RegExp {
  const source = fs.readFileSync(
    path.join(__dirname, '../../src/nodes/klap-device/editor.ts'),
    'utf8',
  );
  const match = /const MAC_PATTERN =\s*\/(.+)\/i;/.exec(source);
  assert.ok(match, 'editor.ts defines MAC_PATTERN');
  return new RegExp(match[1] as string, 'i');
}

describe('the editor reads MACs as the runtime does', () => {
  it('accepts and refuses the same notations', () => {
    const pattern = editorPattern();
    for (const text of [
      '5C-E9-31-AA-BB-CC',
      '5c:e9:31:aa:bb:cc',
      '5ce931aabbcc',
      '5ce9.31aa.bbcc',
      '5c:e9-31:aa:bb:cc',
      '5c:e9:31:aa:bb',
      '5ce931aabbc',
      '127.0.0.1',
      'lamp.local',
      '5ce9-31aa-bbcc',
    ]) {
      assert.equal(pattern.test(text), normaliseMac(text) !== null, text);
    }
  });
});
