/**
 * What every console browser test file shares around its one runtime and one browser: stopping
 * both (each on its own, so one failing does not keep the other up), the check after each test
 * that the page logged no error, and axe-core's verdict on a screen.
 */
import { expect } from "vitest";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { type TestBrowser, accessibilityProblems } from "./browser.js";

/** Closes the browser, then stops the runtime, even if closing failed. */
export async function stopBrowserAndRuntime(browser: TestBrowser | undefined, runtime: LocalRuntime | undefined): Promise<void> {
  try {
    await browser?.close();
  } finally {
    await runtime?.stop();
  }
}

/** The screen ran without an uncaught error or a console error. */
export function expectNoPageErrors(browser: TestBrowser | undefined): void {
  expect(browser?.errors ?? []).toEqual([]);
}

/** axe-core finds no serious or critical violation on the page as it is now; `screen` names it in the failure. */
export async function expectAccessible(browser: TestBrowser, screen: string): Promise<void> {
  const problems = await accessibilityProblems(browser.page, screen);
  expect(problems, problems.join("\n")).toEqual([]);
}
