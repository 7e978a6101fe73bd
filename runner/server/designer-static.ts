import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';

const HINT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard runner</title></head>
<body>
<h1>Switchboard runner is up</h1>
<p>The designer has not been built yet. Run <code>npm run build</code> and reload this page,
or use <code>npm run dev</code> for the designer with hot reload.</p>
<p>The API is under <a href="/api/health">/api</a>; see docs/api.md.</p>
</body></html>`;

/** True for paths the API owns: those never fall back to the designer's index.html. */
const API_PATH = /^\/(api|v1|metrics|socket\.io)(\/|$)/;

/**
 * Serves the built designer (SPA fallback to index.html for browser navigations), or a page
 * saying how to build it.
 */
export function designerRouter(dir: string): Router {
  const root = resolve(dir);
  const index = join(root, 'index.html');
  const router = Router();
  const built = () => existsSync(index);

  router.use((req, res, next) => {
    if (!built() || API_PATH.test(req.path)) return next();
    return staticFiles(req, res, next);
  });
  const staticFiles = express.static(root, {
    index: 'index.html',
    fallthrough: true,
    maxAge: '1h',
    setHeaders: noCacheForHtml,
  });

  router.get(/.*/, (req, res, next) => {
    if (API_PATH.test(req.path)) return next();
    if (!built() && req.path === '/') return void res.type('html').send(HINT);
    if (!wantsHtml(req)) return next();
    if (built()) res.setHeader('Cache-Control', 'no-cache').sendFile(index);
    else next();
  });
  return router;
}

/** Browser navigations ask for HTML explicitly; API clients and scripts get JSON 404s. */
function wantsHtml(req: express.Request): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

function noCacheForHtml(res: express.Response, path: string): void {
  if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}
