// Quectel App scenes and automations, as the scene node runs them: a scene
// that failed on some of its devices is a failure naming them, and an
// automation is switched by `enabled` (the vendor's `status`).
import { ErrorCodes, OpenApiError } from '../errors';
import type { CompositeRunner } from './platform';

interface FailedAction { productKey?: string; deviceKey?: string; deviceName?: string; reason?: string }

const executeScene: CompositeRunner = async (caller, op, values) => {
  const result = await caller.call(op.calls.execute, values);
  const data = (result.data ?? {}) as { executeResult?: unknown; failActionList?: unknown };
  const failed = Array.isArray(data.failActionList) ? (data.failActionList as FailedAction[]) : [];
  if (failed.length > 0 || data.executeResult === false) {
    const first = failed[0];
    const which = first ? ` (${first.productKey ?? ''}/${first.deviceKey ?? ''}: ${first.reason || 'refused'})` : '';
    throw new OpenApiError(
      ErrorCodes.DEVICE_FAILED,
      `the scene failed on ${failed.length} device${failed.length === 1 ? '' : 's'}${which}`,
      { platform: caller.platform, payload: failed },
    );
  }
  return result;
};

const setAutomation: CompositeRunner = (caller, op, values) => {
  const { enabled, ...rest } = values;
  return caller.call(op.calls.status, { ...rest, status: enabled });
};

export const sceneComposites: Readonly<Record<string, CompositeRunner>> = {
  'quectel-app.executeScene': executeScene,
  'quectel-app.setAutomation': setAutomation,
};
