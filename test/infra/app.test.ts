/**
 * The deploy-time context (optional `vouchers:jwtIssuer` with `vouchers:jwtAudience`, optional
 * `vouchers:alarmEmail`, `vouchers:consoleDist` and `vouchers:consoleClientId`) is checked before
 * any stack is built, with an error that says what to set.
 */
import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import {
  ALARM_EMAIL_CONTEXT,
  CONSOLE_CLIENT_ID_CONTEXT,
  CONSOLE_DIST_CONTEXT,
  JWT_AUDIENCE_CONTEXT,
  JWT_ISSUER_CONTEXT,
  buildApp,
  parseConsoleContext,
  parseDeployContext,
} from "../../infra/build-app.js";
import { REPO_ROOT } from "../../infra/constructs/voucher-function.js";
import { CONSOLE_DIST } from "../../infra/local/console-build.js";
import { platform } from "../../shared/wiring/platform.js";
import { cdkJsonContext } from "./support.js";

const ISSUER = "https://cognito-idp.ap-east-1.amazonaws.com/ap-east-1_TEST";

function parse(context: Record<string, unknown>) {
  return parseDeployContext((key) => context[key]);
}

describe("deploy context", () => {
  it("accepts an https issuer and a comma-separated audience", () => {
    expect(parse({ [JWT_ISSUER_CONTEXT]: ISSUER, [JWT_AUDIENCE_CONTEXT]: " app-a, app-b ," })).toEqual({
      jwtIssuer: ISSUER,
      jwtAudience: ["app-a", "app-b"],
    });
  });

  it("takes an optional alarm email", () => {
    const base = { [JWT_ISSUER_CONTEXT]: ISSUER, [JWT_AUDIENCE_CONTEXT]: "app" };
    expect(parse(base)).not.toHaveProperty("alarmEmail");
    expect(parse({ ...base, [ALARM_EMAIL_CONTEXT]: "oncall@example.com" }).alarmEmail).toBe("oncall@example.com");
  });

  it("accepts an audience list, as cdk.json may hold one", () => {
    expect(parse({ [JWT_ISSUER_CONTEXT]: ISSUER, [JWT_AUDIENCE_CONTEXT]: ["app-a"] }).jwtAudience).toEqual(["app-a"]);
  });

  it.each([
    // Without an issuer the stock user pool is built (issue 16): an audience alone belongs to no issuer.
    ["an audience without an issuer", { [JWT_AUDIENCE_CONTEXT]: "app" }, JWT_ISSUER_CONTEXT],
    ["an http issuer", { [JWT_ISSUER_CONTEXT]: "http://issuer.example.com", [JWT_AUDIENCE_CONTEXT]: "app" }, JWT_ISSUER_CONTEXT],
    ["an issuer that is no URL", { [JWT_ISSUER_CONTEXT]: "issuer", [JWT_AUDIENCE_CONTEXT]: "app" }, JWT_ISSUER_CONTEXT],
    ["a missing audience", { [JWT_ISSUER_CONTEXT]: ISSUER }, JWT_AUDIENCE_CONTEXT],
    ["an empty audience", { [JWT_ISSUER_CONTEXT]: ISSUER, [JWT_AUDIENCE_CONTEXT]: " , " }, JWT_AUDIENCE_CONTEXT],
    ["an alarm email that is no address", { [JWT_ISSUER_CONTEXT]: ISSUER, [JWT_AUDIENCE_CONTEXT]: "app", [ALARM_EMAIL_CONTEXT]: "oncall" }, ALARM_EMAIL_CONTEXT],
  ])("rejects %s, naming the key", (_case, context, key) => {
    expect(() => parse(context)).toThrow(new RegExp(`invalid CDK context:[\\s\\S]*${key}`));
  });

  it("asks for neither key when the stock user pool is to be built", () => {
    expect(parse({})).toEqual({});
    expect(parse({ [ALARM_EMAIL_CONTEXT]: "oncall@example.com" })).toEqual({ alarmEmail: "oncall@example.com" });
  });

  it("is checked by buildApp before any stack exists", () => {
    const app = new App({ context: { ...cdkJsonContext(), [JWT_ISSUER_CONTEXT]: "http://insecure.example.com" } });
    expect(() => buildApp({ wiring: platform, app })).toThrow(/vouchers:jwtIssuer/);
    expect(app.node.children).toHaveLength(0);
  });

  it("has working examples in cdk.json", () => {
    const context = cdkJsonContext();
    expect(() => parseDeployContext((key) => context[key])).not.toThrow();
  });
});

describe("the console's deploy context", () => {
  const consoleContext = (context: Record<string, unknown>, audience = ["app", "console"]) => parseConsoleContext((key) => context[key], audience);

  it("deploys console/dist, signing in with the first audience, by default", () => {
    expect(consoleContext({})).toEqual({ dist: CONSOLE_DIST, clientId: "app" });
  });

  it("takes another build, relative to the repository root, and another of the audiences", () => {
    expect(consoleContext({ [CONSOLE_DIST_CONTEXT]: "build/console", [CONSOLE_CLIENT_ID_CONTEXT]: "console" })).toEqual({
      dist: join(REPO_ROOT, "build", "console"),
      clientId: "console",
    });
    expect(consoleContext({ [CONSOLE_DIST_CONTEXT]: "/srv/console" }).dist).toBe("/srv/console");
  });

  it.each([
    ["a client id the API does not accept", { [CONSOLE_CLIENT_ID_CONTEXT]: "other" }, CONSOLE_CLIENT_ID_CONTEXT],
    ["an empty client id", { [CONSOLE_CLIENT_ID_CONTEXT]: "" }, CONSOLE_CLIENT_ID_CONTEXT],
    ["a build path that is no string", { [CONSOLE_DIST_CONTEXT]: 3 }, CONSOLE_DIST_CONTEXT],
  ])("rejects %s, naming the key", (_case, context, key) => {
    expect(() => consoleContext(context)).toThrow(new RegExp(`invalid CDK context:[\\s\\S]*${key}`));
  });
});
