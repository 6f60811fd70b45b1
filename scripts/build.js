// Compiles the TypeScript into dist/ and puts each node's editor files where
// Node-RED looks for them: dist/nodes/X.html, dist/nodes/locales/<lang>/, dist/nodes/icons/.
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
for (const file of fs.readdirSync(path.join(root, 'nodes'))) {
  if (file.endsWith('.html')) fs.copyFileSync(path.join(root, 'nodes', file), path.join(nodesOut, file));
}
for (const dir of ['locales', 'icons']) {
  const from = path.join(root, dir);
  if (fs.existsSync(from)) fs.cpSync(from, path.join(nodesOut, dir), { recursive: true });
}
