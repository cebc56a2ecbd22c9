/**
 * The source-column path syntax of the Close strategy (documented in docs/close.md):
 *
 * - `name`, `status_label`: a field of the object;
 * - `addresses[0].city`, `contacts[0].emails[0].email`: keys joined by `.`, array items by `[n]`;
 * - `custom.Industry`: a custom field by its name (everything after `custom.`, spaces and dots
 *   included), resolved once per open to its `custom.cf_...` key;
 * - `custom.cf_xxx`: a custom field by id;
 * - `contacts[0].custom.Birthday`: a custom field of a nested contact (or opportunity).
 */

/** One step of a path. */
export type PathSegment =
  | { kind: 'key'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'custom'; reference: string };

/** A parsed source column. */
export interface FieldPath {
  /** The source column as written in the mapping. */
  source: string;
  segments: PathSegment[];
}

/** The Close object types a tab can read. */
export type CloseObjectType = 'lead' | 'contact' | 'opportunity';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
const CUSTOM_FIELD_ID = /^cf_[A-Za-z0-9]+$/;

/** True for a custom field id such as `cf_v6S011I6MqcbVvB2FA5Nk8dr5MkL8sWuCiG8cUleO9c`. */
export function isCustomFieldId(reference: string): boolean {
  return CUSTOM_FIELD_ID.test(reference);
}

/**
 * Parses a source column. Returns the path, or an error message saying what is wrong.
 *
 * @example parseFieldPath('contacts[0].emails[0].email')
 * // { ok: true, path: { source, segments: [key contacts, index 0, key emails, index 0, key email] } }
 */
export function parseFieldPath(source: string): { ok: true; path: FieldPath } | { ok: false; error: string } {
  const segments: PathSegment[] = [];
  let rest = source.trim();
  let expectKey = true;
  while (rest.length > 0) {
    if (rest.startsWith('[')) {
      const match = /^\[(\d+)\]/.exec(rest);
      if (!match || segments.length === 0) return { ok: false, error: `"${source}": "[" must follow a field and hold an index, e.g. contacts[0].` };
      segments.push({ kind: 'index', index: Number(match[1]) });
      rest = rest.slice(match[0].length);
      expectKey = false;
      continue;
    }
    if (!expectKey) {
      if (!rest.startsWith('.')) return { ok: false, error: `"${source}": expected "." or "[" after "${source.slice(0, source.length - rest.length)}".` };
      rest = rest.slice(1);
      expectKey = true;
      continue;
    }
    if (rest.startsWith('custom.')) {
      const reference = rest.slice('custom.'.length).trim();
      if (reference === '') return { ok: false, error: `"${source}": "custom." must be followed by a custom field name or id.` };
      segments.push({ kind: 'custom', reference });
      rest = '';
      break;
    }
    const match = IDENTIFIER.exec(rest);
    if (!match) return { ok: false, error: `"${source}": "${rest}" is not a field name (letters, digits and underscores).` };
    segments.push({ kind: 'key', name: match[0] });
    rest = rest.slice(match[0].length);
    expectKey = false;
  }
  if (segments.length === 0) return { ok: false, error: 'An empty source column is not a path.' };
  if (expectKey && segments[segments.length - 1]?.kind !== 'custom') return { ok: false, error: `"${source}": a path cannot end with ".".` };
  return { ok: true, path: { source, segments } };
}

/** The object type a nested array holds, for custom fields inside it: a lead's `contacts` and `opportunities`. */
export function nestedObjectType(parent: CloseObjectType | null, key: string): CloseObjectType | null {
  if (parent === 'lead' && key === 'contacts') return 'contact';
  if (parent === 'lead' && key === 'opportunities') return 'opportunity';
  return null;
}

/**
 * Reads the value at a resolved path (custom segments already replaced by their `custom.cf_...`
 * keys). A missing key or index gives undefined: an empty cell.
 */
export function readPath(record: unknown, segments: ReadonlyArray<PathSegment>): unknown {
  let current: unknown = record;
  for (const segment of segments) {
    if (current === null || current === undefined) return undefined;
    if (segment.kind === 'index') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment.index];
    } else {
      if (typeof current !== 'object' || Array.isArray(current)) return undefined;
      const key = segment.kind === 'key' ? segment.name : `custom.${segment.reference}`;
      current = (current as Record<string, unknown>)[key];
    }
  }
  return current;
}
