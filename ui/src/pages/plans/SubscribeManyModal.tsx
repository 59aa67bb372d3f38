import { Alert, Badge, Button, Group, Modal, ScrollArea, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { IconFileImport } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type SubscribeManyForm, type SubscribeManyPreview, type SubscribeManyReport } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LiveConfirm } from "../../components/LiveConfirm";
import { formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { invalidate, plansQuery } from "../../lib/queries";
import { intervalText } from "./planText";

/**
 * Subscribes many customers to a plan: the customer list's selection (`customerUids`) or a
 * CSV file chosen in the system's dialog (`customerUids` null). Rust previews who is
 * subscribed and who is left out and why; nothing is written until the person subscribes
 * (a live profile confirms the total per period).
 */
export function SubscribeManyModal({ customerUids, planCode, onClose }: { customerUids: string[] | null; planCode?: string; onClose: () => void }) {
  const { t } = useTranslation();
  const { lang, profileId } = useApp();
  const client = useQueryClient();
  const plans = useQuery(plansQuery(profileId));
  const open = (plans.data ?? []).filter((p) => p.plan.archived_at === null);
  const [plan, setPlan] = useState<string | null>(planCode ?? null);
  const [startDate, setStartDate] = useState("");
  const [preview, setPreview] = useState<SubscribeManyPreview | null>(null);
  const [fileName, setFileName] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [report, setReport] = useState<SubscribeManyReport | null>(null);
  const csv = customerUids === null;
  const form = (confirmed: number | null): SubscribeManyForm => ({ plan_code: plan ?? "", customer_uids: customerUids ?? [], start_date: startDate.trim(), confirmed_total: confirmed });

  const check = useMutation({
    mutationFn: async () => {
      if (!csv) return { preview: await call(commands.subscribeManyPreview(form(null))), file: null };
      const picked = await call(commands.pickSubscribeCsv(form(null)));
      return picked === null ? null : { preview: picked.preview, file: picked.file_name };
    },
    onSuccess: (r) => {
      if (r === null) return;
      setPreview(r.preview);
      setFileName(r.file);
      setReport(null);
    },
  });
  const apply = useMutation({
    mutationFn: (confirmed: number | null) => call(csv ? commands.subscribePickedCsv(form(confirmed)) : commands.subscribeMany(form(confirmed))),
    onSuccess: (r) => {
      setReport(r);
      setPreview(r.preview);
      void invalidate(client, profileId, "money");
    },
  });
  const submit = () => {
    if (preview?.live) setConfirming(preview.total);
    else apply.mutate(null);
  };

  return (
    <Modal opened onClose={onClose} title={csv ? t("plans.many.csvTitle") : t("plans.many.title")} size="xl" data-testid="subscribe-many-modal">
      <Stack gap="sm">
        {plans.data && open.length === 0 && <Alert color="gray">{t("plans.sub.noPlans")}</Alert>}
        <Group grow align="flex-start">
          <Select
            label={t("plans.sub.plan")}
            data={open.map((p) => ({ value: p.plan.code, label: `${p.plan.name} · ${intervalText(t, p.plan.interval)} · ${formatKrw(p.plan.amount, lang)}` }))}
            value={plan}
            onChange={(v) => {
              setPlan(v);
              setPreview(null);
            }}
            data-testid="many-plan"
          />
          <TextInput
            label={t("plans.sub.startDate")}
            description={t("plans.sub.startDateHint")}
            placeholder="YYYY-MM-DD"
            value={startDate}
            onChange={(e) => {
              setStartDate(e.currentTarget.value);
              setPreview(null);
            }}
            data-testid="many-start"
          />
        </Group>
        {csv && (
          <Text size="xs" c="dimmed">
            {t("plans.many.csvHint")}
          </Text>
        )}
        <Group gap="xs">
          <Button variant="default" leftSection={csv ? <IconFileImport size={16} /> : undefined} disabled={plan === null} loading={check.isPending} onClick={() => check.mutate()} data-testid="many-preview">
            {csv ? t("plans.many.pick") : t("plans.many.preview")}
          </Button>
          {fileName && (
            <Text size="sm" c="dimmed" data-testid="many-file">
              {t("plans.many.file", { name: fileName })}
            </Text>
          )}
        </Group>
        {check.error && <ErrorAlert error={check.error} testId="many-preview-error" />}
        {preview && (
          <>
            <Text size="sm" fw={500} data-testid="many-summary">
              {t(preview.charges_now ? "plans.many.summaryNow" : "plans.many.summary", { subscribed: preview.subscribed, leftOut: preview.left_out, total: formatKrw(preview.total, lang) })}
            </Text>
            <ScrollArea.Autosize mah={300}>
              <Table striped withTableBorder fz="sm">
                <Table.Thead>
                  <Table.Tr>
                    {csv && <Table.Th w={60}>{t("plans.many.col.line")}</Table.Th>}
                    <Table.Th>{t("plans.many.col.customer")}</Table.Th>
                    <Table.Th ta="right">{t("plans.many.col.amount")}</Table.Th>
                    <Table.Th>{t("plans.many.col.result")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.rows.map((r, i) => (
                    <Table.Tr key={`${r.line ?? i}-${r.customer_uid}`} data-testid="many-row" data-left-out={r.left_out ?? ""}>
                      {csv && <Table.Td>{r.line}</Table.Td>}
                      <Table.Td>
                        <Text size="sm">{r.customer_name ?? (r.customer_uid || "—")}</Text>
                        {r.customer_name && (
                          <Text size="xs" c="dimmed" ff="monospace">
                            {r.customer_uid}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td ta="right">{formatKrw(r.amount, lang)}</Table.Td>
                      <Table.Td>
                        <Badge size="sm" variant="light" color={r.left_out ? "gray" : "green"}>
                          {r.left_out ? t(`plans.many.leftOut.${r.left_out}`) : t("plans.many.ok")}
                        </Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea.Autosize>
          </>
        )}
        {apply.error && <ErrorAlert error={apply.error} testId="many-error" />}
        {report && (
          <Alert color={report.failed.length > 0 ? "yellow" : "green"} data-testid="many-done">
            {t("plans.many.done", { count: report.subscribed.length })}
            {report.failed.length > 0 && ` ${t("plans.many.failed", { count: report.failed.length })}`}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("common.close")}
          </Button>
          <Button disabled={!preview || preview.subscribed === 0 || report !== null} loading={apply.isPending} onClick={submit} data-testid="many-submit">
            {t("plans.many.submit", { count: preview?.subscribed ?? 0 })}
          </Button>
        </Group>
      </Stack>
      <LiveConfirm
        opened={confirming !== null}
        lines={(preview?.rows ?? []).filter((r) => r.left_out === null).map((r) => ({ customer: r.customer_name ?? r.customer_uid, amount: r.amount }))}
        onCancel={() => setConfirming(null)}
        onConfirm={(total) => {
          setConfirming(null);
          apply.mutate(total);
        }}
      />
    </Modal>
  );
}
