// How every node type's saved settings changed from one version to the next,
// and the one function that brings old settings up to date. The runtime calls
// it when a node starts; the build ships the same table and the same function
// to the editor (resources/iot-openapi-editor.js), which calls it when a
// dialog opens. A renamed setting is written here and nowhere else.
// Nothing here imports Node-RED.

/** Renames from one settings version to the next: old property name → new one. */
export type Migration = Record<string, string>;

/** Version 1 is the first with a version: it keeps every name of version 0 (a flow saved before settings had one). */
const FIRST: readonly Migration[] = [{}];

/**
 * Per node type, migrations[i] takes settings of version i to version i + 1;
 * the current version is migrations.length. A type not listed is at version 1
 * with no renames. Renaming a setting `old` to `new` in a node at version 1:
 * `'<type>': [{}, { old: 'new' }]`.
 */
export const MIGRATIONS: Readonly<Record<string, readonly Migration[]>> = {};

/** A node type's migrations, oldest first. */
export function migrationsOf(type: string): readonly Migration[] {
  return Object.prototype.hasOwnProperty.call(MIGRATIONS, type) ? MIGRATIONS[type] : FIRST;
}

/** The settings version a node of this type saves today. */
export function settingsVersion(type: string): number {
  return migrationsOf(type).length;
}

/**
 * Brings settings saved by an older version of a node up to date, one
 * migration at a time. A renamed setting carries its value (and its typed
 * input's type, `<name>Type`) over, unless the new name already holds a
 * value, so renaming never drops what a user saved. `newer` flags settings
 * saved by a later version than this one.
 *
 * Shipped to the editor as its source text: it uses nothing from outside
 * itself.
 */
export function migrateSettings(
  migrations: readonly Migration[],
  saved: Record<string, unknown>,
): { settings: Record<string, unknown>; newer: boolean } {
  const settings: Record<string, unknown> = Object.assign({}, saved);
  const current = migrations.length;
  const from = Number(saved.settingsVersion === undefined || saved.settingsVersion === null || saved.settingsVersion === '' ? 0 : saved.settingsVersion);
  const start = Number.isInteger(from) && from >= 0 ? from : 0;
  for (let version = start; version < current; version++) {
    const renames = migrations[version];
    for (const oldName of Object.keys(renames)) {
      const newName = renames[oldName];
      for (const suffix of ['', 'Type']) {
        if (!Object.prototype.hasOwnProperty.call(settings, oldName + suffix)) continue;
        if (settings[newName + suffix] === undefined || settings[newName + suffix] === '') settings[newName + suffix] = settings[oldName + suffix];
        delete settings[oldName + suffix];
      }
    }
  }
  settings.settingsVersion = current;
  return { settings, newer: start > current };
}
