import net from "node:net";

// Network helpers for tests and benchmarks: free ports, and a TCP proxy that can take a server away.

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A TCP proxy in front of a server (PostgreSQL, Redis) that tests can cut, stall and bring back on the same port. */
export type TcpProxy = {
  port: number;
  /** the same URL (database, Redis) through the proxy */
  urlFor(url: string): string;
  /** Stops listening and cuts every open connection: the server "goes away" for whoever uses the proxy. */
  close(): Promise<void>;
  /** Listens again on the same port. */
  open(): Promise<void>;
  /**
   * The server stops answering without closing anything (a network partition, packets dropped): open connections
   * stop forwarding, new ones are accepted and never reach the server. Undone by restore().
   */
  stall(): void;
  /** Ends a stall: the stalled connections are cut, new ones are forwarded again. */
  restore(): void;
};

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetHost = target.hostname || "127.0.0.1";
  const targetPort = Number(target.port || (target.protocol.startsWith("redis") ? 6379 : 5432));
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const server = net.createServer((client) => {
    if (stalled) {
      // accept and say nothing, like a host whose packets are dropped
      sockets.add(client);
      client.on("error", () => {}).on("close", () => sockets.delete(client));
      client.pause();
      return;
    }
    const upstream = net.connect({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const port = await freePort();
  const open = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await open();
  return {
    port,
    urlFor(databaseUrl: string) {
      const u = new URL(databaseUrl);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      }),
    open,
    stall() {
      stalled = true;
      for (const sock of sockets) {
        sock.unpipe();
        sock.pause();
      }
    },
    restore() {
      stalled = false;
      for (const sock of sockets) sock.destroy();
      sockets.clear();
    },
  };
}
