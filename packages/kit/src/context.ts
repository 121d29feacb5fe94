import { AsyncLocalStorage } from 'node:async_hooks';

/** What every piece of code running for one request may know about it without being told. */
export interface RequestContext {
  /** The request id (`x-request-id`, kept from the client when sane, else made up). */
  requestId: string;
}

/**
 * The request being served, set by the kit's app factory around each request: the logger writes its
 * `requestId` on every line and the service client forwards it as `x-request-id`, so no function has
 * to pass a request id along. Outside a request (start-up, background loops) there is none.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

/** The id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}
