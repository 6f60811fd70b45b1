import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';

export = (RED: NodeAPI) =>
  registerActionNode(RED, {
    type: 'onbright-delete-device',
    operations: { delete: { onbright: 'onbright.deleteDevice' } },
  });
