/**
 * zod's mini build, imported as `import * as z from "…/shared/zod-mini.js"` by what the claim
 * handler reaches (its 300 KB bundle budget, issue 16): the same parser core as classic zod
 * (shared/zod.ts) without the methods on every schema, which pull in JSON Schema generation.
 * Classic stays where the OpenAPI document reads the schemas (@asteasolutions/zod-to-openapi
 * needs classic schemas).
 *
 * Classic registers English error messages when its first schema is built; mini does not, so
 * this module registers them (English only, never the 40 locales), and a mini schema answers the
 * same messages as its classic twin whichever build is loaded first.
 */
import en from "zod/v4/locales/en.js";
import { config } from "zod/mini";

config(en());

export * from "zod/mini";
