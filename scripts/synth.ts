/**
 * `npm run synth [-- <extra cdk args>]`: synthesises both stacks into cdk.out with the pinned CDK
 * CLI, offline. Functions are bundled by the local esbuild; Docker is made unavailable so it can
 * never be used as a fallback. No AWS credentials or network are needed: the stacks are
 * environment-agnostic and do no look-ups, and this script hides credentials from the CLI so it
 * does not even ask STS who you are. Deploying (`npx cdk deploy`) synthesises again, with your
 * credentials; see docs/deploy.md.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { devNull } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = "cdk.out";
const bin = (name: string) => join(root, "node_modules", ".bin", process.platform === "win32" ? `${name}.cmd` : name);

for (const tool of ["cdk", "esbuild", "tsx"]) {
  if (!existsSync(bin(tool))) {
    console.error(`synth: ${relative(root, bin(tool))} is missing; run \`npm ci\` first.`);
    process.exit(1);
  }
}

const env: NodeJS.ProcessEnv = { ...process.env };
// No credentials: the CLI would otherwise call STS to learn the default account.
for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"]) {
  delete env[name];
}
Object.assign(env, {
  AWS_SHARED_CREDENTIALS_FILE: devNull,
  AWS_CONFIG_FILE: devNull,
  AWS_EC2_METADATA_DISABLED: "true",
  // A region so nothing goes looking for one; the templates stay region-agnostic.
  AWS_REGION: env.AWS_REGION ?? "ap-east-1",
  CDK_DEFAULT_REGION: env.CDK_DEFAULT_REGION ?? env.AWS_REGION ?? "ap-east-1",
  CDK_DISABLE_VERSION_CHECK: "1",
  CDK_DISABLE_CLI_TELEMETRY: "true",
  // `cdk.json` runs `npx tsx`: never let npx download anything.
  npm_config_offline: "true",
  // If local bundling were ever impossible, fail instead of falling back to a Docker image.
  CDK_DOCKER: "docker-is-disabled-by-scripts-synth",
});

const args = ["synth", "--no-notices", "--quiet", "-o", outdir, ...process.argv.slice(2)];
console.log(`synth: cdk ${args.join(" ")}`);
const result = spawnSync(bin("cdk"), args, { cwd: root, env, stdio: "inherit", shell: process.platform === "win32" });

if (result.error) {
  console.error(`synth: could not run the CDK CLI: ${result.error.message}`);
  process.exit(1);
}
if (result.status !== 0) {
  console.error(`synth: failed (exit ${result.status ?? result.signal}).`);
  process.exit(result.status ?? 1);
}

const templates = readdirSync(join(root, outdir)).filter((file) => file.endsWith(".template.json"));
console.log(`synth: ${templates.length} template(s) in ${join(root, outdir)}:`);
for (const template of templates.sort()) console.log(`  ${join(outdir, template)}`);
