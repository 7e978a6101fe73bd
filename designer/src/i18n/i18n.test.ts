import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_KINDS } from '../../../schemas/kinds/index.ts';
import { configSchemas } from '../model/kinds.ts';
import type { FieldSchema } from '../model/jsonSchema.ts';
import { toFieldSchema } from '../model/jsonSchema.ts';
import { Limits } from '../../../schemas/graph.ts';
import { PROBLEM_CODES } from '../../../schemas/problem-codes.ts';
import { en } from './en.ts';
import { zh } from './zh.ts';

type Dict = { [key: string]: string | Dict };
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(dict: Dict, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(dict)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

const languages = { en: flatten(en as Dict), zh: flatten(zh as Dict) };
const has = (lang: Map<string, string>, key: string) => lang.has(key) || lang.has(`${key}_other`);
const namespaces = Object.keys(en);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) && !path.includes('/i18n/') ? [path] : [];
  });
}

/** Every string literal in the sources that looks like one of our keys ("ns.something"). */
function literalKeys(): Set<string> {
  const keys = new Set<string>();
  const pattern = new RegExp(`['"\`]((?:${namespaces.join('|')})\\.[A-Za-z_.]+)['"\`]`, 'g');
  // Any t('ns.key') call too, so a key in a namespace that exists in neither language is caught.
  const calls = /\bt\(\s*['"`]([A-Za-z_]+\.[A-Za-z_.]+)['"`]/g;
  for (const file of sourceFiles(join(import.meta.dirname, '..'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(pattern)) keys.add(match[1]!);
    for (const match of text.matchAll(calls)) keys.add(match[1]!);
  }
  return keys;
}

function fieldNames(schema: FieldSchema): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, field]) => [
    name,
    ...(field.items?.properties ? fieldNames(field.items) : []),
  ]);
}

describe('i18n', () => {
  it('has the same keys in English and Chinese (plural forms aside)', () => {
    const normalise = (lang: Map<string, string>) =>
      [...new Set([...lang.keys()].map((k) => k.replace(PLURAL, '')))].sort();
    expect(normalise(languages.zh)).toEqual(normalise(languages.en));
  });

  it('has no empty strings and keeps every {{placeholder}} in both languages', () => {
    for (const [key, text] of languages.en) {
      expect(text, key).not.toBe('');
      const base = key.replace(PLURAL, '');
      const other = languages.zh.get(key) ?? languages.zh.get(`${base}_other`)!;
      const slots = (s: string) => [...s.matchAll(/{{(\w+)}}/g)].map((m) => m[1]).sort();
      expect(slots(other), key).toEqual(slots(text));
    }
  });

  it('defines every key the sources use, in both languages', () => {
    const used = literalKeys();
    expect(used.size).toBeGreaterThan(100);
    for (const [name, lang] of Object.entries(languages)) {
      const missing = [...used].filter((k) => !has(lang, k));
      expect(missing, `missing in ${name}`).toEqual([]);
    }
  });

  it('defines the keys built at run time: kinds, config fields, refusal reasons', () => {
    const dynamic = [
      ...AGENT_KINDS.flatMap((k) => [`kinds.${k}.name`, `kinds.${k}.help`]),
      ...[...Object.values(configSchemas), toFieldSchema(Limits)].flatMap(fieldNames).map((n) => `fields.${n}`),
      ...['agent_to_agent', 'topic_to_topic', 'duplicate', 'unknown_node'].map((r) => `connect.refused.${r}`),
      ...['idle', 'running', 'paused', 'waiting_input', 'closed'].map((s) => `state.${s}`),
      ...[
        'completed',
        'terminated',
        'max_messages',
        'token_budget',
        'timeout',
        'aborted',
        'input_timeout',
        'error',
      ].map((r) => `reasons.${r}`),
      'validation.error',
      'validation.warning',
      ...Object.entries(PROBLEM_CODES).flatMap(([code, variants]) => [
        `problems.${code}`,
        ...variants.map((v) => `problems.${code}_${v}`),
      ]),
      ...['openai', 'azure', 'ollama', 'compatible', 'scripted'].map((p) => `models.provider.${p}`),
      ...['unauthorized', 'unknown_model', 'unreachable', 'timeout', 'refused', 'no_credential', 'failed'].map(
        (r) => `models.reason.${r}`,
      ),
    ];
    for (const [name, lang] of Object.entries(languages)) {
      expect(
        dynamic.filter((k) => !has(lang, k)),
        `missing in ${name}`,
      ).toEqual([]);
    }
  });
});
