import { v5 as uuidv5, validate as isUuid } from 'uuid';

/** Namespace for ids derived from readable slugs, so the same slug always gives the same UUID. */
const FIELDSYNC_NAMESPACE = '3f1d8e0a-6b1c-5a57-9c3e-7a0d2b9f4e61';

/**
 * The UUID fieldsync uses for a configuration id. The seed's tables key data sources, tab
 * mappings and runs by UUID; ids written in code may be readable slugs (`'partners-master'`),
 * which map to a stable UUID v5. A UUID is returned as it is (lower-cased).
 *
 * @example stableUuid('partners-master') // always the same UUID
 */
export function stableUuid(id: string): string {
  return isUuid(id) ? id.toLowerCase() : uuidv5(id, FIELDSYNC_NAMESPACE);
}

/** Identifier rule for tables, columns and fields that reach SQL: letters, digits, underscore, at most 63 bytes. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** True when `name` is safe to use as a (quoted) SQL identifier. */
export function isValidIdentifier(name: string): boolean {
  return IDENTIFIER_PATTERN.test(name);
}

/** True for a UUID in canonical text form. */
export function isValidUuid(value: string): boolean {
  return isUuid(value);
}
