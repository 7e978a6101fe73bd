import { Router } from 'express';
import { z } from 'zod';
import { McpServer } from '../../../schemas/mcp.ts';
import { stdioCommandProblems } from '../../../schemas/validation/mcp.ts';
import { callerOf } from '../auth.ts';
import { credentialOf, type Config } from '../../config.ts';
import { AppError, invalid } from '../../errors.ts';
import type { McpPool } from '../../mcp/pool.ts';
import { McpRefused } from '../../mcp/transports.ts';
import { methodNotAllowed } from '../http-errors.ts';

const Body = z
  .object({ server: z.unknown(), allowedHosts: z.array(z.string().min(1).max(253)).max(100).default([]) })
  .strict();

/**
 * GET /api/mcp/options: the tenant's credential names and stdio server names.
 * POST /api/mcp/tools: the live tool list of one MCP server as a graph being edited declares it,
 * so the designer can show it and let people pick tools. It goes through the same pool and
 * rules as a running graph (both allow-lists, the tenant's stdio servers and credentials).
 */
export function mcpToolsRouter(pool: McpPool, config: Config): Router {
  const router = Router();
  // What an MCP server form may pick from: names only, never credential values or commands.
  router
    .route('/options')
    .get((req, res) => {
      const { tenant } = callerOf(req);
      const own = Object.hasOwn(config.tenants, tenant) ? config.tenants[tenant] : undefined;
      res.json({
        credentials: Object.keys(own?.credentials ?? {}).sort(),
        stdioServers: Object.keys(own?.mcpServers ?? {}).sort(),
      });
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/tools')
    .post(async (req, res) => {
      const body = Body.safeParse(req.body ?? {});
      if (!body.success)
        throw invalid(
          `body: ${body.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        );
      const [command] = stdioCommandProblems({ mcpServers: [body.data.server] });
      if (command)
        throw new AppError('mcp_stdio_command', 400, command.message, {
          path: `/server${command.path.replace(/^\/mcpServers\/0/, '')}`,
        });
      const server = McpServer.safeParse(body.data.server);
      if (!server.success)
        throw invalid(
          `server: ${server.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        );
      const { tenant } = callerOf(req);
      // Every tool the server lists, not only the allowed ones: the designer is choosing them.
      const all = { ...server.data, allowedTools: [] };
      const tools = pool.forGraph(
        tenant,
        { mcpServers: [all], limits: { allowedHosts: body.data.allowedHosts } },
        (name) => credentialOf(config, tenant, name),
      );
      try {
        const listed = await tools.tools(all.id);
        res.json({
          tools: listed.specs.map((s) => ({ name: s.name, description: s.description, inputSchema: s.parameters })),
          skipped: listed.skipped,
        });
      } catch (e) {
        if (e instanceof McpRefused) throw new AppError('mcp_refused', 400, e.message, e.details);
        throw new AppError('mcp_unreachable', 502, e instanceof Error ? e.message : String(e));
      }
    })
    .all(methodNotAllowed(['POST']));
  return router;
}
