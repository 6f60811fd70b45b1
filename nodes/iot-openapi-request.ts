import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';

// Any call of any platform: method and path from the settings or msg.method / msg.path.
export = (RED: NodeAPI) => registerActionNode(RED, { type: 'iot-openapi-request', raw: true, operations: {} });
