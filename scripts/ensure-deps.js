// Installs the dependencies from package-lock.json (`npm ci`) unless
// node_modules already holds exactly those, so `npm start` and `npm test` work
// as the first command on a fresh clone and cost nothing afterwards.
// "Installed" means: npm's own record of what it put into node_modules
// (node_modules/.package-lock.json) lists every package of the lockfile at the
// same version and integrity, nothing else, and each of those folders exists.
// Plain Node on purpose: it runs before any dependency is there.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function readPackages(file) {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')).packages ?? {};
}

/** Why `dir`'s node_modules does not match its lockfile, or '' when it does. */
function staleReason(dir = root) {
  const wanted = readPackages(path.join(dir, 'package-lock.json'));
  if (!wanted) throw new Error(`${path.join(dir, 'package-lock.json')} is missing`);
  const installed = readPackages(path.join(dir, 'node_modules', '.package-lock.json'));
  if (!installed) return 'node_modules is missing';
  for (const [where, want] of Object.entries(wanted)) {
    if (where === '') continue; // the project itself
    const have = installed[where];
    // Optional packages for other platforms are never installed here.
    if (!have && want.optional) continue;
    if (!have || !fs.existsSync(path.join(dir, where))) return `${where} is missing`;
    if (have.version !== want.version || have.integrity !== want.integrity) return `${where} is ${have.version}, the lockfile wants ${want.version}`;
  }
  const extra = Object.keys(installed).find((where) => !(where in wanted));
  return extra ? `${extra} is not in the lockfile` : '';
}

function main() {
  const reason = staleReason();
  if (!reason) return;
  const modules = path.join(root, 'node_modules');
  if (fs.existsSync(modules) && fs.lstatSync(modules).isSymbolicLink()) {
    // npm ci would empty the folder it links to, which belongs to another checkout.
    console.error(`node_modules is a link to ${fs.realpathSync(modules)} and does not match package-lock.json (${reason}); run npm ci there.`);
    process.exit(1);
  }
  console.log(`Installing dependencies from package-lock.json with npm ci (${reason})...`);
  // Inside an npm script, the same npm that runs it.
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  execFileSync(npm[0], [...npm.slice(1), 'ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', shell: npm[0] === 'npm' && process.platform === 'win32' });
}

module.exports = { staleReason };

if (require.main === module) main();
