import { describe, expect, it } from 'vitest';
import { columnLetter, columnNumber, formatRange, parseCellBlock, parseRange, quoteSheetTitle } from './a1-notation.js';

describe('a1-notation', () => {
  it('columnLetter / columnNumber - convert both ways up to ZZZ', () => {
    expect([1, 26, 27, 52, 53, 702, 703, 18_278].map(columnLetter)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA', 'ZZZ']);
    expect(['A', 'z', 'AA', 'ZZZ'].map(columnNumber)).toEqual([1, 26, 27, 18_278]);
    expect(columnNumber('AAAA')).toBeUndefined();
    expect(columnNumber('A1')).toBeUndefined();
    expect(() => columnLetter(0)).toThrow(RangeError);
  });

  it('quoteSheetTitle - quotes only when needed, like the range echo', () => {
    expect(quoteSheetTitle('Sheet1')).toBe('Sheet1');
    expect(quoteSheetTitle('Class Data')).toBe("'Class Data'");
    expect(quoteSheetTitle("Bob's")).toBe("'Bob''s'");
    expect(quoteSheetTitle('A1')).toBe("'A1'");
    expect(quoteSheetTitle('R1C1')).toBe("'R1C1'");
    expect(quoteSheetTitle('2024')).toBe("'2024'");
    expect(quoteSheetTitle('🌵 test')).toBe("'🌵 test'");
  });

  it('parseCellBlock - cells, open ends, whole rows and columns, reversed blocks', () => {
    expect(parseCellBlock('B2')).toEqual({ startRow: 2, startColumn: 2, endRow: 2, endColumn: 2 });
    expect(parseCellBlock('A1:C')).toEqual({ startRow: 1, startColumn: 1, endColumn: 3 });
    expect(parseCellBlock('A:A')).toEqual({ startColumn: 1, endColumn: 1 });
    expect(parseCellBlock('2:5')).toEqual({ startRow: 2, endRow: 5 });
    expect(parseCellBlock('D4:A1')).toEqual({ startRow: 1, startColumn: 1, endRow: 4, endColumn: 4 });
    expect(parseCellBlock('$A$1:$B$2')).toEqual({ startRow: 1, startColumn: 1, endRow: 2, endColumn: 2 });
    for (const bad of ['A', '1', 'A1:B2:C3', 'PAPER10', 'A0', '']) expect(parseCellBlock(bad), bad).toBeUndefined();
  });

  it('parseRange - quoted and bare sheet names, sheet-only specs, unqualified blocks', () => {
    expect(parseRange("'Sheet 1'!A1:Z")).toEqual({ sheetTitle: 'Sheet 1', block: { startRow: 1, startColumn: 1, endColumn: 26 } });
    expect(parseRange("'It''s'")).toEqual({ sheetTitle: "It's" });
    expect(parseRange('Partners!B:B')).toEqual({ sheetTitle: 'Partners', block: { startColumn: 2, endColumn: 2 } });
    expect(parseRange('A1:D5')).toEqual({ block: { startRow: 1, startColumn: 1, endRow: 5, endColumn: 4 } });
    expect(parseRange('Class Data', (title) => title === 'Class Data')).toEqual({ sheetTitle: 'Class Data' });
    expect(parseRange('paper10')).toBeUndefined();
    expect(parseRange("'unterminated!A1")).toBeUndefined();
  });

  it('formatRange - builds the ranges the strategy requests', () => {
    expect(formatRange('Partners', { startRow: 2, startColumn: 1, endRow: 10, endColumn: 4 })).toBe('Partners!A2:D10');
    expect(formatRange('Class Data', { startRow: 1, startColumn: 1, endRow: 1, endColumn: 26 })).toBe("'Class Data'!A1:Z1");
  });
});
