import { Alert, Badge, Box, Button, Group, Loader, Modal, Paper, Progress, SimpleGrid, Stack, Tabs, Text } from "@mantine/core";
import { IconPlayerPause, IconPlayerPlay, IconPlayerStop } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { commands, type RunItem } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { ExportMenu, ExportStatus, useExport } from "../../components/ExportMenu";
import { LiveConfirm } from "../../components/LiveConfirm";
import { BackLink } from "../../layout/BackLink";
import { PageHeader } from "../../layout/PageHeader";
import { VirtualTable, type VirtualColumn } from "../../layout/VirtualTable";
import { formatDateTime, formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { invalidate, keys, runQuery } from "../../lib/queries";
import { ExcludedTable } from "./NewRunModal";
import { OUTCOME_COLORS, STATE_COLORS, outcomeText, shownState } from "./runText";

/**
 * One bulk run: its progress while it charges (asked again every second), pause, resume
 * (also after the app was closed mid-run), cancel, each line's result, who was left out,
 * and the report as a file.
 */
export function RunPage() {
  const { runId = "" } = useParams();
  const { t } = useTranslation();
  const { status, zone, lang, profileId } = useApp();
  const client = useQueryClient();
  const readOnly = status.active_profile.read_only;
  const page = useQuery(runQuery(profileId, runId));
  const [confirming, setConfirming] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const exporter = useExport({ kind: "run_items", run_id: runId }, []);
  const changed = () => {
    void client.invalidateQueries({ queryKey: keys.run(profileId, runId) });
    void invalidate(client, profileId, "money");
  };
  const start = useMutation({ mutationFn: (confirmed: number | null) => call(commands.startRun(runId, confirmed)), meta: { inlineError: true }, onSettled: changed });
  const pause = useMutation({ mutationFn: () => call(commands.pauseRun(runId)), meta: { inlineError: true }, onSettled: changed });
  const cancel = useMutation({
    mutationFn: () => call(commands.cancelRun(runId)),
    meta: { inlineError: true },
    onSuccess: () => setCancelling(false),
    onSettled: changed,
  });

  if (page.error) return <ErrorAlert error={page.error} onRetry={() => void page.refetch()} retrying={page.isFetching} testId="run-error" />;
  if (!page.data) return <Loader />;
  const { detail: d, running_here: runningHere, error } = page.data;
  const s = d.row.summary;
  const state = shownState(d.row);
  const running = runningHere || state === "running";
  const finished = state === "completed" || state === "cancelled";
  const done = s.info.items - s.open;
  const checking = d.items.filter((i) => i.outcome === "unknown").length;
  const n = (v: number) => v.toLocaleString(lang === "ko" ? "ko-KR" : "en-US");
  const canStart = !readOnly && !running && !finished && d.pending.count > 0;
  const pausing = runningHere && pause.isSuccess;

  const columns: VirtualColumn<RunItem>[] = [
    { key: "line", header: t("runs.page.col.line"), width: "56px", render: (i) => <Text size="sm">{i.line}</Text> },
    { key: "customer", header: t("runs.page.col.customer"), width: "minmax(120px, 1.2fr)", render: (i) => <Text size="sm" ff="monospace" truncate>{i.customer_uid}</Text> },
    { key: "amount", header: t("runs.page.col.amount"), width: "110px", render: (i) => <Text size="sm" ta="right">{formatKrw(i.amount, lang)}</Text> },
    { key: "name", header: t("runs.page.col.name"), width: "minmax(100px, 1fr)", render: (i) => <Text size="sm" truncate>{i.name}</Text> },
    {
      key: "outcome",
      header: t("runs.page.col.outcome"),
      width: "120px",
      render: (i) => (
        <Badge size="sm" variant="light" color={OUTCOME_COLORS[i.outcome ?? "queued"] ?? "gray"} data-testid="run-item-outcome" data-outcome={i.outcome ?? "queued"}>
          {outcomeText(t, i.outcome)}
        </Badge>
      ),
    },
    { key: "detail", header: t("runs.page.col.detail"), width: "minmax(100px, 1fr)", render: (i) => <Text size="xs" c="dimmed" truncate>{i.fail_reason ?? ""}</Text> },
  ];

  return (
    <Stack gap="sm" style={{ height: "100%" }}>
      <BackLink to="/runs" label={t("runs.page.back")} />
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <PageHeader title={s.info.label} description={t("runs.page.created", { when: formatDateTime(s.info.created_at, zone, lang) })} />
        <Group gap="xs" wrap="nowrap">
          <Badge size="lg" color={STATE_COLORS[state]} variant="light" data-testid="run-state" data-state={state}>
            {t(`runs.state.${state}`)}
          </Badge>
          <ExportMenu exporter={exporter} testId="run-report" />
        </Group>
      </Group>
      <ExportStatus exporter={exporter} testId="run-report-status" />
      {state === "interrupted" && !runningHere && (
        <Alert color="orange" data-testid="run-interrupted">
          {t("runs.page.interrupted")}
        </Alert>
      )}
      {checking > 0 && !running && (
        <Alert color="yellow" data-testid="run-checking">
          {t("runs.page.checking", { count: checking })}
        </Alert>
      )}
      {error && !runningHere && (
        <Box>
          <Text size="sm" fw={500}>
            {t("runs.page.stopped")}
          </Text>
          <ErrorAlert error={error} testId="run-stopped-error" />
        </Box>
      )}
      <Paper withBorder p="sm" radius="md">
        <Stack gap="xs">
          <Group justify="space-between">
            <Text size="sm" data-testid="run-progress-text" data-done={done} data-total={s.info.items}>
              {t("runs.page.progress", { done: n(done), total: n(s.info.items) })}
            </Text>
            <Group gap="xs">
              {runningHere && (
                <Button size="xs" variant="default" leftSection={<IconPlayerPause size={14} />} loading={pausing} disabled={readOnly} onClick={() => pause.mutate()} data-testid="run-pause">
                  {t("runs.page.pause")}
                </Button>
              )}
              {!running && !finished && (
                <Button size="xs" leftSection={<IconPlayerPlay size={14} />} disabled={!canStart} loading={start.isPending} onClick={() => (d.live ? setConfirming(true) : start.mutate(null))} data-testid="run-resume">
                  {state === "ready" ? t("runs.page.start") : t("runs.page.resume")}
                </Button>
              )}
              {!finished && (
                <Button size="xs" color="red" variant="light" leftSection={<IconPlayerStop size={14} />} disabled={readOnly} onClick={() => setCancelling(true)} data-testid="run-cancel">
                  {t("runs.page.cancel")}
                </Button>
              )}
            </Group>
          </Group>
          <Progress value={s.info.items === 0 ? 0 : (100 * done) / s.info.items} animated={runningHere} data-testid="run-progress" />
          {pausing && (
            <Text size="xs" c="dimmed">
              {t("runs.page.pausing")}
            </Text>
          )}
          <SimpleGrid cols={5}>
            <Figure label={t("runs.col.paid")} value={n(s.paid)} testId="run-paid" />
            <Figure label={t("runs.col.failed")} value={n(s.failed)} testId="run-failed" />
            <Figure label={t("runs.col.skipped")} value={n(s.skipped)} testId="run-skipped" />
            <Figure label={t("runs.page.amountPaid")} value={formatKrw(s.amount_paid, lang)} testId="run-amount-paid" />
            <Figure label={t("runs.col.total")} value={formatKrw(s.info.total, lang)} testId="run-total" />
          </SimpleGrid>
        </Stack>
      </Paper>
      {(start.error ?? pause.error) && <ErrorAlert error={start.error ?? pause.error} testId="run-action-error" />}
      <Tabs defaultValue="items" style={{ flex: 1, minHeight: 0, display: "flex", flexDirection: "column" }}>
        <Tabs.List>
          <Tabs.Tab value="items">
            {t("runs.page.items")} ({n(d.items.length)})
          </Tabs.Tab>
          <Tabs.Tab value="excluded" data-testid="run-tab-excluded">
            {t("runs.page.excluded")} ({n(d.excluded.length)})
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="items" pt="xs" style={{ flex: 1, minHeight: 220, display: "flex", flexDirection: "column" }}>
          <VirtualTable<RunItem> testId="run-item" rows={d.items} rowKey={(i) => String(i.line)} onNearEnd={() => undefined} loading={false} columns={columns} empty={null} footer={null} />
        </Tabs.Panel>
        <Tabs.Panel value="excluded" pt="xs">
          <ExcludedTable excluded={d.excluded} maxHeight={320} />
        </Tabs.Panel>
      </Tabs>
      <LiveConfirm
        opened={confirming}
        typeTotal
        total={d.pending.total}
        more={d.pending.count - d.pending.first.length}
        lines={d.pending.first.map((l) => ({ customer: l.customer_uid, amount: l.amount }))}
        onCancel={() => setConfirming(false)}
        onConfirm={(total) => {
          setConfirming(false);
          start.mutate(total);
        }}
      />
      <Modal opened={cancelling} onClose={() => setCancelling(false)} title={t("runs.page.cancelTitle")} data-testid="run-cancel-modal">
        <Stack>
          <Text size="sm">{t("runs.page.cancelBody", { count: d.pending.count })}</Text>
          {cancel.error && <ErrorAlert error={cancel.error} testId="run-cancel-error" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setCancelling(false)}>
              {t("runs.page.keep")}
            </Button>
            <Button color="red" loading={cancel.isPending} onClick={() => cancel.mutate()} data-testid="run-cancel-yes">
              {t("runs.page.cancelYes")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} data-testid={testId}>
        {value}
      </Text>
    </Stack>
  );
}
