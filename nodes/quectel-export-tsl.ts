import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';

export = (RED: NodeAPI) =>
  registerActionNode(RED, {
    type: 'quectel-export-tsl',
    operations: { export: { 'quectel-saas': 'quectel-saas.exportTsl' } },
  });
