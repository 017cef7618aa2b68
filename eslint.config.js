// Lint: typescript-eslint's recommended type-aware rules, plus the project's few house rules.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "cdk.out/", ".cache/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js", "scripts/*.mjs"] }, tsconfigRootDir: import.meta.dirname },
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
    files: ["shared/**/*.ts", "functions/**/*.ts"],
    ignores: ["shared/zod.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: [{ name: "zod", message: "Import * as z from shared/zod.js (keeps Lambda bundles small)." }] }],
    },
  },
  {
    // The domain layer stays free of AWS (docs/architecture.md, "Layers").
    files: ["shared/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [{ name: "zod", message: "Import * as z from shared/zod.js (keeps Lambda bundles small)." }],
          patterns: ["@aws-sdk/*", "@aws-lambda-powertools/*", "@middy/*", "aws-cdk-lib", "aws-cdk-lib/*"],
        },
      ],
    },
  },
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
