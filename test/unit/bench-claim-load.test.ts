/**
 * bench:claims' load generator (bench/claim-load.ts, bench/http-client.ts): the worker thread
 * sends every claim and reports each answer's code, and the client sends a request again once
 * when a kept-alive socket was reset before any answer, never otherwise; before a measured phase
 * both open their connections, so that its claims travel on open ones. Real sockets on
 * 127.0.0.1, no runtime.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ClaimLoad, claimAnswer } from "../../bench/claim-load.js";
import { NO_ROUTE_PATH, openConnections, poster } from "../../bench/http-client.js";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
});

async function listen(handle: http.RequestListener, onConnection?: () => void): Promise<string> {
  const server = http.createServer(handle);
  if (onConnection) server.on("connection", onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/claims`;
}

describe("claimAnswer", () => {
  it("reads CLAIMED from a 201, the error code from a refusal's body, and the status from any other body", () => {
    expect(claimAnswer(201, "{}", 3)).toEqual({ status: 201, code: "CLAIMED", ms: 3 });
    expect(claimAnswer(409, '{"error":{"code":"SOLD_OUT","message":"gone"}}', 1).code).toBe("SOLD_OUT");
    expect(claimAnswer(429, '{"message":"Too Many Requests"}', 1).code).toBe("429");
    expect(claimAnswer(502, "<html>bad gateway</html>", 1).code).toBe("502");
  });
});

describe("the claim load worker", () => {
  it("sends one claim per token with its bearer token, at most `concurrency` in flight, and answers each", async () => {
    let inFlight = 0;
    let most = 0;
    const seen: string[] = [];
    const url = await listen((request, response) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        seen.push(`${request.headers.authorization} ${Buffer.concat(chunks).toString()}`);
        setTimeout(() => {
          inFlight -= 1;
          const token = request.headers.authorization!.slice("Bearer ".length);
          const [status, text] = Number(token.slice(1)) % 3 === 0 ? [201, '{"voucherId":"v"}'] : [409, '{"error":{"code":"SOLD_OUT"}}'];
          response.writeHead(status, { "content-type": "application/json" }).end(text);
        }, 5);
      });
    });
    const load = await ClaimLoad.start();
    try {
      const tokens = Array.from({ length: 60 }, (_, i) => `t${i}`);
      const answers = await load.run(url, tokens, '{"voucherTypeId":"100-30"}', 7);
      expect(answers).toHaveLength(60);
      expect(answers.filter((answer) => answer.code === "CLAIMED")).toHaveLength(20);
      expect(answers.filter((answer) => answer.code === "SOLD_OUT")).toHaveLength(40);
      expect(answers.every((answer) => answer.ms >= 0)).toBe(true);
      expect(new Set(seen)).toEqual(new Set(tokens.map((token) => `Bearer ${token} {"voucherTypeId":"100-30"}`)));
      expect(most).toBeLessThanOrEqual(7);
      expect(most).toBeGreaterThan(1);
    } finally {
      await load.close();
    }
  });

  it("fails the batch when the target cannot be reached", async () => {
    const load = await ClaimLoad.start();
    try {
      await expect(load.run("http://127.0.0.1:9/claims", ["t"], "{}", 1)).rejects.toThrow(/claim load worker: .*ECONNREFUSED/);
    } finally {
      await load.close();
    }
  });
});

describe("poster", () => {
  it("sends a request again once when its kept-alive socket is reset before any answer", async () => {
    let requests = 0;
    const url = await listen((request, response) => {
      requests += 1;
      // The second request on a connection finds it closed under it, as after an idle timeout.
      if ((request.socket as { served?: boolean }).served) {
        request.socket.destroy();
        return;
      }
      (request.socket as { served?: boolean }).served = true;
      request.resume();
      request.on("end", () => response.writeHead(201).end("ok"));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const post = poster(agent);
      expect(await post(url, {}, "a")).toEqual({ status: 201, text: "ok" });
      expect(await post(url, {}, "b")).toEqual({ status: 201, text: "ok" });
      expect(requests).toBe(3);
    } finally {
      agent.destroy();
    }
  });

  it("does not send again when a fresh socket is reset", async () => {
    let requests = 0;
    const url = await listen((request) => {
      requests += 1;
      request.socket.destroy();
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await expect(poster(agent)(url, {}, "a")).rejects.toMatchObject({ code: "ECONNRESET" });
      expect(requests).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});

/** A server like the gateway: 404 under NO_ROUTE_PATH, a claim's 201 elsewhere, counting connections and requests by path. */
async function gatewayLike(): Promise<{ url: string; connections: () => number; requests: Map<string, number> }> {
  let connections = 0;
  const requests = new Map<string, number>();
  const url = await listen(
    (request, response) => {
      requests.set(request.url!, (requests.get(request.url!) ?? 0) + 1);
      request.resume();
      request.on("end", () => {
        // Held a moment, so that requests sent together are in flight together.
        setTimeout(() => (request.url === NO_ROUTE_PATH ? response.writeHead(404).end('{"message":"Not Found"}') : response.writeHead(201).end("{}")), 20);
      });
    },
    () => (connections += 1),
  );
  return { url, connections: () => connections, requests };
}

describe("opening connections before a measured phase", () => {
  it("opens `count` connections with requests to a path no route serves, and the next batch opens none", async () => {
    const server = await gatewayLike();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
    try {
      const post = poster(agent);
      await openConnections(post, new URL(server.url).origin, 6);
      expect(server.connections()).toBe(6);
      expect(server.requests.get(NO_ROUTE_PATH)).toBe(6);
      // Open again: the agent holds them, so nothing new.
      await openConnections(post, new URL(server.url).origin, 6);
      expect(server.connections()).toBe(6);
      await Promise.all(Array.from({ length: 6 }, () => post(server.url, {}, "{}")));
      expect(server.connections()).toBe(6);
      expect(server.requests.get("/claims")).toBe(6);
    } finally {
      agent.destroy();
    }
  });

  it("fails when the path reaches something other than the gateway's 404", async () => {
    const url = await listen((request, response) => {
      request.resume();
      request.on("end", () => response.writeHead(200).end("a route"));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    try {
      await expect(openConnections(poster(agent), new URL(url).origin, 2)).rejects.toThrow(`${NO_ROUTE_PATH} answered 200, not 404`);
    } finally {
      agent.destroy();
    }
  });

  it("the load worker opens its connections, and its next claims of the same concurrency travel on them", async () => {
    const server = await gatewayLike();
    const load = await ClaimLoad.start();
    try {
      await load.open(server.url, 5);
      expect(server.connections()).toBe(5);
      expect(server.requests.get(NO_ROUTE_PATH)).toBe(5);
      const answers = await load.run(server.url, Array.from({ length: 25 }, (_, i) => `t${i}`), "{}", 5);
      expect(answers.filter((answer) => answer.code === "CLAIMED")).toHaveLength(25);
      expect(server.connections()).toBe(5);
    } finally {
      await load.close();
    }
  });
});
