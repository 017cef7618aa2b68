/** `npm run console:build` builds the operator console into console/dist (npm start does it when its sources changed). */
import { buildConsole } from "../infra/local/console-build.js";

await buildConsole((line) => console.log(line));
