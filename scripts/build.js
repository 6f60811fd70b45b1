// Compiles the TypeScript into dist/ and puts each node's editor files where
// Node-RED looks for them: dist/nodes/X.html, dist/nodes/locales/<lang>/, dist/nodes/icons/.
// The editor's fields are made from the catalogue here: each node's form rows
// go into its .html, and resources/iot-openapi-editor.js (served by Node-RED
// at resources/<package>/) holds the same data and the editor's shared code.
//   node scripts/build.js          everything, tests and scripts included, with source maps
//   node scripts/build.js --ship   only what the package ships (tsconfig.build.json)
//   --if-missing                   nothing when a build is already there
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const tsconfig = process.argv.includes('--ship') ? 'tsconfig.build.json' : 'tsconfig.json';
// `npm pack` runs prepack (which builds) and then prepare: building once is enough.
if (process.argv.includes('--if-missing') && fs.existsSync(path.join(dist, 'nodes', 'iot-openapi-account.js'))) process.exit(0);

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, tsconfig)], { stdio: 'inherit' });

const nodesOut = path.join(dist, 'nodes');
fs.mkdirSync(nodesOut, { recursive: true });
const { editorData, editorNode, fieldRows, credentialRows } = require(path.join(nodesOut, 'editor-data.js'));
const { nodeSpec } = require(path.join(nodesOut, 'specs.js'));
const FIELDS = '<!-- iot-openapi:fields -->';
const CREDENTIALS = '<!-- iot-openapi:credentials -->';
for (const file of fs.readdirSync(path.join(root, 'nodes'))) {
  if (!file.endsWith('.html')) continue;
  let html = fs.readFileSync(path.join(root, 'nodes', file), 'utf8');
  const type = file.replace(/\.html$/, '');
  if (html.includes(FIELDS)) {
    // A parameter with a tip in the node's texts gets it under its field.
    const texts = JSON.parse(fs.readFileSync(path.join(root, 'locales', 'en-US', `${type}.json`), 'utf8'))[type];
    html = html.replace(FIELDS, fieldRows(editorNode(nodeSpec(type)), Object.keys(texts.tip ?? {})));
  }
  if (html.includes(CREDENTIALS)) {
    const texts = JSON.parse(fs.readFileSync(path.join(root, 'locales', 'en-US', 'iot-openapi-account.json'), 'utf8'))['iot-openapi-account'];
    html = html.replace(CREDENTIALS, credentialRows(Object.keys(texts.placeholder)));
  }
  fs.writeFileSync(path.join(nodesOut, file), html);
}
const resources = path.join(root, 'resources');
fs.mkdirSync(resources, { recursive: true });
fs.writeFileSync(
  path.join(resources, 'iot-openapi-editor.js'),
  '// Made by scripts/build.js from the catalogue (lib/operations.ts, nodes/specs.ts) and editor/iot-openapi-editor.js.\n' +
    `window.iotOpenApiEditorData = ${JSON.stringify(editorData())};\n` +
    fs.readFileSync(path.join(root, 'editor', 'iot-openapi-editor.js'), 'utf8'),
);
for (const dir of ['locales', 'icons']) {
  const from = path.join(root, dir);
  if (fs.existsSync(from)) fs.cpSync(from, path.join(nodesOut, dir), { recursive: true });
}
