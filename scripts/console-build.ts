/** `npm run console:build` builds the operator console into console/dist (npm start does it when its sources changed). */
import { buildConsoleHere } from "../infra/local/console-build.js";

process.env.NODE_ENV ??= "production";
await buildConsoleHere((line) => console.log(line));
