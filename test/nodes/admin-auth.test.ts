// The Test connection route in a real Node-RED with adminAuth: only users
// allowed to change accounts may use it.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { DEMO } from '../../simulator';
import { startDemo, type Demo, type NodeRedPackage } from '../../scripts/start';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const bcrypt = require('bcryptjs') as { hashSync(text: string, rounds: number): string };

describe(`Test connection route permissions (${process.env.NODE_RED_PACKAGE || 'node-red'})`, function () {
  this.timeout(90_000);
  let demo: Demo;
  let userDir: string;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iot-openapi-auth-'));
    fs.rmSync(userDir, { recursive: true });
    demo = await startDemo({
      port: 0,
      simPort: 0,
      userDir,
      nodeRed: (process.env.NODE_RED_PACKAGE || 'node-red') as NodeRedPackage,
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'admin', password: bcrypt.hashSync('admin-pass', 4), permissions: '*' },
            { username: 'viewer', password: bcrypt.hashSync('viewer-pass', 4), permissions: 'read' },
          ],
        },
      },
    });
  });
  after(async () => {
    await demo?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  async function token(username: string, password: string, scope: string): Promise<string> {
    const res = await fetch(`${demo.editorUrl}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope, username, password }),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  const testBody = () => ({ platform: 'quectel-saas', baseUrl: demo.sim.url, credentials: { ...DEMO.quectelSaas } });
  const post = (bearer?: string) =>
    fetch(`${demo.editorUrl}/iot-openapi-account/test`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(testBody()),
    });

  it('refuses a caller who is not logged in, and sends nothing to the vendor', async () => {
    const res = await post();
    assert.equal(res.status, 401);
    assert.equal(demo.sim.counters.logins['quectel-saas'], 0);
  });

  it('refuses a read-only user', async () => {
    const res = await post(await token('viewer', 'viewer-pass', 'read'));
    // Node-RED answers a missing permission with 401 (some versions 403).
    assert.ok([401, 403].includes(res.status), `HTTP ${res.status}`);
    assert.equal(demo.sim.counters.logins['quectel-saas'], 0);
  });

  it('lets a user who may change accounts test one', async () => {
    const res = await post(await token('admin', 'admin-pass', '*'));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, message: `connected as ${DEMO.quectelSaas.accessKey}`, user: DEMO.quectelSaas.accessKey });
    assert.equal(demo.sim.counters.logins['quectel-saas'], 1);
  });
});
