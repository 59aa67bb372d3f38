import { Alert, Badge, Button, Group, Select, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconShieldCheck } from "@tabler/icons-react";
import { useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { commands, type AuditEntry } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { PageHeader } from "../../layout/PageHeader";
import { AUDIT_GROUPS, auditActionText, auditInputs, auditOutcome } from "../../lib/audit";
import { formatDateTime } from "../../lib/format";
import { call } from "../../lib/ipc";
import { auditPages, dayRangeQuery } from "../../lib/queries";

/** The profile's audit log: filtered, described in the UI's language, and verified. */
export function AuditPage() {
  const { t } = useTranslation();
  const { zone, lang, profileId } = useApp();
  const [group, setGroup] = useState<string | null>(null);
  const [customer, setCustomer] = useState("");
  const [problemsOnly, setProblemsOnly] = useState(false);
  const [debouncedCustomer] = useDebouncedValue(customer.trim(), 250);
  // Typed days: their bounds are Rust's, in the zone the entries' times are shown in.
  const [firstDay, setFirstDay] = useState("");
  const [lastDay, setLastDay] = useState("");
  const [typedDays] = useDebouncedValue([firstDay.trim(), lastDay.trim()] as const, 300);
  const anyDay = typedDays[0] !== "" || typedDays[1] !== "";
  const days = useQuery({ ...dayRangeQuery(typedDays[0] || null, typedDays[1] || null, zone), enabled: anyDay });
  const bounds = anyDay ? days.data : { from: null, to: null };
  const log = useInfiniteQuery({
    ...auditPages(profileId, {
      action: group ? `${group}.` : null,
      customer_uid: debouncedCustomer || null,
      from: bounds?.from ?? null,
      // The store's `to` is exclusive; the last day's bound is its last second.
      to: bounds?.to == null ? null : bounds.to + 1,
      problems_only: problemsOnly,
      limit: 100,
    }),
    // Until typed days have bounds (or while they are not days) nothing is asked.
    enabled: bounds !== undefined,
  });
  const entries = log.data?.pages.flatMap((p) => p.entries) ?? [];
  const total = log.data?.pages[0]?.total ?? 0;

  const verify = useMutation({ mutationFn: () => call(commands.verifyAudit()), meta: { inlineError: true } });
  const verdict = verify.data;

  return (
    <Stack>
      <PageHeader title={t("audit.title")} description={t("audit.description")} />
      <Group align="flex-end" wrap="wrap">
        <Select
          label={t("audit.filters.action")}
          data={[{ value: "", label: t("audit.filters.all") }, ...AUDIT_GROUPS.map((g) => ({ value: g, label: t(`audit.groups.${g}`, { defaultValue: g }) }))]}
          value={group ?? ""}
          onChange={(v) => setGroup(v || null)}
          allowDeselect={false}
          w={200}
          data-testid="audit-action"
        />
        <TextInput
          label={t("audit.filters.customer")}
          placeholder={t("audit.filters.customerPlaceholder")}
          value={customer}
          onChange={(e) => setCustomer(e.currentTarget.value)}
          w={240}
          data-testid="audit-customer"
        />
        {(["first", "last"] as const).map((side) => (
          <TextInput
            key={side}
            w={120}
            label={t(`audit.filters.${side}Day`)}
            placeholder={t("money.payments.dayPlaceholder")}
            value={side === "first" ? firstDay : lastDay}
            onChange={(e) => (side === "first" ? setFirstDay : setLastDay)(e.currentTarget.value)}
            error={anyDay && days.isError ? t("customers.fieldErrors.date_format") : null}
            data-testid={`audit-${side}-day`}
          />
        ))}
        <Switch label={t("audit.filters.problems")} checked={problemsOnly} onChange={(e) => setProblemsOnly(e.currentTarget.checked)} mb={8} data-testid="audit-problems" />
        <Button ml="auto" variant="light" leftSection={<IconShieldCheck size={16} />} loading={verify.isPending} onClick={() => verify.mutate()} data-testid="audit-verify">
          {t("audit.verify")}
        </Button>
      </Group>
      {verdict && (
        <Alert color={verdict.ok ? "green" : "red"} data-testid="audit-verdict" withCloseButton onClose={() => verify.reset()}>
          {verdict.ok || !verdict.problem
            ? t("audit.verifyOk", { count: verdict.checked })
            : t("audit.verifyBroken", { id: verdict.problem.id, kind: t(`audit.problemKind.${verdict.problem.kind}`) })}
        </Alert>
      )}
      {verify.error && <ErrorAlert error={verify.error} />}
      {log.error && <ErrorAlert error={log.error} onRetry={() => void log.refetch()} retrying={log.isFetching} />}
      {log.data && (
        <Text size="sm" c="dimmed" data-testid="audit-count">
          {t("audit.count", { total: total.toLocaleString(lang), shown: entries.length.toLocaleString(lang) })}
        </Text>
      )}
      {log.data && entries.length === 0 && <Text c="dimmed">{t("audit.empty")}</Text>}
      {entries.length > 0 && (
        <Table striped verticalSpacing={6} data-testid="audit-table">
          <Table.Thead>
            <Table.Tr>
              {(["at", "action", "details", "user", "outcome"] as const).map((k) => (
                <Table.Th key={k} style={{ whiteSpace: "nowrap" }}>
                  {t(`audit.cols.${k}`)}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map((e) => (
              <AuditRow key={e.id} entry={e} when={formatDateTime(e.at, zone, lang)} />
            ))}
          </Table.Tbody>
        </Table>
      )}
      {log.hasNextPage && (
        <Button variant="default" onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage} data-testid="audit-more">
          {t("audit.more")}
        </Button>
      )}
    </Stack>
  );
}

/** Inputs whose values are codes, and where their words are (a code without words shows as it is). */
const CODED_VALUES: Record<string, string> = { kind: "triage.kind" };

function AuditRow({ entry, when }: { entry: AuditEntry; when: string }) {
  const { t } = useTranslation();
  const inputs = auditInputs(entry.inputs);
  const customer = inputs.find((i) => i.key === "customer_uid")?.value;
  return (
    <Table.Tr data-testid="audit-row" data-action={entry.action}>
      <Table.Td style={{ whiteSpace: "nowrap" }}>{when}</Table.Td>
      <Table.Td miw={120}>{auditActionText(t, entry.action)}</Table.Td>
      <Table.Td>
        <Text size="xs" style={{ wordBreak: "break-all" }}>
          {customer && (
            <Link to={`/customers/${encodeURIComponent(customer)}`} style={{ marginRight: 6 }}>
              {customer}
            </Link>
          )}
          {/* Only the facts a person reads (the keys with a name in the UI's language). */}
          {inputs
            .flatMap((i) => {
              const label = i.key ? t(`audit.inputKeys.${i.key}`, { defaultValue: "" }) : "";
              const coded = CODED_VALUES[i.key];
              const value = coded ? t(`${coded}.${i.value}`, { defaultValue: i.value }) : i.value;
              return label && i.key !== "customer_uid" ? [`${label}: ${value}`] : [];
            })
            .join(" · ")}
        </Text>
      </Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>
        {entry.os_user ?? (
          <Text span size="xs" c="dimmed">
            {t("audit.noUser")}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Badge color={entry.problem ? "red" : "gray"} variant="light" style={{ textTransform: "none" }}>
          {auditOutcome(t, entry.outcome)}
        </Badge>
      </Table.Td>
    </Table.Tr>
  );
}
