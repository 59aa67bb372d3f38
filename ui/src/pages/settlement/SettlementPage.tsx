import { Alert, Button, Group, Paper, Stack, Switch, Table, Text } from "@mantine/core";
import { IconFileSpreadsheet, IconFolderOpen } from "@tabler/icons-react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type SettlementLine } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { PeriodPicker, usePeriodChoice } from "../../components/PeriodPicker";
import { PageHeader } from "../../layout/PageHeader";
import { formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { keys } from "../../lib/queries";
import { loadPref, savePref } from "../../lib/prefs";

/** A month, quarter or half-year's sales, cancels, net, tax-free parts and VAT per PG. */
export function SettlementPage() {
  const { t } = useTranslation();
  const { lang, profileId } = useApp();
  const choice = usePeriodChoice("quarter");
  const [bySalesType, setBySalesType] = useState(() => loadPref("settlement.bySalesType", false, (v): v is boolean => typeof v === "boolean"));
  const chosen = choice.period;
  const report = useQuery({ queryKey: [...keys.profile(profileId), "settlement", chosen, bySalesType], queryFn: () => call(commands.settlementReport(chosen, bySalesType)) });
  const exportIt = useMutation({ mutationFn: () => call(commands.exportSettlement(chosen, lang, bySalesType)), meta: { inlineError: true } });
  const reveal = useMutation({ mutationFn: () => call(commands.revealExport()) });

  const won = (n: number) => formatKrw(n, lang);
  const cols: { key: string; value: (l: SettlementLine) => string }[] = [
    { key: "sales", value: (l) => `${won(l.sales_amount)} (${l.sales_count.toLocaleString(lang)})` },
    { key: "cancels", value: (l) => `${won(l.cancel_amount)} (${l.cancel_count.toLocaleString(lang)})` },
    { key: "net", value: (l) => won(l.net_amount) },
    { key: "taxable", value: (l) => won(l.net_amount - l.net_tax_free - l.net_vat) },
    { key: "taxFree", value: (l) => won(l.net_tax_free) },
    { key: "vat", value: (l) => won(l.net_vat) },
  ];
  const data = report.data;

  return (
    <Stack>
      <PageHeader title={t("settlement.title")} description={t("settlement.description")} />
      <PeriodPicker choice={choice} testId="settlement">
        <Switch
          label={t("settlement.bySalesType")}
          checked={bySalesType}
          onChange={(e) => {
            const on = e.currentTarget.checked;
            setBySalesType(on);
            savePref("settlement.bySalesType", on);
          }}
          mb={8}
          data-testid="settlement-sales-type"
        />
        <Button ml="auto" leftSection={<IconFileSpreadsheet size={16} />} loading={exportIt.isPending} onClick={() => exportIt.mutate()} disabled={!data} data-testid="settlement-export">
          {t("settlement.export")}
        </Button>
      </PeriodPicker>
      {exportIt.data && (
        <Alert color="green" withCloseButton onClose={() => exportIt.reset()} data-testid="settlement-exported">
          <Group justify="space-between">
            <Text size="sm">{t("settlement.exported", { name: exportIt.data })}</Text>
            <Button size="xs" variant="light" leftSection={<IconFolderOpen size={14} />} onClick={() => reveal.mutate()}>
              {t("settlement.openFolder")}
            </Button>
          </Group>
        </Alert>
      )}
      {(exportIt.error ?? reveal.error) && <ErrorAlert error={exportIt.error ?? reveal.error} />}
      {report.error && <ErrorAlert error={report.error} onRetry={() => void report.refetch()} retrying={report.isFetching} />}
      {data && (
        <Paper withBorder>
          <Table striped data-testid="settlement-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>PG</Table.Th>
                {data.by_sales_type && <Table.Th style={{ whiteSpace: "nowrap" }}>{t("settlement.cols.salesType")}</Table.Th>}
                {cols.map((c) => (
                  <Table.Th key={c.key} ta="right" style={{ whiteSpace: "nowrap" }}>
                    {t(`settlement.cols.${c.key}`)}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.lines.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={cols.length + (data.by_sales_type ? 2 : 1)}>
                    <Text size="sm" c="dimmed">
                      {t("settlement.empty")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {[...data.lines.map((l) => ({ line: l, total: false })), ...(data.lines.length > 0 ? [{ line: data.total, total: true }] : [])].map(({ line, total }) => (
                <Table.Tr key={total ? "__total" : `${line.pg_provider}/${line.sales_type ?? ""}`} fw={total ? 700 : undefined} data-testid={total ? "settlement-total" : "settlement-line"}>
                  <Table.Td>{total ? t("settlement.total") : line.pg_provider || t("settlement.noPg")}</Table.Td>
                  {data.by_sales_type && (
                    <Table.Td style={{ whiteSpace: "nowrap" }} data-testid="settlement-sales-type-cell">
                      {line.sales_type && !total ? t(`settlement.salesType.${line.sales_type}`) : ""}
                    </Table.Td>
                  )}
                  {cols.map((c) => (
                    <Table.Td key={c.key} ta="right" style={{ whiteSpace: "nowrap" }}>
                      {c.value(line)}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {data && data.total.estimated_count > 0 && (
        <Text size="sm" c="dimmed" data-testid="settlement-estimated">
          {t("settlement.estimated", { count: data.total.estimated_count })}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {t("settlement.note")}
      </Text>
    </Stack>
  );
}
