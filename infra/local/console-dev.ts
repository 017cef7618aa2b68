/**
 * The console with Vite's dev server (hot reload) in front of a running platform: the app from
 * console/src under /console/, everything else (the API, and /console/dev-login) proxied to the
 * platform, so the app still calls one origin. For working on screens; `npm start` serves the build.
 */
import type { ViteDevServer } from "vite";
import { consoleViteConfig } from "./console-build.js";

/** Proxy rules: the sign-in and every path outside /console/ go to the platform. */
export function consoleDevProxy(apiUrl: string): Record<string, { target: string; changeOrigin: boolean }> {
  const target = { target: apiUrl, changeOrigin: true };
  return { "/console/dev-login": target, "^/(?!console(/|$))": target };
}

export async function startConsoleDevServer(input: { apiUrl: string; host?: string; port?: number }): Promise<ViteDevServer> {
  const { createServer } = await import("vite");
  const config = await consoleViteConfig();
  const server = await createServer({
    ...config,
    mode: "development",
    server: { host: input.host ?? "127.0.0.1", port: input.port ?? 5173, strictPort: input.port !== undefined, proxy: consoleDevProxy(input.apiUrl) },
  });
  return server.listen();
}
