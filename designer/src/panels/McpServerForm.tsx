import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { McpServer } from '../../../schemas/mcp.ts';
import type { McpOptions } from '../api/mcp.ts';
import { McpToolPicker } from './McpToolPicker.tsx';
import { Row } from './fields.tsx';

/** An `mcpServers` entry as typed so far: it reaches the graph only once it parses. */
export type McpServerDraft = Record<string, unknown>;

type Props = {
  value: McpServerDraft;
  /** Ids the other servers use. */
  taken: readonly string[];
  options: McpOptions;
  allowedHosts: readonly string[];
  onCommit: (server: McpServer) => void;
  onRemove: () => void;
  onAllowHost: (host: string) => void;
};

/** The draft as a server, or what is wrong with it ("url: must be an http or https URL"). */
function check(draft: McpServerDraft, taken: readonly string[]): McpServer | string {
  const parsed = McpServer.safeParse(draft);
  if (!parsed.success)
    return parsed.error.issues.map((i) => `${i.path.join('.') || 'server'}: ${i.message}`).join('; ');
  if (taken.includes(parsed.data.id)) return `id: "${parsed.data.id}" is already used by another server`;
  return parsed.data;
}

/**
 * One MCP server: id, transport (an HTTP URL with a credential picked by name, or a stdio server
 * the runner config defines, picked by name), and its allowed tools from the live list.
 */
export function McpServerForm({ value, taken, options, allowedHosts, onCommit, onRemove, onAllowHost }: Props) {
  const { t } = useTranslation();
  const shown = JSON.stringify(value);
  const [draft, setDraft] = useState<McpServerDraft>(value);
  const [error, setError] = useState<string>();
  useEffect(() => {
    setDraft(JSON.parse(shown) as McpServerDraft);
    setError(undefined);
  }, [shown]);

  const id = typeof draft.id === 'string' ? draft.id : '';
  const test = (name: string) => `mcp-${name}-${typeof value.id === 'string' ? value.id : 'new'}`;
  const text = (name: string) => (typeof draft[name] === 'string' ? (draft[name] as string) : '');
  const commit = (next: McpServerDraft) => {
    setDraft(next);
    const checked = check(next, taken);
    if (typeof checked === 'string') return setError(checked);
    setError(undefined);
    if (JSON.stringify(checked) !== shown) onCommit(checked);
  };
  const edit = (name: string) => ({
    value: text(name),
    'data-testid': test(name),
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value }),
    onBlur: () => commit(draft),
    onKeyDown: (e: { key: string }) => e.key === 'Enter' && commit(draft),
  });
  const switchTo = (transport: string) =>
    commit(
      transport === 'http'
        ? { id, transport, url: '', allowedTools: [] }
        : { id, transport, server: options.stdioServers[0] ?? '', allowedTools: [] },
    );
  /** A value the runner no longer offers stays visible, marked, rather than silently replaced. */
  const choices = (offered: readonly string[], current: string) =>
    current && !offered.includes(current) ? [...offered, current] : offered;
  const saved = typeof check(value, taken) === 'string' ? undefined : (value as McpServer);

  return (
    <div className="list-item mcp-server" data-testid={test('server')}>
      <Row label={t('mcp.id')}>{(fieldId) => <input id={fieldId} type="text" {...edit('id')} />}</Row>
      <Row label={t('mcp.transport')}>
        {(fieldId) => (
          <select
            id={fieldId}
            data-testid={test('transport')}
            value={text('transport')}
            onChange={(e) => switchTo(e.target.value)}
          >
            <option value="http">{t('mcp.http')}</option>
            <option value="stdio">{t('mcp.stdio')}</option>
          </select>
        )}
      </Row>
      {draft.transport === 'http' ? (
        <>
          <Row label={t('mcp.url')} hint={t('mcp.urlHint')}>
            {(fieldId) => <input id={fieldId} type="url" placeholder="https://mcp.example.com/mcp" {...edit('url')} />}
          </Row>
          <Row label={t('mcp.credential')} hint={t('mcp.credentialHint')}>
            {(fieldId) => (
              <select
                id={fieldId}
                data-testid={test('credential')}
                value={text('credential')}
                onChange={(e) => commit({ ...draft, credential: e.target.value || undefined })}
              >
                <option value="">{t('inspector.none')}</option>
                {choices(options.credentials, text('credential')).map((name) => (
                  <option key={name} value={name}>
                    {options.credentials.includes(name) ? name : t('mcp.notInRunner', { name })}
                  </option>
                ))}
              </select>
            )}
          </Row>
          {text('credential') && (
            <Row label={t('mcp.header')}>
              {(fieldId) => <input id={fieldId} type="text" placeholder="Authorization" {...edit('header')} />}
            </Row>
          )}
        </>
      ) : (
        <Row label={t('mcp.stdioServer')} hint={options.stdioServers.length ? t('mcp.stdioHint') : t('mcp.noStdio')}>
          {(fieldId) => (
            <select
              id={fieldId}
              data-testid={test('stdio')}
              value={text('server')}
              onChange={(e) => commit({ ...draft, server: e.target.value })}
            >
              {!text('server') && <option value="">{t('inspector.choose')}</option>}
              {choices(options.stdioServers, text('server')).map((name) => (
                <option key={name} value={name}>
                  {options.stdioServers.includes(name) ? name : t('mcp.notInRunner', { name })}
                </option>
              ))}
            </select>
          )}
        </Row>
      )}
      {error && (
        <small className="field-error" role="alert" data-testid={test('error')}>
          {error}
        </small>
      )}
      {saved && (
        <McpToolPicker
          key={saved.id}
          server={saved}
          allowedHosts={allowedHosts}
          onChange={(allowedTools) => onCommit({ ...saved, allowedTools })}
          onAllowHost={onAllowHost}
        />
      )}
      <button type="button" className="ghost small" onClick={onRemove} data-testid={test('remove')}>
        {t('mcp.remove')}
      </button>
    </div>
  );
}
