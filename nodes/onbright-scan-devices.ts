import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';

export = (RED: NodeAPI) =>
  registerActionNode(RED, {
    type: 'onbright-scan-devices',
    operations: { scan: { onbright: 'onbright.scanDevices' } },
  });
