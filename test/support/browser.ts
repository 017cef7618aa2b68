/**
 * Debian's Chromium driven by playwright-core, for the console's browser tests: the launch flags
 * that work on this machine, an empty profile in a temporary folder, and a close that leaves no
 * browser process and no profile behind. `.ci/run` installs /usr/bin/chromium when it is missing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import axe from "axe-core";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { z } from "zod";

export const CHROMIUM = "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and console errors of the page so far: a screen that throws fails its test. */
  errors: string[];
  /** Closes the browser and removes its profile; safe to call twice. */
  close(): Promise<void>;
}

/** Processes whose command line names `marker` (the profile folder is unique to one launch). */
export function processesNaming(marker: string): string[] {
  try {
    return execFileSync("pgrep", ["-fa", marker], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    // pgrep exits 1 when nothing matches.
    return [];
  }
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: the console's browser tests need Debian's chromium (apt-get install chromium; README, prerequisites).`);
  }
  const profile = mkdtempSync(path.join(tmpdir(), "console-chromium-"));
  let context: BrowserContext;
  try {
    // A persistent context is how Playwright takes an explicit --user-data-dir.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
      locale: "zh-CN",
      timezoneId: "Asia/Shanghai",
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  // Long enough for a busy 2-core machine, short enough that a missing element fails the test soon.
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  let closed: Promise<void> | undefined;
  return {
    context,
    page,
    errors,
    close() {
      closed ??= (async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
        const left = processesNaming(profile);
        if (left.length > 0) throw new Error(`Chromium left running after close:\n${left.join("\n")}`);
      })();
      return closed;
    },
  };
}

const axeResultsSchema = z.object({
  violations: z.array(
    z.object({
      id: z.string(),
      impact: z.string().nullable().optional(),
      help: z.string(),
      nodes: z.array(z.object({ target: z.array(z.unknown()) })),
    }),
  ),
});

export type AxeViolation = z.infer<typeof axeResultsSchema>["violations"][number];

/**
 * Waits until every finite CSS animation and transition on the page has ended. A modal or alert
 * that is still fading in has a computed opacity below 1, and axe would measure its colours,
 * blended with the page, as too faint. Endless ones (spinners) are left running.
 */
export async function animationsSettled(page: Page): Promise<void> {
  await page.evaluate(`Promise.all(document.getAnimations()
    .filter((animation) => animation.effect && animation.effect.getComputedTiming().endTime !== Infinity)
    .map((animation) => animation.finished.catch(() => undefined)))`);
}

/**
 * axe-core's checks on the page at rest (axe.source injected; @axe-core/playwright needs Node 22):
 * the pointer moved off the last button clicked (a hovered primary button is lighter than at rest,
 * and than AA), and every animation ended.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.mouse.move(0, 0);
  await animationsSettled(page);
  await page.addScriptTag({ content: axe.source });
  const results: unknown = await page.evaluate("axe.run(document, { resultTypes: ['violations'] })");
  return axeResultsSchema.parse(results).violations;
}

/** The violations an operator's assistive technology would trip on. */
export function seriousOrCritical(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
}

/** The serious or critical violations on the page now, each described with `screen`, its rule and where: `[]` when none. */
export async function accessibilityProblems(page: Page, screen: string): Promise<string[]> {
  return seriousOrCritical(await axeViolations(page)).map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}
