import { FieldsyncError, formatMessage } from '../errors.js';

/** The error a strategy's read throws once its abort signal fires (code `SYNC_ABORTED`). */
export function readAbortedError(scope: string, reason?: unknown): FieldsyncError {
  return new FieldsyncError(
    'SYNC_ABORTED',
    formatMessage(scope, 'The read was aborted.', 'Nothing after the last applied batch was written; start the sync again to finish it.'),
    reason === undefined ? {} : { cause: reason },
  );
}
