// Compiles the TypeScript into dist/ and puts each node's editor files where
// Node-RED looks for them: dist/nodes/X.html, dist/nodes/locales/<lang>/ (help pages
// with their shared sections from help/<lang>.html), dist/nodes/icons/.
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
const { editorData, editorNode, fieldRows, accountRows } = require(path.join(nodesOut, 'editor-data.js'));
const { migrateSettings } = require(path.join(nodesOut, 'migrations.js'));
const { NODE_SPECS, HAND_WRITTEN_TYPES } = require(path.join(nodesOut, 'specs.js'));
const texts = (type) => JSON.parse(fs.readFileSync(path.join(root, 'locales', 'en-US', `${type}.json`), 'utf8'))[type];

// The account node's editor, with its platforms, settings and credential fields (lib/accounts.ts, lib/types.ts).
const account = fs.readFileSync(path.join(root, 'nodes', 'iot-openapi-account.html'), 'utf8')
  .replace('<!-- iot-openapi:account -->', accountRows(Object.keys(texts('iot-openapi-account').placeholder)));
fs.writeFileSync(path.join(nodesOut, 'iot-openapi-account.html'), account);
// Nodes written by hand (not from the specs) ship their editor as it is.
for (const type of HAND_WRITTEN_TYPES) fs.copyFileSync(path.join(root, 'nodes', `${type}.html`), path.join(nodesOut, `${type}.html`));

// Every action node: a runtime file and an editor made from its spec; a parameter
// with a tip in the node's texts gets it under its field.
const template = fs.readFileSync(path.join(root, 'nodes', 'action-node.html'), 'utf8').replace(/^<!--.*-->\n/, '');
for (const spec of NODE_SPECS) {
  const rows = fieldRows(editorNode(spec), Object.keys(texts(spec.type).tip ?? {}));
  fs.writeFileSync(path.join(nodesOut, `${spec.type}.html`), template.replaceAll('__TYPE__', spec.type).replace('<!-- iot-openapi:fields -->', rows));
  fs.writeFileSync(
    path.join(nodesOut, `${spec.type}.js`),
    `// Made by scripts/build.js from nodes/specs.ts.\n'use strict';\nconst { registerActionNode } = require('./action-node');\nconst { nodeSpec } = require('./specs');\nmodule.exports = (RED) => registerActionNode(RED, nodeSpec('${spec.type}'));\n`,
  );
}
const resources = path.join(root, 'resources');
fs.mkdirSync(resources, { recursive: true });
fs.writeFileSync(
  path.join(resources, 'iot-openapi-editor.js'),
  '// Made by scripts/build.js from the catalogue (lib/operations.ts, nodes/specs.ts), the accounts (lib/accounts.ts),\n' +
    '// the settings migrations (nodes/migrations.ts: the runtime\'s own function) and editor/iot-openapi-editor.js.\n' +
    `window.iotOpenApiEditorData = ${JSON.stringify(editorData())};\n` +
    `window.iotOpenApiMigrateSettings = ${migrateSettings.toString()};\n` +
    fs.readFileSync(path.join(root, 'editor', 'iot-openapi-editor.js'), 'utf8'),
);
for (const dir of ['locales', 'icons']) {
  const from = path.join(root, dir);
  if (fs.existsSync(from)) fs.cpSync(from, path.join(nodesOut, dir), { recursive: true });
}
// Help pages: the sections every node's help shares (errors, status) are written
// once per language in help/<lang>.html; a page names the ones it takes on a
// line of its own, <!-- iot-openapi:help name … -->, and gets them here.
for (const lang of fs.readdirSync(path.join(root, 'locales'))) {
  const sections = {};
  let name;
  for (const line of fs.readFileSync(path.join(root, 'help', `${lang}.html`), 'utf8').split('\n')) {
    const start = /^<!-- section: ([\w-]+) -->$/.exec(line);
    if (start) sections[(name = start[1])] = [];
    else if (name) sections[name].push(line);
  }
  for (const lines of Object.values(sections)) while (lines.length && lines.at(-1) === '') lines.pop();
  const dir = path.join(nodesOut, 'locales', lang);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.html'))) {
    const page = fs.readFileSync(path.join(dir, file), 'utf8').replace(/^<!-- iot-openapi:help ([\w -]+) -->$/gm, (_, names) =>
      names.split(' ').map((n) => {
        if (!sections[n]) throw new Error(`locales/${lang}/${file}: no help section "${n}" in help/${lang}.html`);
        return sections[n].join('\n');
      }).join('\n'));
    fs.writeFileSync(path.join(dir, file), page);
  }
}
