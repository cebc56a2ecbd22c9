/**
 * A partial-response `fields` mask, as Google APIs take it: comma-separated paths, dotted
 * (`sheets.properties`) or with parenthesised sub-selections (`sheets(properties(sheetId,title))`),
 * and `*` for everything.
 */

/** A parsed mask: each selected key with its sub-mask, or `true` for the whole value. */
export type FieldMask = Map<string, FieldMask | true>;

/** Thrown for a mask that does not parse; the emulator answers 400 with its message. */
export class FieldMaskError extends Error {}

function merge(into: FieldMask, key: string, selection: FieldMask | true): void {
  const existing = into.get(key);
  if (existing === true || selection === true) {
    into.set(key, true);
    return;
  }
  if (!existing) {
    into.set(key, selection);
    return;
  }
  for (const [childKey, child] of selection) merge(existing, childKey, child);
}

/** Parses a `fields` value. */
export function parseFieldMask(text: string): FieldMask {
  let position = 0;
  const fail = (): never => {
    throw new FieldMaskError(`Invalid field selection ${text}`);
  };

  function parseList(): FieldMask {
    const mask: FieldMask = new Map();
    for (;;) {
      const path: string[] = [];
      for (;;) {
        const match = /^[A-Za-z0-9_@*]+/.exec(text.slice(position));
        if (!match) fail();
        path.push(match![0]);
        position += match![0].length;
        if (text[position] === '.') {
          position += 1;
          continue;
        }
        break;
      }
      let leaf: FieldMask | true = true;
      if (text[position] === '(') {
        position += 1;
        leaf = parseList();
        if (text[position] !== ')') fail();
        position += 1;
      }
      // Build the dotted path from the inside out.
      let selection: FieldMask | true = leaf;
      for (let index = path.length - 1; index > 0; index -= 1) selection = new Map([[path[index]!, selection]]);
      merge(mask, path[0]!, selection);
      if (text[position] === ',') {
        position += 1;
        continue;
      }
      return mask;
    }
  }

  const mask = parseList();
  if (position !== text.replace(/\s+$/, '').length) fail();
  return mask;
}

/** Keeps only what the mask selects. Arrays apply the mask to each element. */
export function applyFieldMask(value: unknown, mask: FieldMask): unknown {
  if (Array.isArray(value)) return value.map((element) => applyFieldMask(element, mask));
  if (typeof value !== 'object' || value === null) return value;
  if (mask.has('*')) return value;
  const result: Record<string, unknown> = {};
  for (const [key, selection] of mask) {
    if (!(key in value)) continue;
    const child = (value as Record<string, unknown>)[key];
    result[key] = selection === true ? child : applyFieldMask(child, selection);
  }
  return result;
}
