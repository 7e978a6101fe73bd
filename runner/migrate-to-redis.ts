import { Command } from 'commander';
import { Redis } from 'ioredis';
import { migrateLowdbToRedis } from './cluster/migrate.ts';
import { DEFAULT_REDIS_PREFIX } from './store/redis-keys.ts';

/** One-shot: `node --import tsx runner/migrate-to-redis.ts --data ./data --redis redis://host:6379`. */
const program = new Command('migrate-to-redis')
  .description('copy an embedded (lowdb) data folder into Redis for cluster mode')
  .option('--data <dir>', 'the data folder to read', './data')
  .option('--redis <url>', 'Redis URL (default: REDIS_URL)', process.env.REDIS_URL)
  .option('--prefix <prefix>', 'key prefix the runners use', process.env.REDIS_PREFIX ?? DEFAULT_REDIS_PREFIX)
  .parse();

const options = program.opts<{ data: string; redis?: string; prefix: string }>();
if (!options.redis) {
  console.error('migrate-to-redis: no Redis URL: pass --redis redis://host:port or set REDIS_URL');
  process.exit(2);
}
const redis = new Redis(options.redis, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
try {
  await redis.connect();
  const counts = await migrateLowdbToRedis(options.data, redis, options.prefix, (line) => console.log(line));
  console.log(
    `migrated ${counts.tenants} tenants, ${counts.graphVersions} graph versions, ${counts.sessions} sessions, ${counts.memories} user memories into ${options.redis} (prefix "${options.prefix}")`,
  );
  await redis.quit();
} catch (error) {
  console.error(`migrate-to-redis: ${(error as Error).message}`);
  redis.disconnect();
  process.exit(1);
}
