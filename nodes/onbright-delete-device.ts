import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';
import { nodeSpec } from './specs';

export = (RED: NodeAPI) => registerActionNode(RED, nodeSpec('onbright-delete-device'));
