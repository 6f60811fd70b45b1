// Any call of any platform: method and path from the settings or msg.method / msg.path.
import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';
import { nodeSpec } from './specs';

export = (RED: NodeAPI) => registerActionNode(RED, nodeSpec('iot-openapi-request'));
