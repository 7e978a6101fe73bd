import { z } from 'zod';
import { ToolFailure, type BuiltinTool } from './types.ts';

export const currentTime: BuiltinTool<z.ZodObject<{ timezone: z.ZodOptional<z.ZodString> }>> = {
  name: 'current_time',
  description: 'Returns the current date and time, in UTC or in an IANA time zone such as "Europe/Paris".',
  args: z.object({ timezone: z.string().min(1).max(64).optional().describe('IANA time zone; UTC when absent') }),
  fromText: (_content, argument) => (argument ? { timezone: argument } : {}),
  run: ({ timezone }) => {
    const now = new Date();
    if (!timezone) return now.toISOString();
    let local: string;
    try {
      // sv-SE formats as "2026-01-31 13:45:00": readable and unambiguous.
      local = now.toLocaleString('sv-SE', { timeZone: timezone });
    } catch {
      throw new ToolFailure(`unknown time zone "${timezone}" (use an IANA name such as "Europe/Paris")`);
    }
    return `${local} ${timezone} (${now.toISOString()})`;
  },
};
