import { z } from 'zod';

/**
 * Ids of graphs, nodes and edges. Deliberately narrow: no dots, slashes or spaces, so an id can
 * be used as a file name or a Redis key without escaping and can never walk out of a folder.
 */
export const Id = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may only contain letters, digits, "_" and "-"');

/** AutoGen's AgentId type rule: `^[\w\-\.]+$` (no ":"). */
export const AgentTypeName = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[\w\-.]+$/, 'may only contain letters, digits, "_", "-" and "."');

/** AutoGen's TopicId type rule: `^[\w\-\.\:\=]+$`. */
export const TopicTypeName = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[\w\-.:=]+$/, 'may only contain letters, digits, "_", "-", ".", ":" and "="');

/** Names of credentials in the runner's config; the graph holds the name, never the value. */
export const CredentialName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'may only contain letters, digits, "_", "-" and "."');

/** Free text shown to people: bounded, no control characters except tab and newline. */
export const Text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'must not contain control characters');
