import { useTranslation } from 'react-i18next';
import type { Graph } from '../../../schemas/graph.ts';
import type { FieldSchema } from '../model/jsonSchema.ts';
import { referenceFields } from '../model/kinds.ts';
import { NumberInput, Row, TextInput } from './fields.tsx';

type Value = Record<string, unknown>;
type Props = { schema: FieldSchema; value: Value; onChange: (next: Value) => void; graph: Graph; testPrefix: string };

/** Long free text gets a text area. */
const MULTILINE_FROM = 1000;

/**
 * A form generated from a JSON Schema (itself generated from the kind's zod schema), so every
 * agent kind gets its inspector without a hand-written form. Fields naming a model or topic
 * become pickers over the graph's models and topics.
 */
export function SchemaForm({ schema, value, onChange, graph, testPrefix }: Props) {
  const required = new Set(schema.required ?? []);
  return (
    <div className="schema-form">
      {Object.entries(schema.properties ?? {}).map(([name, field]) => (
        <SchemaField
          key={name}
          name={name}
          field={field}
          optional={!required.has(name) && field.default === undefined}
          value={value[name] ?? field.default}
          graph={graph}
          testId={`${testPrefix}-${name}`}
          onChange={(next) => {
            const copy = { ...value };
            if (next === undefined) delete copy[name];
            else copy[name] = next;
            onChange(copy);
          }}
        />
      ))}
    </div>
  );
}

function SchemaField({
  name,
  field,
  value,
  optional,
  onChange,
  graph,
  testId,
}: {
  name: string;
  field: FieldSchema;
  value: unknown;
  optional: boolean;
  onChange: (next: unknown) => void;
  graph: Graph;
  testId: string;
}) {
  const { t } = useTranslation();
  const label = t(`fields.${name}`);
  const reference = referenceFields[name];
  // Hand-written in McpAgentFields: they pick from the graph's servers and their live tools.
  if (name === 'mcp' || name === 'mcpServers') return null;

  if (reference) {
    const options =
      reference === 'model'
        ? graph.models.map((m) => ({ id: m.id, text: m.label ?? m.id }))
        : graph.topics.map((tp) => ({ id: tp.id, text: tp.label ?? tp.type }));
    return (
      <Row label={label}>
        {(id) => (
          <select
            id={id}
            data-testid={testId}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => onChange(e.target.value || undefined)}
          >
            {(optional || !options.some((o) => o.id === value)) && <option value="">{t('inspector.none')}</option>}
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.text}
              </option>
            ))}
          </select>
        )}
      </Row>
    );
  }

  if (field.enum) {
    return (
      <Row label={label}>
        {(id) => (
          <select
            id={id}
            data-testid={testId}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => onChange(e.target.value || undefined)}
          >
            {optional && <option value="">{t('inspector.none')}</option>}
            {field.enum!.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        )}
      </Row>
    );
  }

  switch (field.type) {
    case 'boolean':
      return (
        <div className="field field-check">
          <label>
            <input
              type="checkbox"
              data-testid={testId}
              checked={value === true}
              onChange={(e) => onChange(e.target.checked)}
            />{' '}
            {label}
          </label>
        </div>
      );
    case 'integer':
    case 'number':
      return (
        <Row label={label} hint={rangeHint(field)}>
          {(id) => (
            <NumberInput
              id={id}
              testId={testId}
              value={typeof value === 'number' ? value : undefined}
              min={field.minimum}
              max={field.maximum}
              optional={optional}
              onCommit={onChange}
            />
          )}
        </Row>
      );
    case 'string':
      return (
        <Row label={label}>
          {(id) => (
            <TextInput
              id={id}
              testId={testId}
              value={typeof value === 'string' ? value : ''}
              multiline={(field.maxLength ?? 0) >= MULTILINE_FROM}
              onCommit={(text) => onChange(text === '' && optional ? undefined : text)}
            />
          )}
        </Row>
      );
    case 'array':
      return (
        <ArrayField
          name={name}
          label={label}
          field={field}
          value={Array.isArray(value) ? value : []}
          onChange={onChange}
          graph={graph}
          testId={testId}
        />
      );
    default:
      return null;
  }
}

function ArrayField({
  name,
  label,
  field,
  value,
  onChange,
  graph,
  testId,
}: {
  name: string;
  label: string;
  field: FieldSchema;
  value: unknown[];
  onChange: (next: unknown[]) => void;
  graph: Graph;
  testId: string;
}) {
  const { t } = useTranslation();
  const items = field.items ?? {};
  if (items.enum) {
    return (
      <fieldset className="field checks" data-testid={testId}>
        <legend>{label}</legend>
        {items.enum.map((option) => (
          <label key={option}>
            <input
              type="checkbox"
              checked={value.includes(option)}
              onChange={(e) => onChange(e.target.checked ? [...value, option] : value.filter((v) => v !== option))}
            />{' '}
            {option}
          </label>
        ))}
      </fieldset>
    );
  }
  if (items.type === 'object') {
    return (
      <fieldset className="field list" data-testid={testId}>
        <legend>{label}</legend>
        {value.map((item, index) => (
          <div className="list-item" key={index}>
            <SchemaForm
              schema={items}
              value={(item ?? {}) as Value}
              graph={graph}
              testPrefix={`${testId}-${index}`}
              onChange={(next) => onChange(value.map((v, i) => (i === index ? next : v)))}
            />
            <button
              type="button"
              className="ghost small"
              aria-label={t('inspector.removeItem', { name: label, index: index + 1 })}
              onClick={() => onChange(value.filter((_, i) => i !== index))}
            >
              {t('inspector.remove')}
            </button>
          </div>
        ))}
        <button
          type="button"
          className="small"
          data-testid={`${testId}-add`}
          onClick={() => onChange([...value, seedItem(items, graph)])}
        >
          + {t('inspector.addItem', { name: t(`fields.${name}`) })}
        </button>
      </fieldset>
    );
  }
  return (
    <Row label={label} hint={t('inspector.onePerLine')}>
      {(id) => (
        <TextInput
          id={id}
          testId={testId}
          multiline
          value={value.map(String).join('\n')}
          onCommit={(text) =>
            onChange(
              text
                .split('\n')
                .map((s) => s.trim())
                .filter(Boolean),
            )
          }
        />
      )}
    </Row>
  );
}

/** A new list entry: schema defaults, first enum choice, first topic or model for references. */
function seedItem(schema: FieldSchema, graph: Graph): Value {
  const item: Value = {};
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const reference = referenceFields[name];
    if (field.default !== undefined) item[name] = field.default;
    else if (reference === 'topic') item[name] = graph.topics[0]?.id ?? '';
    else if (reference === 'model') item[name] = graph.models[0]?.id ?? '';
    else if (field.enum) item[name] = field.enum[0];
    else if (schema.required?.includes(name) && field.type === 'string') item[name] = '';
  }
  return item;
}

function rangeHint(field: FieldSchema): string | undefined {
  if (field.minimum === undefined && field.maximum === undefined) return undefined;
  return `${field.minimum ?? '…'} – ${field.maximum ?? '…'}`;
}
