// How a node's saved settings are named and typed: shared by the runtime
// factory and the generated editor.
import type { ParamType } from '../lib/operations';

/**
 * Node-RED reserves `type` on every node, and every node's `name` is its
 * label, so the parameters `type` and `name` are stored as `paramType` and `paramName`.
 */
export function settingName(param: string): string {
  return param === 'type' ? 'paramType' : param === 'name' ? 'paramName' : param;
}

/**
 * The credential holding a secret parameter's setting. It is not named like
 * the setting: the editor reads a property and a credential of the same name
 * from the same input, and the setting still holds what other types need
 * (a msg property, an env variable, or a password saved before).
 */
export function credentialName(param: string): string {
  return `${settingName(param)}Secret`;
}

/** The type a new setting starts with. */
export const DEFAULT_TYPES: Readonly<Record<ParamType, string>> = { string: 'str', integer: 'num', boolean: 'bool', array: 'json', object: 'json' };

/** A setting of this type is kept in the node's credentials: never in the flow file, never sent back to the editor. */
export const CREDENTIAL_TYPE = 'cred';

/** A setting chosen from a list of the values the catalogue allows; read as it is. */
export const CHOICE_TYPE = 'choice';

/**
 * The longest the account dialog's Test connection runs, whatever timeout the
 * dialog holds: the button waits for it, and a silent host must not hold it.
 */
export const TEST_CONNECTION_MAX_MS = 30_000;
