import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DEMO } from '../../simulator';
import { send } from './helpers';

describe('simulator: cli', () => {
  it('prints its address, base URLs and demo credentials, serves, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(__dirname, '../../simulator/cli.js')], { env: { ...process.env, PORT: '0' } });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m && out.includes('Ctrl+C')) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    assert.ok(out.includes(`${url}/open/api`));
    assert.ok(out.includes(DEMO.quectelSaas.accessKey));
    assert.ok(out.includes(DEMO.smsCode));

    const r = await send(url, '/nowhere');
    assert.equal(r.status, 404);

    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
  });
});
