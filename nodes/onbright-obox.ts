import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';

export = (RED: NodeAPI) =>
  registerActionNode(RED, {
    type: 'onbright-obox',
    operations: { add: { onbright: 'onbright.addObox' }, list: { onbright: 'onbright.listObox' }, delete: { onbright: 'onbright.deleteObox' }, register: { onbright: 'onbright.registerAliDevice' } },
  });
