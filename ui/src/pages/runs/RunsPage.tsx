import { Badge, Button, Group, Loader, Stack, Table, Text } from "@mantine/core";
import { IconPlus, IconStack2 } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { EmptyState } from "../../layout/EmptyState";
import { PageHeader } from "../../layout/PageHeader";
import { formatDateTime, formatKrw } from "../../lib/format";
import { runsQuery } from "../../lib/queries";
import { NewRunModal } from "./NewRunModal";
import { STATE_COLORS, shownState } from "./runText";

/** Every bulk run, newest first, with Rust's counts; a row opens the run's page. */
export function RunsPage() {
  const { t } = useTranslation();
  const { status, zone, lang, profileId } = useApp();
  const navigate = useNavigate();
  const runs = useQuery(runsQuery(profileId));
  const [creating, setCreating] = useState(false);
  const readOnly = status.active_profile.read_only;
  const n = (v: number) => v.toLocaleString(lang === "ko" ? "ko-KR" : "en-US");

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <PageHeader title={t("runs.title")} description={t("runs.description")} />
        <Button leftSection={<IconPlus size={16} />} style={{ flexShrink: 0 }} disabled={readOnly} onClick={() => setCreating(true)} data-testid="run-new">
          {t("runs.new")}
        </Button>
      </Group>
      {runs.error && <ErrorAlert error={runs.error} onRetry={() => void runs.refetch()} retrying={runs.isFetching} testId="runs-error" />}
      {!runs.data && !runs.error && <Loader />}
      {runs.data && runs.data.length === 0 && <EmptyState icon={IconStack2} title={t("runs.emptyTitle")} body={t("runs.emptyBody")} />}
      {runs.data && runs.data.length > 0 && (
        <Table striped highlightOnHover data-testid="runs-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("runs.col.when")}</Table.Th>
              <Table.Th>{t("runs.col.source")}</Table.Th>
              <Table.Th ta="right">{t("runs.col.paid")}</Table.Th>
              <Table.Th ta="right">{t("runs.col.failed")}</Table.Th>
              <Table.Th ta="right">{t("runs.col.skipped")}</Table.Th>
              <Table.Th ta="right">{t("runs.col.total")}</Table.Th>
              <Table.Th>{t("runs.col.state")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {runs.data.map((r) => {
              const s = r.summary;
              const state = shownState(r);
              return (
                <Table.Tr key={s.info.run_id} style={{ cursor: "pointer" }} onClick={() => void navigate(`/runs/${s.info.run_id}`)} data-testid="run-row" data-run-id={s.info.run_id} data-state={state}>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(s.info.created_at, zone, lang)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Badge size="xs" variant="light" color="gray">
                        {t(`runs.kind.${s.info.kind === "plan" ? "plan" : "csv"}`)}
                      </Badge>
                      <Text size="sm" fw={500} lineClamp={1}>
                        {s.info.label}
                      </Text>
                    </Group>
                  </Table.Td>
                  <Table.Td ta="right" data-testid="run-row-paid">
                    {n(s.paid)}
                  </Table.Td>
                  <Table.Td ta="right">{n(s.failed)}</Table.Td>
                  <Table.Td ta="right">{n(s.skipped)}</Table.Td>
                  <Table.Td ta="right">{formatKrw(s.info.total, lang)}</Table.Td>
                  <Table.Td>
                    <Badge color={STATE_COLORS[state]} variant="light" data-testid="run-row-state">
                      {t(`runs.state.${state}`)}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <NewRunModal opened={creating} onClose={() => setCreating(false)} onStarted={(id) => void navigate(`/runs/${id}`)} />
    </Stack>
  );
}
