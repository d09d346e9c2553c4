import { expect } from 'vitest';
import { AlisaError } from '../../companion/errors';

/** Awaits `promise`, expects it to reject with an AlisaError, and returns that error. */
export async function failure(promise: Promise<unknown>): Promise<AlisaError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AlisaError);
    return err as AlisaError;
  }
  throw new Error('expected a failure');
}
