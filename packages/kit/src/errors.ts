import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';

/** One field-level problem, as carried in problem+json `errors[]`. */
export interface FieldError {
  field: string;
  message: string;
  code?: string;
}

/** Base of every error a service throws on purpose; the error handler maps it to RFC 9457 problem+json. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string, errors?: FieldError[]) {
    super(400, code, message, errors ? { errors } : {});
  }
}
export class ValidationError extends AppError {
  constructor(errors: FieldError[], message = 'The request is not valid') {
    super(400, 'validation_failed', message, { errors });
  }
}
export class UnauthorizedError extends AppError {
  constructor(code = 'unauthorized', message = 'Authentication is required') {
    super(401, code, message);
  }
}
export class ForbiddenError extends AppError {
  constructor(code = 'forbidden', message = 'You are not allowed to do this') {
    super(403, code, message);
  }
}
export class NotFoundError extends AppError {
  constructor(code = 'not_found', message = 'The resource was not found') {
    super(404, code, message);
  }
}
export class ConflictError extends AppError {
  constructor(code: string, message: string, extra: Record<string, unknown> = {}) {
    super(409, code, message, extra);
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message = 'The request body is too large') {
    super(413, 'payload_too_large', message);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'This media type is not supported') {
    super(415, 'unsupported_media_type', message);
  }
}
export class UnprocessableError extends AppError {
  constructor(code: string, message: string) {
    super(422, code, message);
  }
}
export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number, code = 'too_many_requests', message = 'Too many requests; try again later') {
    super(429, code, message, { retryAfterSeconds });
  }
}
export class ServiceUnavailableError extends AppError {
  constructor(code = 'service_unavailable', message = 'The service is unavailable', retryAfterSeconds?: number) {
    super(503, code, message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  }
}
export class GatewayTimeoutError extends AppError {
  constructor(message = 'The upstream service did not answer in time') {
    super(504, 'upstream_timeout', message);
  }
}

/** The client went away before the answer (nginx's 499): the work done for it stops; nothing is sent. */
export class ClientClosedRequestError extends AppError {
  constructor() {
    super(499, 'client_closed_request', 'The client closed the connection before the answer');
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The RFC 9457 body for a status and code. */
export function problemBody(status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  const { retryAfterSeconds: _omit, ...rest } = extra;
  return {
    type: `https://petpro.id/problems/${code.replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...rest,
  };
}

/** Turns zod issues into `errors[]` entries naming the field by its dotted path. */
export function zodFieldErrors(err: ZodError, prefix?: string): FieldError[] {
  const name = (path: PropertyKey[]) =>
    [prefix, path.map(String).join('.')].filter(Boolean).join('.') || (prefix ?? '(root)');
  return err.issues.flatMap((issue) => {
    // An unknown field is named itself, not its parent object.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: name([...issue.path, key]),
        message: 'is not a known field',
        code: 'unrecognized_key',
      }));
    }
    return [{ field: name(issue.path), message: issue.message, code: issue.code }];
  });
}

/** Writes a problem+json response. */
export function sendProblem(res: import('express').Response, err: AppError, requestId?: string): void {
  if (err.extra.retryAfterSeconds !== undefined)
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.extra.retryAfterSeconds))));
  res
    .status(err.status)
    .type('application/problem+json')
    .send(
      JSON.stringify(
        problemBody(err.status, err.code, err.message, { ...err.extra, ...(requestId ? { requestId } : {}) }),
      ),
    );
}

/** SQLSTATEs and socket errors that mean "the database cannot answer right now", not "this request is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123]$|53300$)/;
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended unexpectedly/;

/**
 * True for a database that is down, restarting or out of connections (pg's errors for a lost or
 * refused connection, PostgreSQL's shutdown and connection-limit codes): the request may succeed if
 * retried shortly, so it is a 503, not a 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown[] } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET.has(code)) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  // A refused connection to a host with several addresses arrives as an AggregateError.
  return Array.isArray(e.errors) && e.errors.some(isDatabaseUnavailable);
}

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
  code?: string;
  message?: string;
}

/** Maps anything thrown to an AppError; unknown errors become a generic 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new ValidationError(zodFieldErrors(err));
  const e = (err ?? {}) as HttpishError;
  // body-parser errors
  if (e.type === 'entity.parse.failed')
    return new BadRequestError('invalid_json', 'The request body is not valid JSON');
  if (e.type === 'entity.too.large') return new PayloadTooLargeError();
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')
    return new UnsupportedMediaTypeError('This body encoding is not supported');
  // multer errors
  if (e.code === 'LIMIT_FILE_SIZE') return new PayloadTooLargeError('The uploaded file is too large');
  if (e.code?.startsWith('LIMIT_'))
    return new BadRequestError('invalid_upload', e.message ?? 'The upload is not valid');
  // PostgreSQL's query_canceled: the statement_timeout ended a slow statement (load, or a costly request).
  if (e.code === '57014')
    return new ServiceUnavailableError('database_timeout', 'The request took too long; try again shortly', 5);
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500 && e.expose !== false) {
    return new AppError(status, 'bad_request', e.message ?? 'Bad request');
  }
  if (isDatabaseUnavailable(err))
    return new ServiceUnavailableError('database_unavailable', 'The database is unavailable; try again shortly', 2);
  return new AppError(500, 'internal_error', 'An unexpected error occurred');
}

/** The single Express error handler: problem+json, no stack traces, unknown errors logged in full. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appErr = toAppError(err);
  const requestId = req.id as string | undefined;
  if (appErr.code === 'database_unavailable') req.log?.warn({ err: (err as Error).message }, 'database unavailable');
  else if (appErr.status >= 500 && !(err instanceof AppError)) req.log?.error({ err }, 'unhandled error');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendProblem(res, appErr, requestId);
};

/** 404 for any path no route matched (405 when the path exists with another method is handled by routers). */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError('route_not_found', `No route for ${req.method} ${req.path}`));
};
