import { useCallback, useEffect, useState } from 'react';
import type { McpServer } from '../../../schemas/mcp.ts';
import { ApiFailure } from '../api/http.ts';
import { listMcpTools, mcpOptions, type McpOptions, type McpToolInfo } from '../api/mcp.ts';

export type ToolsLoad =
  | { state: 'idle' }
  | { state: 'loading' }
  /** `graphHost`: the host the graph's own allow-list lacks, which a form can offer to add. */
  | { state: 'failed'; message: string; graphHost?: string }
  | { state: 'loaded'; tools: McpToolInfo[] };

function failed(e: Error): ToolsLoad {
  const details =
    e instanceof ApiFailure ? (e.error.details as { host?: unknown; allowList?: unknown } | undefined) : undefined;
  return {
    state: 'failed',
    message: e.message,
    graphHost: details?.allowList === 'graph' && typeof details.host === 'string' ? details.host : undefined,
  };
}

/**
 * One server's live tool list through the runner. `auto` fetches it at once and again when the
 * server's address changes; otherwise `load()` does. An answer for an older address is dropped.
 */
export function useMcpTools(
  server: McpServer | undefined,
  allowedHosts: readonly string[],
  auto: boolean,
): { load: ToolsLoad; fetch: () => void } {
  const [load, setLoad] = useState<ToolsLoad>({ state: 'idle' });
  // The list depends on where the server is, not on which of its tools the graph allows.
  const where = server ? JSON.stringify({ ...server, allowedTools: [] }) : '';
  const hosts = allowedHosts.join(',');
  const fetchTools = useCallback(() => {
    if (!where) return;
    setLoad({ state: 'loading' });
    let current = true;
    listMcpTools(JSON.parse(where) as McpServer, hosts ? hosts.split(',') : []).then(
      (list) => current && setLoad({ state: 'loaded', tools: list.tools }),
      (e: Error) => current && setLoad(failed(e)),
    );
    return () => void (current = false);
  }, [where, hosts]);
  useEffect(() => {
    setLoad({ state: 'idle' });
    return auto ? fetchTools() : undefined;
  }, [auto, fetchTools]);
  return { load, fetch: fetchTools };
}

/** The tenant's credential and stdio server names; empty lists until (or unless) the runner answers. */
export function useMcpOptions(): McpOptions & { error?: string } {
  const [options, setOptions] = useState<McpOptions & { error?: string }>({ credentials: [], stdioServers: [] });
  useEffect(() => {
    let current = true;
    mcpOptions().then(
      (o) => current && setOptions(o),
      (e: Error) => current && setOptions({ credentials: [], stdioServers: [], error: e.message }),
    );
    return () => void (current = false);
  }, []);
  return options;
}
