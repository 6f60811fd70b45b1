// Before a NovaStar write changes a wall, its ids are checked against the
// processor's own lists (screens, layers, inputs, presets, backgrounds) and a
// layer's window against the screen's size, so a typo is refused before the
// wall changes instead of doing something else. The lists are read with the
// editor's picker calls and kept briefly per account; what cannot be read is
// not checked (the processor still judges).
import type { Caller } from '../caller';
import { invalidInput } from '../errors';
import type { VendorCall } from '../operations';
import { MAX_PICKED, PICKERS, pickedItems } from '../pickers';
import { isPlainObject } from '../validate';

/** How long a list read from the processor is trusted: a wall changes slowly, and adding or deleting a layer clears it. */
const KNOWN_TTL_MS = 30_000;

interface Entry {
  at: number;
  value: Promise<unknown>;
}

/** A screen's size from screen/readDetail, where processors and clients put it. */
function screenSize(data: unknown): { width: number; height: number } | undefined {
  if (!isPlainObject(data)) return undefined;
  const output = isPlainObject(data.outputMode) ? data.outputMode : {};
  for (const place of [output.size, data.size, data]) {
    if (isPlainObject(place) && Number.isInteger(place.width) && Number.isInteger(place.height)) return { width: place.width as number, height: place.height as number };
  }
  return undefined;
}

/** The lists one account's processor has, read briefly through the picker calls, for checking writes. */
export class KnownLists {
  private readonly entries = new Map<string, Entry>();

  /** The processor changed (a layer added or deleted): lists are read again before the next checked write. */
  forget(): void {
    this.entries.clear();
  }

  /** A read through the cache; undefined when it failed (then nothing is checked). */
  private cached(client: Caller, operation: string, params: Record<string, unknown>): Promise<unknown> {
    const key = `${operation} ${JSON.stringify(params)}`;
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < KNOWN_TTL_MS) return hit.value;
    const value = client.call(operation, params).then((r) => r.data, () => {
      this.entries.delete(key);
      return undefined;
    });
    this.entries.set(key, { at: Date.now(), value });
    return value;
  }

  /** Refuses a checked write whose ids or window the processor does not have; what cannot be read is not checked. */
  async check(client: Caller, op: VendorCall, values: Record<string, unknown>): Promise<void> {
    const scope = { deviceId: values.deviceId, screenId: values.screenId };
    for (const p of op.params) {
      const given = values[p.name];
      if (!p.picker || given === undefined) continue;
      // Only an input source names an input; an IPC stream's inputId 255 is not in the list.
      if (p.name === 'inputId' && values.sourceType !== undefined && values.sourceType !== 1) continue;
      const source = PICKERS[p.picker][client.platform];
      if (!source) continue;
      const data = await this.cached(client, source.operation, { ...source.params, ...scope });
      if (data === undefined) continue;
      const known = pickedItems(source, data).map((item) => item.value);
      if (known.length >= MAX_PICKED) continue;
      if (!known.includes(typeof given === 'number' || typeof given === 'string' ? String(given) : '')) throw invalidInput(p.name, 'unknownId', { values: known.join(', ') || 'none' });
    }
    if (values.width !== undefined && values.screenId !== undefined) {
      const size = screenSize(await this.cached(client, 'novastar.readScreen', scope));
      if (!size) return;
      const [x, y, width, height] = [values.x, values.y, values.width, values.height].map(Number);
      if (x + width > size.width) throw invalidInput('width', 'outside', { edge: 'x + width', limit: size.width });
      if (y + height > size.height) throw invalidInput('height', 'outside', { edge: 'y + height', limit: size.height });
    }
  }
}
