// The claim load worker's entry (claim-load.ts): worker threads do not inherit tsx's loader, so
// this plain module registers it before loading the TypeScript.
import { register } from "tsx/esm/api";

register();
await import("./claim-load.ts");
