import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError } from 'commander';
import type { Problem } from '../schemas/problem.ts';
import type { ServerEventName, ServerEvents, TurnEndReason } from '../schemas/protocol.ts';
import { parseGraphText } from '../schemas/guard.ts';
import { validateGraph } from '../schemas/validate.ts';
import { EventPrinter } from './cli-print.ts';
import { AppError } from './errors.ts';
import { ConfigError, LOCAL_TENANT, loadConfig, type ConfigInput } from './config.ts';

const program = new Command('switchboard')
  .description('Run and serve Switchboard multi-agent graphs')
  .showHelpAfterError();

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
const collect = (v: string, all: string[]) => [...all, v];

program
  .command('serve')
  .description('start the runner (REST, Socket.IO, OpenAI endpoint, designer)')
  .option('-p, --port <port>', 'port (env PORT, default 8787)', int('port'))
  .option('--host <host>', 'host to bind (env HOST, default 127.0.0.1)')
  .option('--data <dir>', 'data folder (env DATA_DIR, default ./data)')
  .option('--config <file>', 'JSON config file (env SWITCHBOARD_CONFIG)')
  .option('--redis <url>', 'Redis URL (env REDIS_URL)')
  .option('--database <url>', 'PostgreSQL URL, the durable store (env DATABASE_URL)')
  .option('--idle-timeout <ms>', 'idle timeout of a session in ms (env IDLE_TIMEOUT_MS)', int('idle timeout'))
  .action(
    async (o: {
      port?: number;
      host?: string;
      data?: string;
      config?: string;
      redis?: string;
      database?: string;
      idleTimeout?: number;
    }) => {
      const overrides: ConfigInput = {
        port: o.port,
        host: o.host,
        dataDir: o.data,
        redisUrl: o.redis,
        databaseUrl: o.database,
        idleTimeoutMs: o.idleTimeout,
      };
      const { startRunner } = await import('./app.ts');
      const runner = await startRunner({ configFile: o.config, overrides, handleSignals: true });
      process.stdout.write(`Switchboard runner on ${runner.url}\n`);
    },
  );

program
  .command('run')
  .description('run a graph headless, printing the event stream')
  .argument('<graph>', 'graph JSON file')
  .option('-m, --message <text>', 'user message (repeat for several turns)', collect, [])
  .option('-r, --reply <text>', "answer to a user agent's input request (repeat, used in order)", collect, [])
  .option('--json', 'print one JSON event per line')
  .option('--data <dir>', 'data folder (default: a temporary one, removed afterwards)')
  .option('--config <file>', 'JSON config file (credentials, limits)')
  .action(
    async (file: string, o: { message: string[]; reply: string[]; json?: boolean; data?: string; config?: string }) => {
      process.exitCode = await runGraph(file, o);
    },
  );

program
  .command('validate')
  .description('validate graph files; exits non-zero when any has errors')
  .argument('<files...>', 'graph JSON files')
  .option('--json', 'print one JSON result per file')
  .action((files: string[], o: { json?: boolean }) => {
    let failed = false;
    for (const file of files) {
      const result = validateGraph(readJson(file));
      failed ||= !result.ok;
      if (o.json) process.stdout.write(`${JSON.stringify({ file, ok: result.ok, problems: result.problems })}\n`);
      else {
        for (const p of result.problems) process.stdout.write(`${file}: ${formatProblem(p)}\n`);
        if (result.ok && result.graph)
          process.stdout.write(
            `ok: ${file} (${result.graph.agents.length} agents, ${result.graph.topics.length} topics)\n`,
          );
        else
          process.stdout.write(`${file}: ${result.problems.filter((p) => p.severity === 'error').length} error(s)\n`);
      }
    }
    process.exitCode = failed ? 1 : 0;
  });

program
  .command('migrate')
  .description('copy every graph, session and memory from a data folder or Redis into PostgreSQL; safe to run again')
  .requiredOption('--from <dir|url>', 'a data folder, or a redis:// URL')
  .requiredOption('--to <url>', 'PostgreSQL URL (postgres://user@host:port/database)')
  .option('--prefix <prefix>', 'key prefix of a Redis source (env REDIS_PREFIX)', process.env.REDIS_PREFIX ?? 'sb:')
  .action(async (o: { from: string; to: string; prefix: string }) => {
    const { migrateToPostgres } = await import('./store/copy/to-postgres.ts');
    const c = await migrateToPostgres({ ...o, log: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(
      `migrated ${c.tenants} tenants, ${c.graphVersions} graph versions, ${c.sessions} sessions (${c.transcriptEntries} transcript entries), ${c.memories} user memories; verified\n`,
    );
  });

function formatProblem(p: Problem): string {
  return `${p.severity} ${p.path || '/'}: ${p.message} [${p.code}]`;
}

class UsageError extends Error {}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  // The same guard as the server: size and depth limits, a located syntax error.
  const parsed = parseGraphText(text);
  if (!parsed.ok)
    throw new UsageError(`${file} cannot be read as a graph: ${parsed.problems.map(formatProblem).join('; ')}`);
  return parsed.value;
}

/** Runs each message as one turn on an in-process runner; the exit code says how turns ended. */
async function runGraph(
  file: string,
  o: { message: string[]; reply: string[]; json?: boolean; data?: string; config?: string },
): Promise<number> {
  const checked = validateGraph(readJson(file));
  if (!checked.ok || !checked.graph) {
    for (const p of checked.problems) process.stderr.write(`${formatProblem(p)}\n`);
    return 1;
  }
  if (o.message.length === 0) throw new UsageError('give at least one --message');
  const graph = checked.graph;
  const tempDir = o.data ? undefined : mkdtempSync(join(tmpdir(), 'switchboard-run-'));
  const loaded = loadConfig({
    file: o.config,
    overrides: { dataDir: o.data ?? tempDir, host: '127.0.0.1', tokens: [], logLevel: 'warn' },
  });
  // A headless run is self-contained: its own folder, never a shared Redis.
  const { createCore } = await import('./app.ts');
  const core = createCore(loaded);
  const out = (s: string) => void process.stdout.write(s);
  const printer = new EventPrinter(out, o.json === true);
  const replies = [...o.reply];
  const caller = { tenant: LOCAL_TENANT, user: 'cli' };
  const ends: TurnEndReason[] = [];
  try {
    const version = ((await core.store.listGraphVersions(LOCAL_TENANT, graph.id)).at(-1) ?? 0) + 1;
    await core.store.putGraph({
      tenant: LOCAL_TENANT,
      id: graph.id,
      version,
      graph,
      draft: false,
      updatedAt: Date.now(),
    });
    const session = await core.sessions.create(caller, { graphId: graph.id, version });
    // A graph with a start topic greets first: that turn is printed whole once it ended.
    if (session.state !== 'idle') {
      await core.sessions.settled(caller, session.id);
      for (const m of await core.sessions.transcript(caller, session.id)) printer.print('message', m);
    }
    const answer = async (request: ServerEvents['input_request']) => {
      const reply = replies.shift() ?? (process.stdin.isTTY ? await ask(request.prompt) : undefined);
      if (reply === undefined) {
        printer.print('warning', {
          sessionId: session.id,
          code: 'no_reply',
          message: `no --reply left for "${request.prompt}"; aborting the turn`,
        });
        await core.sessions.abort(caller, session.id);
      } else await core.sessions.reply(caller, session.id, request.requestId, reply);
    };
    const unsubscribe = await core.sessions.subscribe(
      caller,
      session.id,
      <E extends ServerEventName>(event: E, payload: ServerEvents[E]) => {
        printer.print(event, payload);
        if (event === 'turn_end') ends.push((payload as ServerEvents['turn_end']).reason);
        if (event === 'input_request')
          void answer(payload as ServerEvents['input_request']).catch((e) =>
            process.stderr.write(`${(e as Error).message}\n`),
          );
      },
    );
    for (const content of o.message) {
      await core.sessions.send(caller, session.id, { content });
      await core.sessions.settled(caller, session.id);
    }
    unsubscribe();
  } finally {
    await core.close();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
  return ends.some((r) => r === 'error' || r === 'aborted') ? 1 : 0;
}

async function ask(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(`${prompt}\n> `);
  } finally {
    rl.close();
  }
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof ConfigError || e instanceof UsageError) {
    process.stderr.write(`switchboard: ${e.message}\n`);
    process.exitCode = 2;
  } else if (e instanceof AppError) {
    process.stderr.write(`switchboard: ${e.code}: ${e.message}\n`);
    process.exitCode = 1;
  } else throw e;
}
