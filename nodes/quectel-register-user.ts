import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';

export = (RED: NodeAPI) =>
  registerActionNode(RED, {
    type: 'quectel-register-user',
    operations: { register: { 'quectel-app': 'quectel-app.register' } },
  });
