// Lint: typescript-eslint's recommended type-aware rules, plus the project's few house rules.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const ZOD = { name: "zod", message: "Import * as z from shared/zod.js (keeps Lambda bundles small)." };
const STORE = { group: ["**/store/*"], message: "This layer sits above or beside the store: it must not read DynamoDB." };
const USE_CASES = { group: ["**/use-cases/*"], message: "Use cases sit above this layer: take what you need as an argument." };
const HTTP = { group: ["**/http/*"], message: "HTTP plumbing belongs to the handlers (functions/), above this layer." };
const OPENAPI = { group: ["**/api/openapi*"], message: "The OpenAPI document is built from the layers, not the other way round." };
const CLIENTS = { group: ["**/clients*", "**/config*", "**/dependencies*"], message: "AWS clients and configuration are handed to the domain by its callers." };
const AWS = [{ group: ["@aws-sdk/*", "@aws-lambda-powertools/*", "@middy/*", "aws-cdk-lib", "aws-cdk-lib/*"], message: "The domain is pure: no AWS." }];
const UNTRACED_ROUTE = { group: ["**/http/route.js"], message: "Build handlers with shared/http/traced-route.js (Powertools Tracer); only the claim handler uses the untraced route." };
const ABOVE_SHARED = { group: ["**/functions/*", "**/infra/*"], message: "shared/ is a library: it never imports the handlers or the infrastructure." };

/**
 * `no-restricted-imports` for a folder: zod through shared/zod.ts, nothing above shared/, and `forbidden`.
 * @param {string} files
 * @param {{ group: string[]; message: string }[]} forbidden
 */
function layer(files, forbidden) {
  return {
    files: [files],
    ignores: ["shared/zod.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [ZOD], patterns: [ABOVE_SHARED, ...forbidden] }] },
  };
}

export default tseslint.config(
  { ignores: ["node_modules/", "cdk.out/", ".cache/", "coverage/", "console/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js", "scripts/*.mjs", "bench/*.mjs"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/only-throw-error": "error",
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.property.name='only']", message: "No focused tests." },
        { selector: "CallExpression[callee.property.name='skip']", message: "No skipped tests." },
        { selector: "CallExpression[callee.property.name='todo']", message: "No placeholder tests." },
      ],
    },
  },
  {
    // Bundled code takes zod through shared/zod.ts, so esbuild can drop zod's unused locales.
    // Handlers are traced: the untraced route is the claim handler's alone (its bundle budget).
    files: ["functions/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: [ZOD], patterns: [UNTRACED_ROUTE] }],
    },
  },
  { files: ["functions/claims/claim.ts"], rules: { "no-restricted-imports": ["error", { paths: [ZOD], patterns: [] }] } },
  // Layers (docs/architecture.md, "Layers"): imports point down only. functions → use-cases →
  // store and domain; shared/api holds pure schemas; nothing in shared/ reaches up into functions/ or infra/.
  // The console: the rules of hooks and the React team's recommended checks (effects, refs, purity).
  { files: ["console/src/**/*.{ts,tsx}"], ...reactHooks.configs.flat.recommended },
  layer("shared/**/*.ts", []),
  layer("shared/domain/**/*.ts", [STORE, USE_CASES, HTTP, OPENAPI, CLIENTS, ...AWS]),
  layer("shared/store/**/*.ts", [USE_CASES, HTTP]),
  layer("shared/use-cases/**/*.ts", [HTTP]),
  layer("shared/api/**/*.ts", [STORE, USE_CASES]),
  {
    // CloudFormation templates and npm's JSON are untyped documents read field by field.
    files: ["test/infra/**/*.ts", "scripts/*.mjs"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    files: ["scripts/*.mjs", "*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);
