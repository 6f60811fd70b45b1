import { registerActionNode } from './action-node';
import type { NodeAPI } from './red';

export = (RED: NodeAPI) =>
  registerActionNode(RED, {
    type: 'novastar-screen',
    operations: {
      listScreens: { novastar: 'novastar.listScreens' },
      readScreen: { novastar: 'novastar.readScreen' },
      setBrightness: { novastar: 'novastar.setBrightness' },
      fadeToBlack: { novastar: 'novastar.fadeToBlack' },
      freeze: { novastar: 'novastar.freeze' },
      listPresets: { novastar: 'novastar.listPresets' },
      playPreset: { novastar: 'novastar.playPreset' },
      listInputs: { novastar: 'novastar.listInputs' },
      readDevice: { novastar: 'novastar.readDevice' },
    },
  });
