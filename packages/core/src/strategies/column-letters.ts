/** Spreadsheet-style letter of a 0-based column index: 0 → `A`, 25 → `Z`, 26 → `AA`. */
export function columnLetter(index: number): string {
  let letter = '';
  let rest = index + 1;
  while (rest > 0) {
    const remainder = (rest - 1) % 26;
    letter = String.fromCharCode(65 + remainder) + letter;
    rest = Math.floor((rest - 1) / 26);
  }
  return letter;
}

const LETTERS = /^[A-Z]{1,3}$/;

/** 0-based index of a column letter (`A` → 0, `AA` → 26), or undefined when `text` is not a letter reference. */
export function columnIndexOfLetter(text: string): number | undefined {
  if (!LETTERS.test(text)) return undefined;
  let index = 0;
  for (const character of text) index = index * 26 + (character.charCodeAt(0) - 64);
  return index - 1;
}
