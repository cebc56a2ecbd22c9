/**
 * A short, safe description of any raw value for error messages: strings are quoted and
 * cut to `maxLength` characters, other values are named by kind. Never throws, whatever the value.
 *
 * @example describeValue('2024-02-30') // '"2024-02-30"'
 */
export function describeValue(value: unknown, maxLength = 60): string {
  try {
    switch (typeof value) {
      case 'string': {
        const characters = Array.from(value);
        const shown = characters.length > maxLength ? `${characters.slice(0, maxLength).join('')}...` : value;
        return JSON.stringify(shown);
      }
      case 'number':
      case 'boolean':
        return String(value);
      case 'bigint':
        return `${value.toString()}n`;
      case 'undefined':
        return 'undefined';
      case 'symbol':
        return 'a symbol';
      case 'function':
        return 'a function';
      default:
        if (value === null) return 'null';
        if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : `the Date ${value.toISOString()}`;
        if (Array.isArray(value)) return `an array of ${value.length}`;
        return 'an object';
    }
  } catch {
    return 'an unreadable value';
  }
}

/** Formats a list of accepted words for messages: `"yes", "no" and 3 more`. */
export function describeList(items: ReadonlyArray<string>, limit = 20): string {
  const shown = items.slice(0, limit).map((item) => JSON.stringify(item));
  return items.length > limit ? `${shown.join(', ')} and ${items.length - limit} more` : shown.join(', ');
}
