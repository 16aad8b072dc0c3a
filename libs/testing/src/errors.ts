import { DomainException } from '@northstar/contracts';

/**
 * Awaits a bus request that must fail and returns its DomainException, so a test can assert the code
 * and the fields: `expect((await busError(send(...))).code).toBe(BusErrorCode.NotFound)`.
 */
export async function busError(request: Promise<unknown>): Promise<DomainException> {
  let response: unknown;
  try {
    response = await request;
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error(`Expected the request to fail, but it answered ${JSON.stringify(response)}`);
}
