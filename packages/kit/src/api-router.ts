import { z } from 'zod';
import type { Readable } from 'node:stream';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { AppError, ValidationError, zodFieldErrors, type FieldError } from './errors.ts';

extendZodWithOpenApi(z);

export { z, OpenAPIRegistry };

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyZod = z.ZodType;
type Out<T> = T extends AnyZod ? z.output<T> : undefined;

/** The problem+json schema, shared by every documented error response. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string(), code: z.string().optional() })).optional(),
  })
  .openapi('Problem');

/** A documented error response: `409: problem('`slot_unavailable`: taken meanwhile')`. */
export function problem(description: string): ResponseSpec {
  return { description, schema: ProblemSchema };
}

/** Response headers by name (`Location`, `Idempotent-Replayed`): documented, and required in the reply by type. */
export type HeaderSchemas = Record<string, AnyZod>;

/** One documented response of an endpoint. */
export interface ResponseSpec {
  description: string;
  /** The JSON body (problem+json from 400 on); the reply's `body` must be its z.input. */
  schema?: AnyZod;
  /** Headers this response carries; the reply's `headers` must give each (optional ones may be left out). */
  headers?: HeaderSchemas;
  /**
   * A binary body of this media type (`image/webp`; `application/octet-stream` for any): the reply gives a `stream`.
   */
  stream?: string;
  /**
   * A 4xx/5xx status that is an answer, not an error, so the handler replies it (a readiness probe's
   * 503 with the state of each dependency). Errors are still thrown as the kit's typed errors.
   */
  answer?: true;
}

export type ResponseSpecs = Record<number, ResponseSpec>;

/** One endpoint's contract: the zod schemas here are its validation, its types and its OpenAPI entry. */
export interface RouteSpec<
  B extends AnyZod | undefined,
  Q extends AnyZod | undefined,
  P extends AnyZod | undefined,
  H extends z.ZodObject | undefined = undefined,
  R extends ResponseSpecs = ResponseSpecs,
> {
  method: Method;
  /** The whole OpenAPI-style path, written out (`/api/v1/bookings/{id}`), so a grep for a URL finds its route. */
  path: string;
  summary: string;
  tags?: string[];
  /** Documents the bearer token requirement (enforcement is the middleware's job). */
  auth?: boolean;
  body?: B;
  query?: Q;
  params?: P;
  /** Request headers, keyed by their documented name (`Idempotency-Key`); validated like the other parts. */
  headers?: H;
  /** Documents a multipart/form-data upload with a `file` field. */
  multipart?: boolean;
  responses: R;
}

/** A request whose parts have passed their zod schemas. */
export interface Valid<B, Q, P, H = undefined> {
  body: B;
  query: Q;
  params: P;
  headers: H;
}

/** The request a typed handler receives: Express's, with the validated parts in `valid`. */
export type ValidRequest<B, Q, P, H = undefined> = Request & { valid: Valid<B, Q, P, H> };

/** Statuses a handler returns; 4xx and 5xx are thrown as the kit's typed errors, unless marked `answer`. */
type SuccessStatus<R> = {
  [S in keyof R]: S extends number
    ? `${S}` extends `4${string}` | `5${string}`
      ? R[S] extends { answer: true }
        ? S
        : never
      : S
    : never;
}[keyof R];

type Optional<T> = { [K in keyof T as undefined extends T[K] ? K : never]?: T[K] };
type Required_<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] };
type HeaderValues<H extends HeaderSchemas> = Required_<{ [K in keyof H]: z.input<H[K]> }> &
  Optional<{ [K in keyof H]: z.input<H[K]> }>;

type HeadersArg<S> = S extends { headers: infer H extends HeaderSchemas } ? [headers: HeaderValues<H>] : [];
/** After the status: the JSON body, the stream or nothing, then the declared headers if the response has any. */
type ReplyArgs<S> = S extends { schema: infer Z extends AnyZod }
  ? [body: z.input<Z>, ...HeadersArg<S>]
  : S extends { stream: string }
    ? [stream: Readable, ...HeadersArg<S>]
    : HeadersArg<S>;

declare const replyOf: unique symbol;
/** What a typed handler returns; made only by its `reply` function, so it matches the route's spec. */
export interface Reply<R> {
  readonly [replyOf]?: R;
  readonly status: number;
  readonly body?: unknown;
  readonly stream?: Readable;
  readonly headers?: Readonly<Record<string, unknown>>;
}

/**
 * The `reply` a typed handler gets: `reply(201, body, { Location })`. tsc checks the status against the
 * documented success responses (errors are thrown), the body against the z.input of that status's
 * schema (extra, missing and mistyped fields fail), and the headers against the ones declared.
 */
export type ReplyFunction<R> = <S extends SuccessStatus<R>>(status: S, ...args: ReplyArgs<R[S]>) => Reply<R>;

/** A typed handler: the router has parsed the request; it calls a service and returns `reply(...)`. */
export type ReplyHandler<B, Q, P, H, R> = (
  req: ValidRequest<B, Q, P, H>,
  reply: ReplyFunction<R>,
) => Reply<R> | Promise<Reply<R>>;

/**
 * Paths of strings holding a NUL character. PostgreSQL cannot store U+0000 in text (22021), so such a
 * value made a 500 wherever it reached the database; no field has a use for it.
 */
export function nulPaths(value: unknown, path: string[] = [], out: string[][] = [], depth = 0): string[][] {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push(path);
  } else if (value !== null && typeof value === 'object' && depth < 32 && out.length < 20) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) nulPaths(v, [...path, k], out, depth + 1);
  }
  return out;
}

function parsePart(schema: AnyZod | undefined, value: unknown, where: string, errors: FieldError[]): unknown {
  if (!schema) return value;
  const nul = nulPaths(value);
  if (nul.length) {
    const name = (path: string[]) =>
      [where === 'body' ? undefined : where, path.join('.')].filter(Boolean).join('.') || where;
    errors.push(
      ...nul.map((path) => ({
        field: name(path),
        message: 'must not contain the NUL character (U+0000)',
        code: 'invalid_character',
      })),
    );
    return undefined;
  }
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  errors.push(...zodFieldErrors(r.error, where === 'body' ? undefined : where));
  return undefined;
}

type Spec = RouteSpec<AnyZod | undefined, AnyZod | undefined, AnyZod | undefined, z.ZodObject | undefined>;

/** The declared request headers, read by their lower-case names (Node's), keyed as documented. */
function headersOf(schema: z.ZodObject | undefined, req: Request): Record<string, unknown> | undefined {
  if (!schema) return undefined;
  return Object.fromEntries(Object.keys(schema.shape).map((name) => [name, req.headers[name.toLowerCase()]]));
}

/** The `reply` function of one route: sorts its arguments by what the status's response declares. */
function replyFor(spec: Spec): ReplyFunction<ResponseSpecs> {
  return ((status: number, ...args: unknown[]): Reply<ResponseSpecs> => {
    const response = spec.responses[status];
    const [content, headers] = response?.schema || response?.stream ? args : [undefined, args[0]];
    if (response?.stream) return { status, stream: content as Readable, headers: headers as Record<string, unknown> };
    return { status, body: content, headers: headers as Record<string, unknown> | undefined };
  }) as ReplyFunction<ResponseSpecs>;
}

/** Sends a typed handler's reply: status, declared headers, then the JSON body, the stream or nothing. */
function send(reply: Reply<unknown>, res: Response, next: NextFunction) {
  res.status(reply.status);
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    if (value !== undefined) res.setHeader(name, String(value));
  }
  if (reply.body !== undefined) res.json(reply.body);
  else if (reply.stream && res.req.method === 'HEAD') {
    // Express answers HEAD with the GET route: the headers say it all, the file is never read.
    reply.stream.destroy();
    res.end();
  } else if (reply.stream) {
    // Before the first byte the error handler still answers (without the reply's caching or type
    // headers); after it the client sees a cut connection.
    reply.stream.on('error', (err) => {
      if (res.headersSent) return res.destroy(err);
      for (const name of Object.keys(reply.headers ?? {})) res.removeHeader(name);
      next(err);
    });
    reply.stream.pipe(res);
  } else res.end();
}

/**
 * An Express router whose routes are declared with zod schemas: requests are validated before the
 * handler runs (400 problem+json naming each bad field), replies are typed from the response schemas,
 * and every route lands in the OpenAPI registry. A service has one, made in app.ts and mounted once.
 */
export class ApiRouter {
  readonly router = express.Router();
  private readonly methodsByPath = new Map<string, Set<string>>();

  constructor(readonly registry: OpenAPIRegistry) {}

  /**
   * Declares an endpoint: `handlers` are middleware (auth, permissions, uploads) then the handler,
   * which returns `reply(status, body?, headers?)`, checked against the documented success responses.
   */
  endpoint<
    B extends AnyZod | undefined = undefined,
    Q extends AnyZod | undefined = undefined,
    P extends AnyZod | undefined = undefined,
    H extends z.ZodObject | undefined = undefined,
    const R extends ResponseSpecs = ResponseSpecs,
  >(
    spec: RouteSpec<B, Q, P, H, R>,
    ...handlers: [...RequestHandler[], ReplyHandler<Out<B>, Out<Q>, Out<P>, Out<H>, R>]
  ): this {
    const handler = handlers[handlers.length - 1] as ReplyHandler<unknown, unknown, unknown, unknown, ResponseSpecs>;
    const reply = replyFor(spec);
    const last: RequestHandler = async (req, res, next) => {
      send(await handler(req as ValidRequest<unknown, unknown, unknown, unknown>, reply), res, next);
    };
    this.mount(spec, handlers.slice(0, -1) as RequestHandler[], last);
    return this;
  }

  private mount(spec: Spec, before: RequestHandler[], last: RequestHandler): void {
    const expressPath = spec.path.replace(/\{([^}]+)\}/g, ':$1');
    const validate: RequestHandler = (req, _res, next) => {
      const errors: FieldError[] = [];
      const body = parsePart(spec.body, req.body, 'body', errors);
      const query = parsePart(spec.query, req.query, 'query', errors);
      const params = parsePart(spec.params, req.params, 'params', errors);
      const headers = parsePart(spec.headers, headersOf(spec.headers, req), 'headers', errors);
      if (errors.length) return next(new ValidationError(errors));
      (req as Request & { valid: unknown }).valid = { body, query, params, headers };
      next();
    };
    this.router[spec.method](expressPath, ...before, validate, last);
    const methods = this.methodsByPath.get(expressPath) ?? new Set<string>();
    methods.add(spec.method.toUpperCase());
    this.methodsByPath.set(expressPath, methods);
    this.document(spec);
  }

  private document(spec: Spec): void {
    const problem = (description: string) => ({
      description,
      content: { 'application/problem+json': { schema: ProblemSchema } },
    });
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      const content = r.schema
        ? {
            [Number(status) >= 400 && !r.answer ? 'application/problem+json' : 'application/json']: {
              schema: r.schema,
            },
          }
        : r.stream
          ? { [r.stream]: { schema: z.string().openapi({ type: 'string', format: 'binary' }) } }
          : undefined;
      responses[status] = {
        description: r.description,
        ...(r.headers ? { headers: z.object(r.headers) } : {}),
        ...(content ? { content } : {}),
      };
    }
    if (spec.body || spec.query || spec.params || spec.headers) responses['400'] ??= problem('Invalid request');
    if (spec.auth) responses['401'] ??= problem('Missing or invalid token');
    const request: Record<string, unknown> = {};
    if (spec.params) request.params = spec.params;
    if (spec.query) request.query = spec.query;
    if (spec.headers) request.headers = spec.headers;
    if (spec.body) request.body = { content: { 'application/json': { schema: spec.body } } };
    if (spec.multipart) {
      request.body = {
        content: {
          'multipart/form-data': {
            schema: z.object({ file: z.string().openapi({ type: 'string', format: 'binary' }) }).passthrough(),
          },
        },
      };
    }
    this.registry.registerPath({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      tags: spec.tags,
      security: spec.auth ? [{ bearerAuth: [] }] : undefined,
      request: request as never,
      responses: responses as never,
    });
  }

  /** Answers 405 (with `Allow`) for a known path asked with another method. Call after the last route. */
  finish(): express.Router {
    for (const [p, methods] of this.methodsByPath) {
      const allow = [...methods, ...(methods.has('GET') ? ['HEAD'] : [])].join(', ');
      this.router.all(p, (_req, res, next) => {
        res.setHeader('Allow', allow);
        next(new AppError(405, 'method_not_allowed', `This path allows ${allow}`));
      });
    }
    return this.router;
  }
}

/** A fresh registry with the bearer security scheme declared. */
export function createOpenApiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  return registry;
}

/** The OpenAPI 3.1 document of one service. */
export function generateOpenApi(
  registry: OpenAPIRegistry,
  info: { title: string; version: string; description?: string },
) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
  });
}
