import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from 'express';
import { Id } from '../../../schemas/ids.ts';
import { invalid, notFound } from '../../errors.ts';
import { methodNotAllowed } from '../http-errors.ts';

/** The example graphs shipped in examples/: read from disk on each call (they are few and small). */
export function examplesRouter(dir: string): Router {
  const router = Router();

  async function read(name: string): Promise<Record<string, unknown>> {
    try {
      return JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound('example', name);
      throw e;
    }
  }

  router
    .route('/')
    .get(async (_req, res) => {
      const files = await readdir(dir).catch(() => [] as string[]);
      const names = files
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5))
        .filter((n) => Id.safeParse(n).success)
        .sort();
      const examples = await Promise.all(
        names.map(async (name) => {
          const g = await read(name);
          const count = (k: string) => (Array.isArray(g[k]) ? (g[k] as unknown[]).length : 0);
          return {
            name,
            title: typeof g.name === 'string' ? g.name : name,
            description: typeof g.description === 'string' ? g.description : '',
            agents: count('agents'),
            topics: count('topics'),
          };
        }),
      );
      res.json({ examples });
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/:name')
    .get(async (req, res) => {
      const name = Id.safeParse(req.params.name);
      if (!name.success) throw invalid('malformed example name', { field: 'name' });
      res.json({ name: name.data, graph: await read(name.data) });
    })
    .all(methodNotAllowed(['GET']));

  return router;
}
