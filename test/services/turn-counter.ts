/**
 * A loopback TCP proxy that counts round trips: the server's answers are held back `delayMs`, so
 * whatever a client sends before it waits for one arrives as one turn; a turn starts whenever the
 * client sends after the server last answered. Counting turns counts the waits a client makes.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

export interface TurnCounter {
  port: number;
  /** Client turns so far, over every connection. */
  turns(): number;
  close(): Promise<void>;
}

export async function turnCounter(target: { host: string; port: number }, delayMs: number): Promise<TurnCounter> {
  let turns = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    // Per connection: whether the server has answered since the client last sent.
    let answered = true;
    client.on('data', (chunk) => {
      if (answered) turns++;
      answered = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      setTimeout(() => {
        answered = true;
        if (!client.destroyed) client.write(chunk);
      }, delayMs);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    turns: () => turns,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
