import type { FieldValue } from './values.js';

/** Severity of a row-level problem: an `error` drops the row, a `warning` drops only the field. */
export type Severity = 'error' | 'warning';

/** The outcome of one transformation: a value, or a problem. Transformers never throw for bad input. */
export type TransformResult = { ok: true; value: FieldValue } | { ok: false; error: string; severity?: Severity };

/** What a transformer knows besides the value. */
export interface TransformContext<Options = Record<string, unknown>> {
  /** The column mapping's `transformOptions`, validated by `optionsSchema` when given. */
  options: Options;
  /** Source column and target field, for messages. */
  column: string;
  field: string;
  /** The source's time zone (IANA), e.g. a spreadsheet's `timeZone`. */
  timeZone?: string;
  /** The source's locale (BCP 47), e.g. `en_US` or `de-DE`. */
  locale?: string;
}

/** Parses option objects; a zod schema fits. */
export interface OptionsParser<Options> {
  safeParse(input: unknown): { success: true; data: Options } | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } };
}

/**
 * Turns one raw source value into a typed field value. Must be pure and must not throw:
 * bad input returns `{ ok: false, error }` so the run can go on and report the cell.
 */
export interface Transformer<Options = Record<string, unknown>> {
  /** Name used in column mappings' `transform`. */
  readonly name: string;
  /** Validates `transformOptions` once when a sync starts; a failure is a configuration error. */
  readonly optionsSchema?: OptionsParser<Options>;
  /**
   * Changes whenever the output changes for the same input (row fingerprints include it, so the
   * next run decides every row again). Without it, the source text of `transform` stands in.
   */
  readonly version?: string;
  transform(value: unknown, context: TransformContext<Options>): TransformResult;
}
