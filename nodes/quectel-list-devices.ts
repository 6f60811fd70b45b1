import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';

export = (RED: NodeAPI) =>
  registerActionNode(RED, {
    type: 'quectel-list-devices',
    paged: true,
    operations: { list: { 'quectel-app': 'quectel-app.listDevices', 'quectel-saas': 'quectel-saas.listDevices' } },
  });
