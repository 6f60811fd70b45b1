import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';

export = (RED: NodeAPI) =>
  registerActionNode(RED, {
    type: 'onbright-lock-user',
    operations: { add: { onbright: 'onbright.addLockUser' }, update: { onbright: 'onbright.updateLockUser' } },
  });
