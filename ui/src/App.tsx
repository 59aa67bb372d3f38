import { Box, Center, Loader } from "@mantine/core";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { useState, type ComponentType, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { HashRouter, Route, Routes } from "react-router";
import { AppProvider } from "./AppContext";
import { ErrorAlert } from "./components/ErrorAlert";
import { createQueryClient } from "./lib/queryClient";
import { Shell } from "./layout/Shell";
import { Schedules } from "./pages/Schedules";
import { Triage } from "./pages/Triage";
import { Calendar } from "./pages/Calendar";
import { PlanPage } from "./pages/plans/PlanPage";
import { PlansPage } from "./pages/plans/PlansPage";
import { RunPage } from "./pages/runs/RunPage";
import { RunsPage } from "./pages/runs/RunsPage";
import { JournalPage } from "./pages/charges/JournalPage";
import { PaymentsPage } from "./pages/payments/PaymentsPage";
import { CustomerList } from "./pages/customers/CustomerList";
import { CustomerPage } from "./pages/customers/CustomerPage";
import { IssueKeyForm } from "./pages/customers/IssueKeyForm";
import { AuditPage } from "./pages/audit/AuditPage";
import { ReconcilePage } from "./pages/reconcile/ReconcilePage";
import { SettlementPage } from "./pages/settlement/SettlementPage";
import { Dashboard } from "./pages/Dashboard";
import { PgGuide } from "./pages/PgGuide";
import { PgGuideDetail } from "./pages/PgGuideDetail";
import { Settings } from "./pages/Settings";

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
 * The app. Tests pass a MemoryRouter (the webview uses the URL's hash) and may pass their
 * own query client; otherwise each App has its own cache of Rust's answers.
 */
export function App({ Router = HashRouter, queryClient }: { Router?: ComponentType<{ children: ReactNode }>; queryClient?: QueryClient }) {
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
