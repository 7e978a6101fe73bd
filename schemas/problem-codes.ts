/**
 * Every code a graph problem can carry (see schemas/README.md), with the wordings (`variant`
 * param) a code may take. Clients keep one text per entry, in each language they speak.
 */
export const PROBLEM_CODES = {
  // The guard and the parser.
  not_text: [],
  too_large: ['chars', 'values'],
  too_deep: [],
  invalid_json: [],
  forbidden_key: [],
  not_json: ['number'],
  circular: [],
  // Versions.
  future_version: [],
  invalid_version: [],
  migration_failed: [],
  migrated: [],
  // The schema (zod issues in plain words).
  required: ['version'],
  invalid_type: ['document'],
  invalid_key: [],
  invalid_value: [],
  invalid_union: [],
  too_big: ['detail', 'string', 'array'],
  too_small: ['detail', 'string', 'array', 'empty'],
  invalid_format: ['detail'],
  not_multiple_of: [],
  invalid_element: [],
  custom: [],
  unknown_field: ['dropped', 'secret'],
  // How the graph fits together.
  reserved_id: ['agent', 'topic'],
  duplicate_id: [],
  duplicate_agent_type: [],
  duplicate_topic_type: [],
  duplicate_edge: ['subscription', 'publication'],
  unknown_topic: ['kind'],
  unknown_agent: ['kind'],
  unknown_model: ['kind'],
  entry_unsubscribed: [],
  unreachable: [],
  route_not_published: [],
  router_needs_model: [],
  invalid_regex: [],
  no_subscriber: [],
  no_publication: [],
  output_unpublished: [],
  router_no_routes: [],
  terminator_no_condition: [],
  tool_not_enabled: ['mcp'],
  start_unsubscribed: [],
  // MCP servers as tools.
  mcp_stdio_command: [],
  duplicate_mcp_server: [],
  mcp_tool_collision: [],
  unknown_mcp_server: [],
  tool_agent_tool: [],
  mcp_tool_not_allowed: [],
  no_allowed_hosts: [],
  layout_unknown_node: [],
  stale_manifest: [],
  internal_error: [],
} as const satisfies Record<string, readonly string[]>;

export type ProblemCode = keyof typeof PROBLEM_CODES;
