import path from 'node:path';
import { createRequire } from 'node:module';
import express, { type Router } from 'express';

const require = createRequire(import.meta.url);
const swaggerDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>PetPro API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/petpro-init.js"></script>
</body>
</html>`;

const INIT =
  `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', ` +
  `deepLinking: true, persistAuthorization: true });`;

/** Swagger UI for the merged document, from the swagger-ui-dist package (no CDN). */
export function docsRouter(): Router {
  const router = express.Router();
  router.get(['/docs', '/docs/'], (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/petpro-init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
  router.use('/docs', express.static(swaggerDir, { index: false, maxAge: '1h' }));
  return router;
}
