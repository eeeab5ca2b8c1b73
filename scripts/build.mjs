#!/usr/bin/env node
// Builds what Node-RED loads. Run by `npm run build` and by `prepare` (so `npm install` works).
//
//   src/**/*.ts (except editor.ts)  --tsc-->  dist/  (CommonJS runtime, library, emulator)
//   src/nodes/<type>/editor.ts + template.html + help.md  -->  nodes/<type>.html
//   nodes/<type>.js  (one line: require('../dist/nodes/<type>/<type>.js'))
//   src/nodes/<type>/locales/<lang>/*.json  -->  nodes/locales/<lang>/<type>.json (merged)
//   src/nodes/<type>/locales/<lang>/help.md -->  nodes/locales/<lang>/<type>.html
//   icons/*.svg  -->  nodes/icons/
//
// Any failure stops the build with a non-zero exit code.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const srcNodes = path.join(root, 'src', 'nodes');
const out = path.join(root, 'nodes');
const DEFAULT_LANG = 'en-US';

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    fail(`cannot read ${path.relative(root, file)}: ${err.message}`);
  }
}

function tsc(...args) {
  const bin = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(bin)) fail('typescript is not installed; run `npm install` first');
  try {
    execFileSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  } catch {
    fail(`tsc ${args.join(' ')} failed (see the errors above)`);
  }
}

/** A <script> body must not contain "</script"; escape it the way HTML parsers expect. */
function scriptSafe(text) {
  return text.replace(/<\/script/gi, '<\\/script');
}

/**
 * Node-RED renders `: name (type) : description` lines as message-property lists only when the
 * whole entry is one line with no further colon; anything else silently renders as plain text.
 */
function checkHelp(text, where) {
  text.split('\n').forEach((line, i) => {
    if (line.startsWith(': ') && !/^:([^:\n]+)\(([^:\n]+)\).*?:([^:\n]*)$/.test(line)) {
      fail(
        `${where}:${i + 1}: a property line must be ": name (type) : text" on one line, no other ":"`,
      );
    }
  });
  return text;
}

function deepMerge(target, source, where) {
  for (const [key, value] of Object.entries(source)) {
    const both = value && typeof value === 'object' && !Array.isArray(value);
    if (both && target[key] && typeof target[key] === 'object') {
      deepMerge(target[key], value, `${where}.${key}`);
    } else if (key in target) {
      fail(`duplicate message key ${where}.${key} in the locale files`);
    } else {
      target[key] = value;
    }
  }
  return target;
}

// 1. Clean, then compile the runtime.
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
fs.rmSync(out, { recursive: true, force: true });
tsc('-p', 'tsconfig.build.json');
tsc('-p', 'tsconfig.editor.json', '--noEmit');

const ts = require('typescript');
const types = fs
  .readdirSync(srcNodes, { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(srcNodes, d.name, 'editor.ts')))
  .map((d) => d.name)
  .sort();
if (types.length === 0) fail('no src/nodes/<type>/editor.ts found');

fs.mkdirSync(out, { recursive: true });
for (const type of types) {
  const dir = path.join(srcNodes, type);

  // 2. Editor HTML: definition script + dialog template + markdown help.
  const source = read(path.join(dir, 'editor.ts'));
  const { outputText, diagnostics } = ts.transpileModule(source, {
    fileName: `${type}/editor.ts`,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2018,
      module: ts.ModuleKind.None,
      removeComments: false,
    },
  });
  if (diagnostics?.length) {
    fail(`${type}/editor.ts: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}`);
  }
  if (/^\s*(import|export)\b/m.test(outputText) || outputText.includes('exports.')) {
    fail(`${type}/editor.ts must be a plain script (no import/export)`);
  }
  if (!outputText.includes(`RED.nodes.registerType('${type}',`)) {
    fail(`${type}/editor.ts must call RED.nodes.registerType('${type}', {...}) literally`);
  }
  const js = outputText.replace(/^"use strict";\s*/, '').trim();
  const html = [
    '<script type="text/javascript">',
    scriptSafe(js),
    '</script>',
    '',
    `<script type="text/html" data-template-name="${type}">`,
    scriptSafe(read(path.join(dir, 'template.html')).trim()),
    '</script>',
    '',
    `<script type="text/markdown" data-help-name="${type}">`,
    scriptSafe(checkHelp(read(path.join(dir, 'help.md')).trim(), `${type}/help.md`)),
    '</script>',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(out, `${type}.html`), html);

  // 3. The runtime entry Node-RED requires, beside the HTML.
  const runtime = path.join(root, 'dist', 'nodes', type, `${type}.js`);
  if (!fs.existsSync(runtime))
    fail(`missing ${path.relative(root, runtime)} (src/nodes/${type}/${type}.ts)`);
  fs.writeFileSync(
    path.join(out, `${type}.js`),
    `module.exports = require('../dist/nodes/${type}/${type}.js');\n`,
  );

  // 4. Message catalogs (every *.json of a language merged) and translated help.
  const localesDir = path.join(dir, 'locales');
  if (!fs.existsSync(localesDir)) continue;
  for (const lang of fs.readdirSync(localesDir)) {
    const langDir = path.join(localesDir, lang);
    const target = path.join(out, 'locales', lang);
    fs.mkdirSync(target, { recursive: true });
    const catalog = {};
    for (const file of fs
      .readdirSync(langDir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      let data;
      try {
        data = JSON.parse(read(path.join(langDir, file)));
      } catch (err) {
        fail(`${type}/locales/${lang}/${file}: ${err.message}`);
      }
      deepMerge(catalog, data, `${type}/locales/${lang}`);
    }
    if (Object.keys(catalog).length) {
      fs.writeFileSync(path.join(target, `${type}.json`), `${JSON.stringify(catalog, null, 2)}\n`);
    }
    const help = path.join(langDir, 'help.md');
    if (fs.existsSync(help) && lang !== DEFAULT_LANG) {
      fs.writeFileSync(
        path.join(target, `${type}.html`),
        `<script type="text/markdown" data-help-name="${type}">\n${scriptSafe(checkHelp(read(help).trim(), `${type}/locales/${lang}/help.md`))}\n</script>\n`,
      );
    }
  }
}

// 5. Icons beside the node files.
const icons = fs.existsSync(path.join(root, 'icons'))
  ? fs.readdirSync(path.join(root, 'icons')).filter((f) => f.endsWith('.svg'))
  : [];
fs.mkdirSync(path.join(out, 'icons'), { recursive: true });
for (const icon of icons)
  fs.copyFileSync(path.join(root, 'icons', icon), path.join(out, 'icons', icon));

// Every node listed in package.json must now exist.
const pkg = JSON.parse(read(path.join(root, 'package.json')));
for (const [type, file] of Object.entries(pkg['node-red']?.nodes ?? {})) {
  for (const f of [file, file.replace(/\.js$/, '.html')]) {
    if (!fs.existsSync(path.join(root, f)))
      fail(`package.json lists ${type} but ${f} was not built`);
  }
}
console.log(`build: ${types.join(', ')} -> nodes/ (${icons.length} icons)`);
