import { alternating } from './rates.ts';
import { spawnRole } from './served.ts';
import { bareClients, turnClients } from './socket-clients.ts';

/**
 * End-to-end turns over Socket.IO (send → reply) at 100 and 1000 sessions, against a bare
 * Socket.IO round trip and against the protocol's floor (a turn's frames with no work behind
 * them), measured in alternating rounds so machine load hits every set alike.
 */
export async function socketTurns(log: (s: string) => void): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  const bare = await spawnRole('bare');
  const floor = await spawnRole('floor');
  const server = await spawnRole('runner');
  try {
    const bare100 = await bareClients(bare, 100);
    const floor100 = await turnClients(floor, 100);
    const turns100 = await turnClients(server, 100);
    const [bareRate, floorRate, at100] = await alternating(
      [
        { name: 'bare Socket.IO emit+ack, 100 clients', server: bare, clients: bare100 },
        { name: "a turn's frames with no work behind them, 100 sessions", server: floor, clients: floor100 },
        { name: 'runner turns (send → reply), 100 sessions', server, clients: turns100 },
      ],
      3,
      log,
    );
    bare100.close();
    floor100.close();
    const turns1000 = await turnClients(server, 1000);
    const [again100, at1000] = await alternating(
      [
        { name: 'runner turns (send → reply), 100 sessions', server, clients: turns100 },
        { name: 'runner turns (send → reply), 1000 sessions', server, clients: turns1000 },
      ],
      3,
      log,
    );
    turns100.close();
    turns1000.close();
    figures.e2e_ratio_vs_bare_socketio_100 = at100.perSecond / bareRate.perSecond;
    figures.protocol_floor_ratio_100 = floorRate.perSecond / bareRate.perSecond;
    figures.e2e_ratio_vs_floor_100 = at100.perSecond / floorRate.perSecond;
    figures.scaling_ratio_1000_vs_100 = at1000.perSecond / again100.perSecond;
    figures.e2e_turns_per_s_100 = at100.perSecond;
    figures.e2e_turns_per_s_1000 = at1000.perSecond;
    figures.bare_socketio_round_trips_per_s_100 = bareRate.perSecond;
    figures.e2e_server_cpu_us_per_turn_100 = at100.serverCpuUs;
    figures.bare_server_cpu_us_per_round_trip_100 = bareRate.serverCpuUs;
  } finally {
    await bare.stop();
    await floor.stop();
    await server.stop();
  }
  return figures;
}
