import { describe, expect, it } from 'vitest';
import { describeError, FieldsyncError, formatMessage, redactSecrets } from './errors.js';

describe('errors', () => {
  it.each([
    ['connect ECONNREFUSED postgres://app:s3cret-pw@db.internal:5432/prod', 's3cret-pw'],
    ['request failed: Authorization: Bearer ya29.a0AfH6SMBxyz123456', 'ya29.a0AfH6SMBxyz123456'],
    ['GET https://api.example.com/v1/items?api_key=abcd1234efgh&page=2 failed', 'abcd1234efgh'],
    ['bad password=hunter22 for user', 'hunter22'],
    ['Basic dGVzdC1hcGkta2V5Og== was refused', 'dGVzdC1hcGkta2V5Og=='],
  ])('redactSecrets - removes the secret from %j', (message, secret) => {
    expect(redactSecrets(message)).not.toContain(secret);
    expect(describeError(new Error(message)).message).not.toContain(secret);
  });

  it('redactSecrets - leaves ordinary messages alone', () => {
    const message = 'Tab Partners has no column Brand Name (headers: Code, Name)';
    expect(redactSecrets(message)).toBe(message);
  });

  it('describeError - keeps the code of fieldsync errors and marks others UNEXPECTED', () => {
    expect(describeError(new FieldsyncError('SYNC_LOCKED', formatMessage('engine', 'Busy.', 'Wait.')))).toEqual({ code: 'SYNC_LOCKED', message: '[fieldsync] [engine] Busy. Wait.' });
    expect(describeError('plain')).toEqual({ code: 'UNEXPECTED', message: 'plain' });
  });
});
