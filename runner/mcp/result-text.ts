import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** What a model reads of one tool call: text, capped, and whether the server called it an error. */
export interface ResultText {
  ok: boolean;
  text: string;
  /** Characters before the cap. */
  chars: number;
  truncated: boolean;
}

type Block = CallToolResult['content'][number];

/** Binary content cannot go to a text model, but it must not vanish: the model is told what came back. */
function describeBlock(block: Block): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType}, ${base64Bytes(block.data)} bytes, not shown]`;
    case 'resource_link':
      return `[resource link "${block.name}": ${block.uri}${block.mimeType ? ` (${block.mimeType})` : ''}]`;
    case 'resource': {
      const r = block.resource;
      if ('text' in r && typeof r.text === 'string') return `[resource ${r.uri}]\n${r.text}`;
      const size = 'blob' in r && typeof r.blob === 'string' ? `, ${base64Bytes(r.blob)} bytes` : '';
      return `[resource ${r.uri}${r.mimeType ? ` (${r.mimeType})` : ''}${size}, not shown]`;
    }
    default:
      return `[${String((block as { type?: unknown }).type)} content, not shown]`;
  }
}

const base64Bytes = (data: string): number => Math.floor((data.replace(/=+$/, '').length * 3) / 4);

/**
 * Turns a tools/call result into the text a model reads: text blocks as they are, structured
 * content as JSON (unless a text block already carries the same JSON), other content described.
 */
export function resultText(result: CallToolResult, maxChars: number): ResultText {
  const parts = (Array.isArray(result.content) ? result.content : []).map(describeBlock);
  if (result.structuredContent !== undefined) {
    const json = JSON.stringify(result.structuredContent);
    if (!parts.some((p) => p.trim() === json || safeJson(p) === json)) parts.push(json);
  }
  const full = parts.join('\n') || '(no content)';
  const ok = result.isError !== true;
  const text = ok ? full : `Error: ${full}`;
  return capText(text, maxChars, ok);
}

export function capText(text: string, maxChars: number, ok: boolean): ResultText {
  if (text.length <= maxChars) return { ok, text, chars: text.length, truncated: false };
  return {
    ok,
    text: `${text.slice(0, maxChars)}\n[truncated: ${maxChars} of ${text.length} characters]`,
    chars: text.length,
    truncated: true,
  };
}

function safeJson(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}
