/**
 * zod, imported as `import * as z from "…/shared/zod.js"` everywhere a Lambda bundle reaches.
 * zod's own `z` export is an object holding every locale (about 260 KB of error messages in 40
 * languages), which esbuild must keep whole; through this module each `z.member` is a plain named
 * import, so a bundle keeps only what it uses.
 */
export * from "zod";
