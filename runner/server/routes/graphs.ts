import { Router } from 'express';
import { z } from 'zod';
import type { Graph } from '../../../schemas/graph.ts';
import { Id, Text } from '../../../schemas/ids.ts';
import { AppError, conflict, invalid, notFound } from '../../errors.ts';
import type { GraphStore, StoredGraph } from '../../store/types.ts';
import { callerOf } from '../auth.ts';
import { exportGraph, graphManifest } from '../../../schemas/manifest.ts';
import { checkGraph } from '../graph-check.ts';
import { thumbnailOf } from '../graph-thumbnail.ts';
import { methodNotAllowed } from '../http-errors.ts';
import { KeyedLock } from '../../store/keyed-lock.ts';
import { graphIdParam, intQuery, stringQuery } from '../params.ts';
import type { Problem } from '../../../schemas/problem.ts';

const CreateBody = z.object({ graph: z.unknown(), draft: z.boolean().optional() }).strict();
const UpdateBody = z
  .object({ graph: z.unknown(), draft: z.boolean().optional(), baseVersion: z.number().int().min(1) })
  .strict();
const ValidateBody = z.object({ graph: z.unknown() }).strict();
const DuplicateBody = z.object({ id: Id.optional(), name: Text(200).min(1).optional() }).strict();

/** What the API returns for one graph version. */
export function graphView(stored: StoredGraph, problems: Problem[] = checkGraph(stored.graph).problems) {
  return {
    id: stored.id,
    version: stored.version,
    draft: stored.draft,
    updatedAt: stored.updatedAt,
    graph: stored.graph,
    problems,
  };
}

function summary(stored: StoredGraph) {
  const g = stored.graph as Partial<Graph>;
  return {
    id: stored.id,
    version: stored.version,
    draft: stored.draft,
    updatedAt: stored.updatedAt,
    name: typeof g.name === 'string' ? g.name : stored.id,
    description: typeof g.description === 'string' ? g.description : '',
    tags: Array.isArray(g.meta?.tags) ? g.meta.tags : [],
    agents: Array.isArray(g.agents) ? g.agents.length : 0,
    topics: Array.isArray(g.topics) ? g.topics.length : 0,
    thumbnail: thumbnailOf(g),
  };
}

/**
 * Decides how a submitted graph is saved: valid graphs as runnable versions, invalid ones only
 * when the client asks for a draft (then sessions refuse them until fixed).
 */
function prepare(
  input: unknown,
  id: string,
  wantDraft: boolean | undefined,
): { graph: Graph; draft: boolean; problems: Problem[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalid('"graph" must be a JSON object', { problems: [{ path: '/graph', message: 'must be an object' }] });
  const claimed = (input as { id?: unknown }).id;
  if (claimed !== undefined && claimed !== id)
    throw invalid(`graph.id "${String(claimed)}" does not match "${id}"`, {
      problems: [{ path: '/graph/id', message: `must be "${id}"` }],
    });
  const withId = { ...(input as object), id };
  const check = checkGraph(withId);
  if (check.graph) return { graph: check.graph, draft: wantDraft === true, problems: check.problems };
  if (wantDraft !== true) {
    throw invalid('the graph is not valid; fix the problems or save it with "draft": true', {
      problems: check.problems,
    });
  }
  return { graph: withId as Graph, draft: true, problems: check.problems };
}

/** Credential names a graph refers to, wherever a node keeps them: the names, never values. */
export function credentialNames(value: unknown, out = new Set<string>()): string[] {
  if (Array.isArray(value)) for (const v of value) credentialNames(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if ((k === 'credential' || k === 'credentials') && typeof v === 'string') out.add(v);
      else credentialNames(v, out);
    }
  }
  return [...out].sort();
}

export function graphsRouter(store: GraphStore): Router {
  const router = Router();
  const lock = new KeyedLock();

  async function latest(tenant: string, id: string): Promise<StoredGraph> {
    const stored = await store.getGraph(tenant, id);
    if (!stored) throw notFound('graph', id);
    return stored;
  }

  router
    .route('/')
    .get(async (req, res) => {
      const { tenant } = callerOf(req);
      const q = stringQuery('q', req.query.q)?.toLowerCase().trim();
      const newest = new Map<string, StoredGraph>();
      for (const g of await store.listGraphs(tenant)) {
        const seen = newest.get(g.id);
        if (!seen || seen.version < g.version) newest.set(g.id, g);
      }
      let graphs = [...newest.values()].map(summary);
      if (q)
        graphs = graphs.filter((g) =>
          [g.id, g.name, g.description, ...g.tags].some((s) => s.toLowerCase().includes(q)),
        );
      graphs.sort((a, b) => b.updatedAt - a.updatedAt || a.id.localeCompare(b.id));
      res.json({ graphs });
    })
    .post(async (req, res) => {
      const { tenant } = callerOf(req);
      const body = CreateBody.parse(req.body);
      const rawId = (body.graph as { id?: unknown } | null)?.id;
      const id = Id.safeParse(rawId);
      if (!id.success)
        throw invalid('graph.id is missing or malformed', {
          problems: [{ path: '/graph/id', message: id.error.issues[0].message }],
        });
      const view = await lock.run(`${tenant}/${id.data}`, async () => {
        if (await store.getGraph(tenant, id.data))
          throw conflict(`graph "${id.data}" already exists; update it with PUT`, { id: id.data });
        const { graph, draft, problems } = prepare(body.graph, id.data, body.draft);
        const stored: StoredGraph = { tenant, id: id.data, version: 1, graph, draft, updatedAt: Date.now() };
        await store.putGraph(stored);
        return graphView(stored, problems);
      });
      res.status(201).location(`/api/graphs/${id.data}`).json(view);
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/validate')
    .post((req, res) => {
      const { graph } = ValidateBody.parse(req.body);
      const check = checkGraph(graph);
      res.json({ ok: check.graph !== undefined, problems: check.problems });
    })
    .all(methodNotAllowed(['POST']));

  router
    .route('/:id')
    .get(async (req, res) => {
      const { tenant } = callerOf(req);
      const id = graphIdParam(req.params.id);
      const version = intQuery('version', req.query.version);
      const stored = await store.getGraph(tenant, id, version);
      if (!stored) throw notFound(version ? `graph version ${version} of` : 'graph', id);
      res.json(graphView(stored));
    })
    .put(async (req, res) => {
      const { tenant } = callerOf(req);
      const id = graphIdParam(req.params.id);
      const body = UpdateBody.parse(req.body);
      const view = await lock.run(`${tenant}/${id}`, async () => {
        const current = await latest(tenant, id);
        if (current.version !== body.baseVersion) {
          throw conflict(`graph "${id}" is at version ${current.version}, not ${body.baseVersion}: reload and merge`, {
            currentVersion: current.version,
            baseVersion: body.baseVersion,
            updatedAt: current.updatedAt,
          });
        }
        const { graph, draft, problems } = prepare(body.graph, id, body.draft);
        const stored: StoredGraph = { tenant, id, version: current.version + 1, graph, draft, updatedAt: Date.now() };
        await store.putGraph(stored);
        return graphView(stored, problems);
      });
      res.json(view);
    })
    .delete(async (req, res) => {
      const { tenant } = callerOf(req);
      const id = graphIdParam(req.params.id);
      await lock.run(`${tenant}/${id}`, async () => {
        await latest(tenant, id);
        await store.deleteGraph(tenant, id);
      });
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'PUT', 'DELETE']));

  router
    .route('/:id/versions')
    .get(async (req, res) => {
      const { tenant } = callerOf(req);
      const id = graphIdParam(req.params.id);
      await latest(tenant, id);
      res.json({ id, versions: await store.listGraphVersions(tenant, id) });
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/:id/export')
    .get(async (req, res) => {
      const { tenant } = callerOf(req);
      const id = graphIdParam(req.params.id);
      const version = intQuery('version', req.query.version);
      const stored = await store.getGraph(tenant, id, version);
      if (!stored) throw notFound('graph', id);
      // A runnable graph travels with its manifest (what it needs elsewhere); a draft with the
      // credential names found in it, since its structure cannot be trusted.
      const runnable = checkGraph(stored.graph).graph;
      const needs = runnable ? graphManifest(runnable) : { credentials: credentialNames(stored.graph) };
      res.setHeader('Content-Disposition', `attachment; filename="${id}.json"`);
      res.json({
        graph: runnable ? exportGraph(runnable) : stored.graph,
        manifest: {
          format: 'switchboard/export',
          exportedAt: new Date().toISOString(),
          graphId: id,
          version: stored.version,
          draft: stored.draft,
          ...needs,
        },
      });
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/:id/duplicate')
    .post(async (req, res) => {
      const { tenant } = callerOf(req);
      const id = graphIdParam(req.params.id);
      const body = DuplicateBody.parse(req.body ?? {});
      const source = await latest(tenant, id);
      const newId = body.id ?? (await freeId(store, tenant, id));
      const view = await lock.run(`${tenant}/${newId}`, async () => {
        if (await store.getGraph(tenant, newId)) throw conflict(`graph "${newId}" already exists`, { id: newId });
        const name = body.name ?? `${(source.graph as Partial<Graph>).name ?? id} (copy)`.slice(0, 200);
        const graph = { ...source.graph, id: newId, name } as Graph;
        const stored: StoredGraph = {
          tenant,
          id: newId,
          version: 1,
          graph,
          draft: source.draft,
          updatedAt: Date.now(),
        };
        await store.putGraph(stored);
        return graphView(stored);
      });
      res.status(201).location(`/api/graphs/${newId}`).json(view);
    })
    .all(methodNotAllowed(['POST']));

  return router;
}

async function freeId(store: GraphStore, tenant: string, id: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const suffix = n === 1 ? '-copy' : `-copy-${n}`;
    const candidate = id.slice(0, 64 - suffix.length) + suffix;
    if (!(await store.getGraph(tenant, candidate))) return candidate;
  }
  throw new AppError('conflict', 409, `no free id for a copy of "${id}"; pass one as "id"`);
}
