import { Router } from 'express';
import { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Server } from 'socket.io';
import { RedisStore } from '../store/redis-store.ts';
import type { Stores } from '../store/types.ts';
import { createBatchedAdapter } from './batched-adapter.ts';
import { ClusterNode, type ClusterOptions } from './cluster-node.ts';
import { ClusterSessions, type ClusterStore, type LocalSessions, type RoomEmitter } from './cluster-sessions.ts';
import type { LoopLoad } from './loop-load.ts';
import { fencedSessions } from './fenced-sessions.ts';
import { RoundTrips } from './round-trips.ts';

/** What the runner gets back when it joins a cluster. */
export interface ClusterMember {
  node: ClusterNode;
  /** The store without fencing, for graphs and for reads: Redis, or the durable one. */
  store: ClusterStore;
  sessions: ClusterSessions;
  /** Requests to Redis for sessions (store, leases, inboxes, placement) and for Socket.IO (the adapter). */
  roundTrips: { sessions: RoundTrips; socketio: RoundTrips };
  /** Socket.IO options: the Redis Streams adapter, batched (events and connection-state recovery across processes). */
  socketAdapter(): ReturnType<typeof createBatchedAdapter>;
  /** Once Socket.IO is up: the owner of a session emits its events to the session's room. */
  emitWith(emit: RoomEmitter): void;
  /** Per-process cluster figures on the runner's /metrics. */
  registerMetrics(registry: Registry): void;
  /** GET /api/cluster: the processes and their load (mount behind the caller check). */
  router(): Router;
  /** The URL this process serves on, shown to the others. */
  advertise(url: string): void;
}

/**
 * A store that outlives Redis (Postgres): it keeps every session, graph and memory, and issues
 * the fencing tokens, so Redis holds only what can be lost and rebuilt.
 */
export interface DurableStore {
  store: ClusterStore;
  /** A fencing token for a new owner of the session, above every one issued before. */
  issueFence(sessionId: string): Promise<number>;
}

/**
 * Connects this runner to Redis as a cluster member: the store (Redis, or `durable`; every
 * session write fenced by this process's lease), the session manager built by `makeSessions` on
 * it, and the cluster layer that routes each session to its owner. Fails at once when Redis is
 * unreachable.
 */
export async function joinCluster(
  options: ClusterOptions & {
    makeSessions: (stores: Stores) => LocalSessions;
    loopLoad?: LoopLoad;
    durable?: DurableStore;
  },
): Promise<ClusterMember> {
  const roundTrips = { sessions: new RoundTrips(), socketio: new RoundTrips() };
  const { durable } = options;
  const node = await ClusterNode.connect({
    ...options,
    issueFence: durable && ((id) => durable.issueFence(id)),
    watch: (client) => roundTrips.sessions.watch(client),
  });
  const store = durable?.store ?? new RedisStore({ redis: node.redis, prefix: node.keys.prefix });
  let staleWrites = 0;
  const sessionStore = fencedSessions(
    store,
    (id) => node.leases.token(id),
    () => (staleWrites += 1),
  );
  const local = options.makeSessions({ graphs: store, sessions: sessionStore, memory: store });
  const sessions = new ClusterSessions(local, store, node, options.loopLoad);
  await sessions.start();
  const prefix = node.keys.prefix;

  return {
    node,
    store,
    sessions,
    roundTrips,
    socketAdapter: () =>
      // A client of its own, so the adapter's traffic is counted apart from the sessions'.
      createBatchedAdapter(
        node.adopt(
          roundTrips.socketio.watch(
            new Redis(options.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 3 }),
          ),
        ),
        {
          streamName: `${prefix}socket.io`,
          channelPrefix: `${prefix}socket.io`,
          sessionKeyPrefix: `${prefix}sio:session:`,
          onlyPlaintext: true,
          reach: { unshared: (room) => sessions.isUnsharedRoom(room), joined: (rooms) => sessions.joined(rooms) },
        },
      ),
    emitWith(emit) {
      sessions.emitToRoom = emit;
    },
    registerMetrics(registry) {
      const registers = [registry];
      const labels = { process: node.id };
      new Gauge({
        name: 'switchboard_cluster_owned_sessions',
        help: 'Sessions whose lease this process holds',
        labelNames: ['process'],
        registers,
        collect() {
          this.set(labels, node.leases.sessions().length);
        },
      });
      new Gauge({
        name: 'switchboard_cluster_redis_round_trips',
        help: 'Requests to Redis made by this process since it started (a script or a transaction counts one), for sessions or for Socket.IO',
        labelNames: ['process', 'for'],
        registers,
        collect() {
          this.set({ ...labels, for: 'sessions' }, roundTrips.sessions.total);
          this.set({ ...labels, for: 'socketio' }, roundTrips.socketio.total);
        },
      });
      new Counter({
        name: 'switchboard_cluster_stale_writes_total',
        help: 'Session writes of this process the fencing token turned away (it had lost the lease)',
        labelNames: ['process'],
        registers,
        collect() {
          this.reset();
          this.inc(labels, staleWrites);
        },
      });
      new Gauge({
        name: 'switchboard_cluster_processes',
        help: 'Live runner processes in the cluster, as last published',
        registers,
        async collect() {
          this.set((await node.placement.list()).length);
        },
      });
    },
    advertise(url) {
      node.placement.url = url;
    },
    router() {
      const router = Router();
      router.get('/', async (_req, res, next) => {
        try {
          res.json({ self: node.id, processes: await node.placement.list() });
        } catch (error) {
          next(error);
        }
      });
      return router;
    },
  };
}
