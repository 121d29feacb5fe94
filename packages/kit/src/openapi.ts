import { z } from 'zod';
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

/** One endpoint's contract: the zod schemas here are its validation, its types and its OpenAPI entry. */
export interface RouteSpec<B extends AnyZod | undefined, Q extends AnyZod | undefined, P extends AnyZod | undefined> {
  method: Method;
  /** OpenAPI-style path relative to the router's prefix, e.g. `/pets/{id}`. */
  path: string;
  summary: string;
  tags?: string[];
  /** Documents the bearer token requirement (enforcement is the middleware's job). */
  auth?: boolean;
  body?: B;
  query?: Q;
  params?: P;
  /** Documents a multipart/form-data upload with a `file` field. */
  multipart?: boolean;
  responses: Record<number, { description: string; schema?: AnyZod }>;
}

/** A request whose parts have passed their zod schemas. */
export interface Valid<B, Q, P> {
  body: B;
  query: Q;
  params: P;
}

export type TypedHandler<B, Q, P> = (
  req: Request & { valid: Valid<B, Q, P> },
  res: Response,
  next: NextFunction,
) => unknown;

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

/**
 * An Express router whose routes are declared with zod schemas: requests are validated before the
 * handler runs (400 problem+json naming each bad field) and every route lands in the OpenAPI registry.
 */
export class ApiRouter {
  readonly router = express.Router();
  private readonly methodsByPath = new Map<string, Set<string>>();

  constructor(
    readonly registry: OpenAPIRegistry,
    private readonly prefix = '',
  ) {}

  route<
    B extends AnyZod | undefined = undefined,
    Q extends AnyZod | undefined = undefined,
    P extends AnyZod | undefined = undefined,
  >(spec: RouteSpec<B, Q, P>, ...handlers: [...RequestHandler[], TypedHandler<Out<B>, Out<Q>, Out<P>>]): this {
    const expressPath = spec.path.replace(/\{([^}]+)\}/g, ':$1');
    const validate: RequestHandler = (req, _res, next) => {
      const errors: FieldError[] = [];
      const body = parsePart(spec.body, req.body, 'body', errors);
      const query = parsePart(spec.query, req.query, 'query', errors);
      const params = parsePart(spec.params, req.params, 'params', errors);
      if (errors.length) return next(new ValidationError(errors));
      (req as Request & { valid: unknown }).valid = { body, query, params };
      next();
    };
    const last = handlers[handlers.length - 1] as RequestHandler;
    const before = handlers.slice(0, -1) as RequestHandler[];
    this.router[spec.method](expressPath, ...before, validate, last);
    const methods = this.methodsByPath.get(expressPath) ?? new Set<string>();
    methods.add(spec.method.toUpperCase());
    this.methodsByPath.set(expressPath, methods);
    this.document(spec);
    return this;
  }

  private document(spec: RouteSpec<AnyZod | undefined, AnyZod | undefined, AnyZod | undefined>): void {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[status] = r.schema
        ? {
            description: r.description,
            content: {
              [Number(status) >= 400 ? 'application/problem+json' : 'application/json']: { schema: r.schema },
            },
          }
        : { description: r.description };
    }
    if (spec.body || spec.query || spec.params) {
      responses['400'] ??= {
        description: 'Invalid request',
        content: { 'application/problem+json': { schema: ProblemSchema } },
      };
    }
    if (spec.auth)
      responses['401'] ??= {
        description: 'Missing or invalid token',
        content: { 'application/problem+json': { schema: ProblemSchema } },
      };
    const request: Record<string, unknown> = {};
    if (spec.params) request.params = spec.params;
    if (spec.query) request.query = spec.query;
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
      path: `${this.prefix}${spec.path}`,
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
