import { createServer } from 'vite';
import { startRunner } from './app.ts';

/**
 * `npm run dev`: the runner plus Vite's dev server with hot reload. Vite proxies /api and
 * /socket.io to the runner (vite.config.ts), so the designer talks to it as in production.
 */
const runner = await startRunner({ handleSignals: true });
process.env.PORT = String(runner.port);
const vite = await createServer({ configFile: new URL('../vite.config.ts', import.meta.url).pathname });
await vite.listen();
process.stdout.write(`runner   ${runner.url}\ndesigner ${vite.resolvedUrls?.local[0] ?? ''}\n`);
const stop = () => void vite.close();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
