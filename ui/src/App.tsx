import { Box, Center, Loader } from "@mantine/core";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ComponentType, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { HashRouter, Route, Routes } from "react-router";
import { AppProvider } from "./AppContext";
import { ErrorAlert } from "./components/ErrorAlert";
import { createQueryClient } from "./lib/queryClient";
import { Shell } from "./layout/Shell";
import { Dashboard } from "./pages/Dashboard";
import { preloadScreens, screen } from "./lib/screens";
import { whenPainted } from "./lib/startup";

// In the order their code is fetched ahead (lib/screens.tsx): the lists people open most first.
const CustomerList = screen(() => import("./pages/customers/CustomerList"), "CustomerList");
const PaymentsPage = screen(() => import("./pages/payments/PaymentsPage"), "PaymentsPage");
const Triage = screen(() => import("./pages/Triage"), "Triage");
const Schedules = screen(() => import("./pages/Schedules"), "Schedules");
const CustomerPage = screen(() => import("./pages/customers/CustomerPage"), "CustomerPage");
const JournalPage = screen(() => import("./pages/charges/JournalPage"), "JournalPage");
const PlansPage = screen(() => import("./pages/plans/PlansPage"), "PlansPage");
const RunsPage = screen(() => import("./pages/runs/RunsPage"), "RunsPage");
const Calendar = screen(() => import("./pages/Calendar"), "Calendar");
const SettlementPage = screen(() => import("./pages/settlement/SettlementPage"), "SettlementPage");
const ReconcilePage = screen(() => import("./pages/reconcile/ReconcilePage"), "ReconcilePage");
const PlanPage = screen(() => import("./pages/plans/PlanPage"), "PlanPage");
const RunPage = screen(() => import("./pages/runs/RunPage"), "RunPage");
const IssueKeyForm = screen(() => import("./pages/customers/IssueKeyForm"), "IssueKeyForm");
const AuditPage = screen(() => import("./pages/audit/AuditPage"), "AuditPage");
const PgGuide = screen(() => import("./pages/PgGuide"), "PgGuide");
const PgGuideDetail = screen(() => import("./pages/PgGuideDetail"), "PgGuideDetail");
const Settings = screen(() => import("./pages/Settings"), "Settings");

function StartScreen({ error, retry }: { error?: unknown; retry: () => void }) {
  const { t } = useTranslation();
  return (
    <Center h="100vh">
      {error ? (
        <Box maw={560}>
          <ErrorAlert error={error} onRetry={retry} testId="start-error" />
        </Box>
      ) : (
        <Loader aria-label={t("common.loading")} />
      )}
    </Center>
  );
}

export function AppRoutes() {
  // The other screens' code is fetched once the dashboard is on screen (lib/screens.tsx).
  useEffect(() => whenPainted("dashboard", () => void preloadScreens()), []);
  return (
    <Routes>
      <Route element={<Shell />}>
        <Route index element={<Dashboard />} />
        <Route path="customers" element={<CustomerList />} />
        <Route path="customers/new" element={<IssueKeyForm />} />
        <Route path="customers/:uid" element={<CustomerPage />} />
        <Route path="charges" element={<JournalPage />} />
        <Route path="triage" element={<Triage />} />
        <Route path="schedules" element={<Schedules />} />
        <Route path="plans" element={<PlansPage />} />
        <Route path="plans/:code" element={<PlanPage />} />
        <Route path="runs" element={<RunsPage />} />
        <Route path="runs/:runId" element={<RunPage />} />
        <Route path="calendar" element={<Calendar />} />
        <Route path="payments" element={<PaymentsPage />} />
        <Route path="settlement" element={<SettlementPage />} />
        <Route path="reconcile" element={<ReconcilePage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="pg-guide" element={<PgGuide />} />
        <Route path="pg-guide/:id" element={<PgGuideDetail />} />
        <Route path="settings" element={<Settings />} />
      </Route>
    </Routes>
  );
}

/**
 * The app's router, without React transitions: a click renders the screen it opens at once,
 * in one task, instead of in 5 ms slices between frames of the screen it leaves (the
 * screens' code is fetched ahead, lib/screens.tsx, so this rarely suspends).
 */
function DeskRouter({ children }: { children: ReactNode }) {
  return <HashRouter useTransitions={false}>{children}</HashRouter>;
}

/**
 * The app. Tests pass a MemoryRouter (the webview uses the URL's hash) and may pass their
 * own query client; otherwise each App has its own cache of Rust's answers.
 */
export function App({ Router = DeskRouter, queryClient }: { Router?: ComponentType<{ children: ReactNode }>; queryClient?: QueryClient }) {
  const [ownClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient ?? ownClient}>
      <AppProvider fallback={(s) => <StartScreen {...s} />}>
        <Router>
          <AppRoutes />
        </Router>
      </AppProvider>
    </QueryClientProvider>
  );
}
