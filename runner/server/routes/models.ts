import { Router } from 'express';
import { z } from 'zod';
import { ModelDef } from '../../../schemas/models.ts';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { probeModel } from '../../models/probe.ts';
import { apiKeyFor } from '../../models/registry.ts';
import { callerOf } from '../auth.ts';
import { methodNotAllowed } from '../http-errors.ts';

const TestBody = z.object({ model: ModelDef }).strict();

/**
 * What a models form needs from the runner: the tenant's credential names (never values), the
 * configured default model, and a test call with a model definition.
 */
export function modelsRouter(config: Config, fallbackApiKey: string | undefined): Router {
  const router = Router();
  const credentialsOf = (tenant: string) => config.tenants[tenant]?.credentials ?? {};

  router
    .route('/')
    .get((req, res) => {
      const { tenant } = callerOf(req);
      res.json({ credentials: Object.keys(credentialsOf(tenant)).sort(), defaultModel: config.defaultModel ?? null });
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/test')
    .post(async (req, res) => {
      const { tenant } = callerOf(req);
      const { model } = TestBody.parse(req.body);
      let apiKey = '';
      if (model.provider === 'openai') {
        const values = credentialsOf(tenant);
        try {
          apiKey = apiKeyFor(
            tenant,
            model,
            (name) => (Object.hasOwn(values, name) ? values[name] : undefined),
            fallbackApiKey,
          );
        } catch (e) {
          res.json({ ok: false, reason: 'no_credential', message: (e as AppError).message, models: [] });
          return;
        }
      }
      res.json(await probeModel(model, apiKey));
    })
    .all(methodNotAllowed(['POST']));

  return router;
}
