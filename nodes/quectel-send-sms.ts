import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';

export = (RED: NodeAPI) =>
  registerActionNode(RED, {
    type: 'quectel-send-sms',
    operations: { send: { 'quectel-app': 'quectel-app.sendSmsCode' } },
  });
