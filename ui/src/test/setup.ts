import "@testing-library/jest-dom/vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";
import { cleanup, configure } from "@testing-library/react";

// findBy/waitFor wait for an outcome, not a deadline: on a loaded 2-core machine the app's
// first answers (status, settings, then the screen's own) can take longer than the 1 s default.
configure({ asyncUtilTimeout: 10_000 });

// jsdom lacks these; Mantine reads them.
Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
window.ResizeObserver = ResizeObserverStub;
window.HTMLElement.prototype.scrollIntoView = () => {};

afterEach(() => {
  cleanup();
  clearMocks();
});
