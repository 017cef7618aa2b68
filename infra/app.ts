/**
 * The CDK app (`cdk.json` runs it): the platform's wiring, deployed as `vouchers-stateful` and
 * `vouchers-stateless`. Deploy-time settings come from context, see docs/deploy.md.
 */
import { platform } from "../shared/wiring/platform.js";
import { buildApp } from "./build-app.js";

const { app } = buildApp({ wiring: platform });
app.synth();
