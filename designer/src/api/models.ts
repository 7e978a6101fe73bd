import type { ModelDef } from '../../../schemas/models.ts';
import { request } from './http.ts';

/** What the runner offers a models form: credential names (never values) and its default model. */
export interface ModelsInfo {
  credentials: string[];
  defaultModel: ModelDef | null;
}

export type ProbeReason = 'unauthorized' | 'unknown_model' | 'unreachable' | 'timeout' | 'refused' | 'no_credential';

/** The runner's answer to "Test connection" (runner/models/probe.ts). */
export type ProbeResult =
  | { ok: true; scripted: boolean; models: string[] }
  | { ok: false; reason: ProbeReason; status?: number; message: string; models: string[] };

export const modelsApi = {
  info: () => request<ModelsInfo>('GET', '/models'),
  test: (model: ModelDef) => request<ProbeResult>('POST', '/models/test', { model }),
};
