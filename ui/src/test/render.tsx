import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router";
import { AppProvider } from "../AppContext";
import { createQueryClient } from "../lib/queryClient";
import { theme } from "../theme";

/**
 * Renders a screen the way the app does (Mantine, a fresh query cache, the app's
 * status and settings from the mocked Rust side) without the shell around it.
 */
export function renderScreen(ui: ReactNode, { path = "/", client = createQueryClient() }: { path?: string; client?: QueryClient } = {}) {
  const view = render(
    <MantineProvider theme={theme}>
      <Notifications />
      <QueryClientProvider client={client}>
        <AppProvider fallback={() => null}>
          <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
        </AppProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { ...view, client };
}
