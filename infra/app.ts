/**
 * The CDK app (`cdk.json` runs it): the platform's wiring, deployed as `vouchers-stateful`,
 * `vouchers-stateless`, `vouchers-edge`, `vouchers-waf` (us-east-1) and, without an external token
 * issuer, `vouchers-identity`. Deploy-time settings come from context, see docs/deploy.md.
 */
import { App } from "aws-cdk-lib";
import { platform } from "../shared/wiring/platform.js";
import { buildApp, CONSOLE_DIST_CONTEXT } from "./build-app.js";
import { ensureConsoleBuilt } from "./local/console-build.js";

const app = new App();
// Every synth and deploy ships the console built from the sources at hand, unless told to deploy
// another build. Progress goes to stderr: the CLI reads nothing from the app's stdout, but keep it clean.
if (app.node.tryGetContext(CONSOLE_DIST_CONTEXT) === undefined) {
  await ensureConsoleBuilt((line) => console.error(line));
}
buildApp({ wiring: platform, app }).app.synth();
