// Where the register node's password comes from: a secret in Node-RED's
// credential store (deployed the way the editor deploys it), an environment
// variable, a message, or a plain setting saved by an earlier version. The real
// Node-RED runtime against the simulator over HTTP on loopback.
import assert from 'node:assert/strict';
import { DEMO, type Simulator } from '../../simulator';
import { assertFreeOf } from '../support/accounts';
import { FlowHarness, type Outcome } from '../support/harness';
import { RED_PACKAGE, helper, useRuntime } from '../support/red';

const REGISTER = '/v2/enduser/enduserapi/v2/phonePwdRegister';
const sendSms = { id: 'sms', type: 'quectel-send-sms', account: 'acc-quectel-app', codeType: '3', codeTypeType: 'num' };
/** The register node as the editor saves it by default: the password is a secret, the setting empty. */
const register = (extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const node: Record<string, unknown> = { id: 'register', type: 'quectel-register-user', account: 'acc-quectel-app', smsCode: DEMO.smsCode, smsCodeType: 'str', pwd: '', pwdType: 'cred', ...extra };
  for (const key of Object.keys(node)) if (node[key] === undefined) delete node[key];
  return node;
};

/** The runtime's node registry: what the admin API's GET /flows returns and what the credential store holds. */
interface Runtime {
  getFlows(): { flows: Record<string, unknown>[] };
  getCredentials(id: string): Record<string, unknown> | undefined;
}
const runtime = () => (helper as unknown as { _redNodes: Runtime })._redNodes;

describe(`the register node's password (${RED_PACKAGE})`, function () {
  this.timeout(20_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);

  useRuntime((s) => (sim = s), { fixedSmsCode: true });
  beforeEach(() => sim.reset());
  afterEach(async () => {
    await helper.unload();
  });

  /** Sends the SMS code, then registers the phone; the outcome of the registration. */
  async function registerPhone(phone: string, payload: Record<string, unknown> = {}): Promise<Outcome> {
    const sms = await h.send('sms', { payload: { phone } });
    assert.equal(sms.error, undefined, `SMS code: ${JSON.stringify(sms.error)}`);
    return h.send('register', { payload: { phone, ...payload } });
  }

  function assertRegistered(o: Outcome, phone: string, password: string): void {
    assert.equal(o.error, undefined, `unexpected error ${JSON.stringify(o.error)}`);
    assert.ok((o.msg!.payload as { uid: string }).uid);
    assert.equal(sim.state.users.get(phone)?.password, password, 'the simulator decrypted this password');
  }

  it('a secret deployed with the node, as the editor sends it, registers a user; the flow the runtime returns and saves holds no password', async () => {
    const PASSWORD = 'Cred-pass-41';
    await h.load([sendSms, register()]);
    // A deploy from the editor: the new secret travels on the node and the runtime moves it to the credential store.
    h.flow = h.flow.map((n) => ((n as { id: string }).id === 'register' ? { ...n, credentials: { pwdSecret: PASSWORD } } : n));
    await h.redeploy();
    const flows = JSON.stringify(runtime().getFlows().flows);
    assert.match(flows, /quectel-register-user/);
    assertFreeOf(flows, [PASSWORD], 'the exported flow');
    assert.equal(runtime().getCredentials('register')?.pwdSecret, PASSWORD, 'kept in the credential store');

    const o = await registerPhone('13900000041');
    assertRegistered(o, '13900000041', PASSWORD);
    assert.ok(!sim.requests.at(-1)!.rawBody.includes(PASSWORD), 'sent encrypted');
    const seen = [JSON.stringify(o), JSON.stringify(h.statuses('register')), JSON.stringify(helper.log().args)].join('\n');
    assertFreeOf(seen, [PASSWORD], 'messages, statuses and logs');
  });

  it('a secret from the credential store at start-up; msg.payload.pwd still overrides it', async () => {
    await h.load([sendSms, register()], {}, { register: { pwdSecret: 'Cred-pass-42' } });
    assertRegistered(await registerPhone('13900000042'), '13900000042', 'Cred-pass-42');
    assertRegistered(await registerPhone('13900000043', { pwd: 'Payload-pass-43' }), '13900000043', 'Payload-pass-43');
  });

  it('a secret type with no secret saved and no msg.payload.pwd: INVALID_INPUT naming pwd, nothing sent', async () => {
    await h.load([sendSms, register()]);
    const o = await registerPhone('13900000044');
    assert.equal(o.error?.code, 'INVALID_INPUT');
    assert.match(o.error!.message, /pwd/);
    assert.equal(sim.requests.filter((r) => r.path === REGISTER).length, 0);
  });

  it('from an environment variable', async () => {
    const NAME = 'IOT_OPENAPI_TEST_REGISTER_PWD';
    process.env[NAME] = 'Env-pass-45';
    try {
      await h.load([sendSms, register({ pwd: NAME, pwdType: 'env' })]);
      assertRegistered(await registerPhone('13900000045'), '13900000045', 'Env-pass-45');
      assertFreeOf(JSON.stringify(runtime().getFlows().flows), ['Env-pass-45'], 'the exported flow');
    } finally {
      delete process.env[NAME];
    }
  });

  it('a secret is used only for a secret type: a msg property setting reads the message even with a secret saved', async () => {
    await h.load([sendSms, register({ pwd: 'signup.password', pwdType: 'msg' })], {}, { register: { pwdSecret: 'Cred-pass-46' } });
    const sms = await h.send('sms', { payload: { phone: '13900000046' } });
    assert.equal(sms.error, undefined);
    const o = await h.send('register', { payload: { phone: '13900000046' }, signup: { password: 'Form-pass-46' } });
    assertRegistered(o, '13900000046', 'Form-pass-46');
  });

  for (const [title, legacy] of [['with pwdType "str"', { pwdType: 'str' }], ['without a pwdType', { pwdType: undefined }]] as const) {
    it(`a flow saved by an earlier version, the password a plain setting ${title}, still deploys and registers`, async () => {
      await h.load([sendSms, register({ pwd: 'Plain-pass-47', ...legacy })]);
      assertRegistered(await registerPhone('13900000047'), '13900000047', 'Plain-pass-47');
    });
  }
});
