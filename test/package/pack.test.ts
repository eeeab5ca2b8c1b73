/**
 * The release test: what `npm pack` ships must be enough for Node-RED. Packs the package once,
 * then for each Node-RED we support (4.1 on the Node running the tests, 5 on Node 22) installs
 * the tarball into a fresh user dir, starts that Node-RED there and checks that the three node
 * types load, their editor HTML, help, message catalogs, icons and examples are served, and that
 * a deployed flow drives an emulated lamp. Also checks the `exports` map: the library API by
 * name (CommonJS, ESM, TypeScript types), nothing else. Needs a build (npm run build) and
 * test/node-red-5 installed (npm test does both).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DEMO_PASSWORD,
  DEMO_USER,
  deploy,
  type Emulator,
  getJson,
  ICONS,
  MODULE,
  NODE_RED_4,
  type NodeRed,
  nodeRed5,
  packDependencies,
  type Runtime,
  repoRoot,
  startEmulator,
  startNodeRed,
  TYPES,
  waitFor,
} from './support';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let tmp: string;
let tarball: string;
let packedFiles: string[];

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lamp-control-pack-'));
  // --ignore-scripts: pack what the build produced (npm test builds first) instead of
  // rebuilding dist/ under the feet of tests running in parallel.
  const out = execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(tmp, info.filename);
  packedFiles = info.files.map((f) => f.path);
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

let dependencyPacks: string[] | undefined;

/** The runtime dependencies' tarballs, packed once for every install below. */
function dependencyTarballs(): string[] {
  dependencyPacks ??= packDependencies(tmp);
  return dependencyPacks;
}

/** A fresh Node-RED user dir with the tarball installed as a user would; returns the package dir. */
function installTarball(userDir: string): string {
  fs.mkdirSync(userDir);
  fs.writeFileSync(
    path.join(userDir, 'package.json'),
    JSON.stringify({ name: 'node-red-project', private: true, version: '0.0.0' }),
  );
  // Tests never reach a registry: our runtime dependencies come as tarballs packed from the
  // repo's own node_modules, which satisfy the package's dependency ranges offline.
  execFileSync(
    npm,
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--offline',
      '--no-package-lock',
      tarball,
      ...dependencyTarballs(),
    ],
    { cwd: userDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const installed = path.join(userDir, 'node_modules', ...MODULE.split('/'));
  assert.ok(fs.existsSync(path.join(installed, 'package.json')), 'tarball installed');
  assert.ok(!fs.lstatSync(installed).isSymbolicLink(), 'a real copy, not a link to the repo');
  return installed;
}

test('the tarball holds runtime, editor files, catalogs, icons and examples', () => {
  const expected = [
    'package.json',
    'README.md',
    'LICENSE',
    'dist/index.js',
    'dist/emulator/index.js',
    ...TYPES.flatMap((t) => [
      `nodes/${t}.js`,
      `nodes/${t}.html`,
      `dist/nodes/${t}/${t}.js`,
      `nodes/locales/en-US/${t}.json`,
      `nodes/locales/de/${t}.json`,
      `nodes/locales/de/${t}.html`,
    ]),
    ...ICONS.map((i) => `nodes/icons/${i}`),
  ];
  for (const file of expected) assert.ok(packedFiles.includes(file), `tarball contains ${file}`);
  assert.ok(
    packedFiles.some((f) => /^examples\/.+\.json$/.test(f)),
    'tarball contains examples',
  );
  for (const file of packedFiles) {
    assert.ok(
      !/^(src|test|scripts|\.tmp|coverage)\//.test(file),
      `tarball should not ship ${file}`,
    );
  }
});

/**
 * The same checks against one Node-RED: `redMajor` and `minNode` are asserted from its start-up
 * log, so a wrong red.js or node binary fails here instead of passing as the other runtime.
 */
function nodeRedSuite(
  label: string,
  runtime: () => Runtime,
  redMajor: number,
  minNode: [number, number],
): void {
  describe(label, () => {
    let installed: string;
    let red: NodeRed;
    let emulator: Emulator;

    before(async () => {
      installed = installTarball(path.join(tmp, `user-${redMajor}`));
      emulator = await startEmulator('L530', installed);
      red = await startNodeRed(path.join(tmp, `user-${redMajor}`), {}, runtime());
    });

    after(async () => {
      await red?.stop();
      await emulator?.close();
    });

    test('runs the intended Node-RED and Node versions', () => {
      const redVersion = /Node-RED version: v(\d+)\.(\d+)/.exec(red.output());
      const nodeVersion = /Node\.js\s+version: v(\d+)\.(\d+)/.exec(red.output());
      assert.ok(redVersion && nodeVersion, red.output());
      assert.equal(Number(redVersion[1]), redMajor, redVersion[0]);
      const [major, minor] = [Number(nodeVersion[1]), Number(nodeVersion[2])];
      assert.ok(
        major > minNode[0] || (major === minNode[0] && minor >= minNode[1]),
        `${nodeVersion[0]}, want >= ${minNode.join('.')}`,
      );
    });

    test('Node-RED loads every node type from the installed tarball', async () => {
      const sets = await getJson<
        { id: string; module: string; types: string[]; enabled: boolean; err?: string }[]
      >(`${red.url}/nodes`);
      const ours = sets.filter((s) => s.module === MODULE);
      assert.deepEqual(ours.flatMap((s) => s.types).sort(), [...TYPES].sort(), red.output());
      for (const set of ours)
        assert.ok(set.enabled && !set.err, `${set.id} loaded: ${set.err ?? ''}`);
    });

    test('editor definitions, templates and help are served (English and German)', async () => {
      const en = await (
        await fetch(`${red.url}/nodes`, {
          headers: { Accept: 'text/html', 'Accept-Language': 'en-US' },
        })
      ).text();
      const de = await (
        await fetch(`${red.url}/nodes`, {
          headers: { Accept: 'text/html', 'Accept-Language': 'de' },
        })
      ).text();
      for (const t of TYPES) {
        assert.ok(en.includes(`RED.nodes.registerType('${t}',`), `definition of ${t}`);
        assert.ok(en.includes(`data-template-name="${t}"`), `template of ${t}`);
        assert.match(en, new RegExp(`data-help-name="${t}"[^>]*>\\s*\\S`), `help of ${t}`);
      }
      assert.match(en, /### Inputs/);
      assert.match(de, /### Eingänge/, 'German help served for Accept-Language: de');
    });

    test('message catalogs are served in en-US and de', async () => {
      for (const t of TYPES) {
        const en = await getJson<Record<string, { paletteLabel?: string }>>(
          `${red.url}/locales/${MODULE}/${t}?lng=en-US`,
        );
        const de = await getJson<Record<string, { paletteLabel?: string }>>(
          `${red.url}/locales/${MODULE}/${t}?lng=de`,
        );
        assert.ok(en[t]?.paletteLabel, `${t} en-US catalog`);
        assert.ok(de[t]?.paletteLabel, `${t} de catalog`);
        assert.notEqual(de[t].paletteLabel, en[t].paletteLabel, `${t} is translated`);
      }
    });

    test('icons are served', async () => {
      for (const icon of ICONS) {
        const res = await fetch(`${red.url}/icons/${MODULE}/${icon}`);
        assert.equal(res.status, 200, icon);
        assert.match(res.headers.get('content-type') ?? '', /svg/);
        assert.match(await res.text(), /<svg/);
      }
    });

    test('examples are listed under Import › Examples', async () => {
      const list = await getJson<{ fn: string }[]>(`${red.url}/library/examples/flows/${MODULE}`);
      const shipped = fs
        .readdirSync(path.join(repoRoot, 'examples'))
        .filter((f) => f.endsWith('.json'));
      assert.deepEqual(
        list.map((e) => e.fn).sort(),
        shipped.map((f) => f.replace(/\.json$/, '')).sort(),
      );
    });

    test('a deployed flow drives an emulated lamp', async () => {
      await deploy(red, [
        { id: 'tab1', type: 'tab', label: 'pack test' },
        {
          id: 'dev1',
          type: 'klap-device',
          name: 'emulated L530',
          host: '127.0.0.1',
          port: emulator.port,
          timeout: 5,
          credentials: { username: DEMO_USER, password: DEMO_PASSWORD },
        },
        {
          id: 'inj1',
          type: 'inject',
          z: 'tab1',
          props: [{ p: 'payload' }],
          payload: '{"on":true,"brightness":37}',
          payloadType: 'json',
          wires: [['ctl1']],
        },
        {
          id: 'ctl1',
          type: 'lamp-control',
          z: 'tab1',
          device: 'dev1',
          action: 'payload',
          wires: [[]],
        },
      ]);
      const res = await fetch(`${red.url}/inject/inj1`, { method: 'POST' });
      assert.equal(res.status, 200);

      // Observe the lamp itself, through the library the tarball ships.
      const { connect } = require(installed);
      const lamp = await connect({
        host: '127.0.0.1',
        port: emulator.port,
        username: DEMO_USER,
        password: DEMO_PASSWORD,
      });
      try {
        const state = await waitFor('brightness 37 on the emulator', async () => {
          const s = await lamp.getState();
          return s.on === true && s.brightness === 37 ? s : undefined;
        });
        assert.equal(state.model, 'L530');
      } finally {
        await lamp.close();
      }
      assert.doesNotMatch(red.output(), /\[error\]/, red.output());
    });
  });
}

nodeRedSuite('Node-RED 4.1', () => NODE_RED_4, 4, [20, 0]);
nodeRedSuite('Node-RED 5 on Node 22', nodeRed5, 5, [22, 9]);

describe('the exports map, from a fresh install', () => {
  let userDir: string;
  let load: NodeRequire;

  before(() => {
    userDir = path.join(tmp, 'user-exports');
    installTarball(userDir);
    // Resolves as code in the user dir would: by name, through node_modules, so exports apply.
    load = createRequire(path.join(userDir, 'index.js'));
  });

  test('the one runtime dependency (@noble/curves) resolves from the installed package', () => {
    const own = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    assert.deepEqual(Object.keys(own.dependencies ?? {}), ['@noble/curves']);
    const fromPackage = createRequire(
      path.join(userDir, 'node_modules', ...MODULE.split('/'), 'package.json'),
    );
    assert.equal(typeof fromPackage('@noble/curves/nist').p256.Point, 'function');
  });

  test('the library API and the emulator load by name', () => {
    const lib = load(MODULE);
    for (const name of ['connect', 'discover', 'wakeUp', 'LampClient', 'LampError']) {
      assert.equal(typeof lib[name], 'function', `${MODULE} exports ${name}`);
    }
    assert.equal(typeof load(`${MODULE}/emulator`).startEmulator, 'function');
    const own = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    assert.equal(load(`${MODULE}/package.json`).version, own.version);
  });

  test('deep paths into the package are refused', () => {
    const installed = path.join(userDir, 'node_modules', ...MODULE.split('/'));
    for (const deep of ['dist/index.js', 'dist/emulator/cli.js', 'nodes/klap-device.js']) {
      // The file is there: only the exports map can be what refuses it.
      assert.ok(fs.existsSync(path.join(installed, deep)), `${deep} is in the package`);
      assert.throws(
        () => load(`${MODULE}/${deep}`),
        { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' },
        `${MODULE}/${deep} should not resolve`,
      );
    }
  });

  test('ESM code imports the named exports', () => {
    const check = path.join(userDir, 'check.mjs');
    fs.writeFileSync(
      check,
      `import { connect, LampError } from '${MODULE}';\n` +
        `import { startEmulator } from '${MODULE}/emulator';\n` +
        'console.log([connect, LampError, startEmulator].map((f) => typeof f).join(" "));\n',
    );
    const out = execFileSync(process.execPath, [check], { cwd: userDir, encoding: 'utf8' });
    assert.equal(out.trim(), 'function function function');
  });

  test('TypeScript (node16 resolution) finds the types through exports, and only there', () => {
    const check = path.join(userDir, 'check.ts');
    fs.writeFileSync(
      check,
      `import { connect, LampError, type LampState } from '${MODULE}';\n` +
        `import { startEmulator } from '${MODULE}/emulator';\n` +
        // dist/index.d.ts is in the package; if this deep path ever resolved, the directive
        // would be unused and tsc would fail.
        '// @ts-expect-error not exported\n' +
        `import type {} from '${MODULE}/dist/index';\n` +
        'const state: Partial<LampState> = { on: true, brightness: 40 };\n' +
        'export const used = [connect, LampError, startEmulator, state];\n',
    );
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [
      tsc,
      '--noEmit',
      '--strict',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--typeRoots',
      path.join(repoRoot, 'node_modules', '@types'),
      '--types',
      'node',
      check,
    ];
    try {
      execFileSync(process.execPath, args, { cwd: userDir, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const { stdout, stderr } = err as { stdout: string; stderr: string };
      assert.fail(`tsc failed:\n${stdout}${stderr}`);
    }
  });
});
