/** The pollers' sleep: stoppable by the signal, and leaving no listener behind when it ends on time. */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { sleep } from "../../infra/local/queue-poller.js";

describe("the pollers' sleep", () => {
  it("removes its abort listener when the time is up, however often it sleeps on one signal", async () => {
    const controller = new AbortController();
    for (let i = 0; i < 25; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  // Were it not to end on abort, this would outlive the test's timeout.
  it("ends when the signal aborts", async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });
});
