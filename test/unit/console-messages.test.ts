/**
 * The console's catalogue is one table merged from per-screen files (console/src/messages-*.ts):
 * a key in two of them would let the later spread silently replace the earlier screen's words.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { messages } from "../../console/src/messages.js";

const CONSOLE_SRC = path.join(import.meta.dirname, "..", "..", "console", "src");

describe("the console's catalogue", () => {
  it("takes each key from one file only, and has every key in both languages with the same placeholders", async () => {
    const files = readdirSync(CONSOLE_SRC).filter((name) => /^messages(-[a-z-]+)?\.ts$/.test(name));
    expect(files.length).toBeGreaterThan(1);
    const owners = new Map<string, string[]>();
    for (const file of files) {
      const source = (await import(path.join(CONSOLE_SRC, file))) as Record<string, unknown>;
      // The zh-CN table of each file (the main file's is not exported; its own keys are the rest).
      for (const [name, table] of Object.entries(source)) {
        if (!/Zh$/.test(name) || typeof table !== "object" || table === null) continue;
        for (const key of Object.keys(table)) owners.set(key, [...(owners.get(key) ?? []), `${file}:${name}`]);
      }
    }
    const shared = [...owners].filter(([, where]) => where.length > 1);
    expect(shared, JSON.stringify(shared)).toEqual([]);
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    expect(Object.keys(messages.en).sort()).toEqual(Object.keys(messages["zh-CN"]).sort());
    for (const [key, zh] of Object.entries(messages["zh-CN"])) expect(placeholders(messages.en[key as keyof typeof messages.en]), key).toEqual(placeholders(zh));
  });
});
