import { Alert, Button, Grid, Group, Loader, Modal, Paper, Stack, TagsInput, Table, Tabs, Text, Textarea, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconCalendarPlus, IconCreditCard, IconRefresh, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { Channel } from "@tauri-apps/api/core";
import { commands, type Customer, type SyncProgress } from "../../bindings";
import { useApp } from "../../AppContext";
import { auditActionText, auditOutcome } from "../../lib/audit";
import { ErrorAlert } from "../../components/ErrorAlert";
import { BackLink } from "../../layout/BackLink";
import { PaymentStatusBadge } from "../../layout/PaymentStatusBadge";
import { formError, required, showRustFieldErrors } from "../../lib/forms";
import { formatDateTime, formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { notifyError } from "../../lib/notify";
import { customerQuery, customerRefreshQuery, invalidate, keyLiveSchedulesQuery } from "../../lib/queries";
import { PaymentDrawer } from "../payments/PaymentDrawer";
import { SubscriptionSection } from "../plans/SubscriptionSection";
import { ScheduleDrawer } from "../schedules/ScheduleDrawer";
import { ScheduleModal } from "../schedules/ScheduleModal";
import { ScheduleStateBadge } from "../schedules/ScheduleStateBadge";
import { ChargeModal } from "./ChargeModal";
import { KeyStatusBadge } from "./KeyStatusBadge";

export function CustomerPage() {
  const { uid = "" } = useParams();
  // Another customer is another page: its forms start from that customer's values.
  return <CustomerView key={uid} uid={uid} />;
}

function CustomerView({ uid }: { uid: string }) {
  const { t } = useTranslation();
  const { zone, lang, status, profileId } = useApp();
  const client = useQueryClient();
  // The stored record at once, then PortOne's latest (payments and the key's presence).
  const detailAnswer = useQuery(customerQuery(profileId, uid));
  const refreshAnswer = useQuery(customerRefreshQuery(client, profileId, uid));
  const detail = detailAnswer.data;
  const [deleting, setDeleting] = useState(false);
  const [charging, setCharging] = useState(false);
  // A payment row opens the payments page's drawer: its facts and the one refund form.
  const [openPayment, setOpenPayment] = useState<string | null>(null);
  const [scheduling, setScheduling] = useState(false);
  const [openSchedule, setOpenSchedule] = useState<string | null>(null);
  const [revokingAll, setRevokingAll] = useState(false);
  // Opening the delete dialog asks i'mport what the key still has waiting: those are
  // revoked first, and the key is kept if any cannot be.
  const live = useQuery({ ...keyLiveSchedulesQuery(profileId, uid), enabled: deleting });
  const when = (s: number | null | undefined) => formatDateTime(s, zone, lang);
  const changed = () => invalidate(client, profileId, "customers", uid);

  const verify = useMutation({
    mutationFn: () => call(commands.verifyKeysNow([uid], new Channel<SyncProgress>())),
    onSuccess: async (report) => {
      notifications.show({
        color: report.active > 0 ? "green" : "red",
        message: report.active > 0 ? t("customers.detail.verified") : t("customers.detail.verifiedGone"),
      });
      await changed();
    },
  });

  const deleteForm = useForm({ initialValues: { reason: "" }, validate: { reason: required(t) } });
  const remove = useMutation({
    mutationFn: (reason: string) => call(commands.deleteKey(uid, reason)),
    meta: { inlineError: true },
    onSuccess: async (done) => {
      notifications.show({
        color: "green",
        message: done.revoked.length > 0 ? t("schedules.deleteKey.revokedAndDeleted", { count: done.revoked.length }) : t("customers.detail.deleted"),
      });
      setDeleting(false);
      deleteForm.reset();
      await changed();
    },
    onError: (e) => showRustFieldErrors(deleteForm, e, t),
    // Revoked or not, the schedules changed (or were looked up) at i'mport.
    onSettled: () => invalidate(client, profileId, "money", uid),
  });
  const revokeAll = useMutation({
    mutationFn: () => call(commands.revokeSchedules(uid, [])),
    meta: { inlineError: true },
    onSuccess: (rs) => {
      setRevokingAll(false);
      notifications.show({ color: "green", message: rs.length > 0 ? t("schedules.customer.revokedAll", { count: rs.length }) : t("schedules.customer.nothingToRevoke") });
    },
    onSettled: () => invalidate(client, profileId, "money", uid),
  });
  const liveCount = live.data?.length ?? 0;
  const deleteError = formError(deleteForm, remove.error);

  const back = <BackLink to="/customers" label={t("customers.detail.back")} />;

  if (detailAnswer.error && !detail) {
    return (
      <Stack>
        {back}
        <ErrorAlert error={detailAnswer.error} onRetry={() => void detailAnswer.refetch()} retrying={detailAnswer.isFetching} testId="customer-error" />
      </Stack>
    );
  }
  if (!detail) return <Loader />;
  const c = detail.customer;
  const row = (label: string, value: React.ReactNode) => (
    <Table.Tr key={label}>
      <Table.Td w={150} c="dimmed">
        {label}
      </Table.Td>
      <Table.Td>{value}</Table.Td>
    </Table.Tr>
  );

  return (
    <Stack>
      {back}
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Group gap="xs">
            <Title order={2} data-testid="page-title">
              {c.customer_name ?? c.customer_uid}
            </Title>
            <KeyStatusBadge status={c.key_status} />
          </Group>
          <Text ff="monospace" size="sm" c="dimmed" data-testid="customer-uid">
            {c.customer_uid}
          </Text>
        </Stack>
        <Group gap="xs">
          <Button leftSection={<IconCreditCard size={16} />} disabled={c.key_status !== "active" || status.active_profile.read_only} onClick={() => setCharging(true)} data-testid="charge-now">
            {t("money.charge.button")}
          </Button>
          <Button variant="default" leftSection={<IconRefresh size={16} />} loading={verify.isPending} onClick={() => verify.mutate()} data-testid="verify-key">
            {t("customers.detail.verify")}
          </Button>
          <Button color="red" variant="light" leftSection={<IconTrash size={16} />} disabled={c.key_status === "deleted"} onClick={() => setDeleting(true)} data-testid="delete-key">
            {t("customers.detail.deleteKey")}
          </Button>
        </Group>
      </Group>
      {refreshAnswer.isFetching && (
        <Group gap={6}>
          <Loader size="xs" />
          <Text size="xs" c="dimmed">
            {t("customers.detail.refreshing")}
          </Text>
        </Group>
      )}
      {refreshAnswer.error && <ErrorAlert color="orange" title={t("customers.detail.refreshFailed")} error={refreshAnswer.error} onRetry={() => void refreshAnswer.refetch()} retrying={refreshAnswer.isFetching} testId="customer-refresh-error" />}

      <Grid>
        <Grid.Col span={6}>
          <Paper withBorder p="md" h="100%">
            <Title order={5} mb="xs">
              {t("customers.detail.key")}
            </Title>
            <Table withRowBorders={false} verticalSpacing={4} data-testid="key-card">
              <Table.Tbody>
                {row(t("customers.detail.pgProvider"), c.pg_provider ?? "—")}
                {row(t("customers.detail.pgId"), c.pg_id ?? "—")}
                {row(t("customers.detail.cardName"), c.card_name ?? "—")}
                {row(t("customers.detail.cardNumber"), <Text ff="monospace" size="sm">{c.card_number ?? "—"}</Text>)}
                {row(
                  t("customers.detail.cardType"),
                  c.card_type === 0 ? t("customers.cardType.credit") : c.card_type === 1 ? t("customers.cardType.check") : "—",
                )}
                {row(t("customers.detail.issuedAt"), when(c.issued_at))}
                {row(t("customers.detail.updatedAt"), when(c.updated_at))}
                {row(t("customers.detail.lastVerified"), c.last_verified_at ? when(c.last_verified_at) : t("customers.detail.never"))}
              </Table.Tbody>
            </Table>
          </Paper>
        </Grid.Col>
        <Grid.Col span={6}>
          <Paper withBorder p="md" h="100%">
            <Title order={5} mb="xs">
              {t("customers.detail.buyer")}
            </Title>
            <Table withRowBorders={false} verticalSpacing={4}>
              <Table.Tbody>
                {row(t("customers.detail.name"), c.customer_name ?? "—")}
                {row(t("customers.detail.tel"), c.customer_tel ?? "—")}
                {row(t("customers.detail.email"), c.customer_email ?? "—")}
                {row(t("customers.detail.addr"), c.customer_addr ?? "—")}
                {row(t("customers.detail.postcode"), c.customer_postcode ?? "—")}
              </Table.Tbody>
            </Table>
          </Paper>
        </Grid.Col>
      </Grid>

      <LocalFields customer={c} />

      <Tabs defaultValue="payments">
        <Tabs.List>
          <Tabs.Tab value="payments">{t("customers.detail.payments")}</Tabs.Tab>
          <Tabs.Tab value="schedules" data-testid="tab-schedules">
            {t("customers.detail.schedules")}
          </Tabs.Tab>
          <Tabs.Tab value="subscriptions" data-testid="tab-subscriptions">
            {t("plans.sub.tab")}
          </Tabs.Tab>
          <Tabs.Tab value="audit">{t("customers.detail.audit")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="subscriptions" pt="sm">
          <SubscriptionSection customer={c} />
        </Tabs.Panel>
        <Tabs.Panel value="payments" pt="sm">
          {detail.payments.items.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t("customers.detail.noPayments")}
            </Text>
          ) : (
            <Table striped data-testid="customer-payments">
              <Table.Thead>
                <Table.Tr>
                  {(["time", "name", "amount", "refunded", "status", "apply", "reason"] as const).map((k) => (
                    <Table.Th key={k}>{t(`customers.detail.paymentCols.${k}`)}</Table.Th>
                  ))}
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {detail.payments.items.map((p) => (
                  <Table.Tr key={p.imp_uid} data-testid="customer-payment">
                    <Table.Td>{when(p.event_at)}</Table.Td>
                    <Table.Td>{p.name ?? "—"}</Table.Td>
                    <Table.Td>{p.currency === "KRW" ? formatKrw(p.amount, lang) : `${p.amount_text} ${p.currency}`}</Table.Td>
                    <Table.Td c="orange" data-testid="customer-payment-refunded">
                      {p.cancel_amount > 0 ? formatKrw(p.cancel_amount, lang) : ""}
                    </Table.Td>
                    <Table.Td>
                      <PaymentStatusBadge status={p.status} />
                    </Table.Td>
                    <Table.Td ff="monospace">{p.apply_num ?? "—"}</Table.Td>
                    <Table.Td>{p.fail_reason ?? p.cancel_reason ?? ""}</Table.Td>
                    <Table.Td>
                      <Button size="compact-xs" variant="light" color={p.status === "paid" && p.cancel_amount < p.amount ? "orange" : "gray"} onClick={() => setOpenPayment(p.imp_uid)} data-testid="customer-payment-open">
                        {p.status === "paid" && p.cancel_amount < p.amount && !status.active_profile.read_only ? t("money.refund.button") : t("customers.detail.openPayment")}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="schedules" pt="sm">
          <Group justify="flex-end" gap="xs" mb="xs">
            <Button size="xs" variant="default" color="red" disabled={status.active_profile.read_only || !detail.schedules.items.some((s) => s.state === "scheduled")} onClick={() => setRevokingAll(true)} data-testid="schedules-revoke-all">
              {t("schedules.customer.revokeAll")}
            </Button>
            <Button size="xs" leftSection={<IconCalendarPlus size={14} />} disabled={c.key_status !== "active" || status.active_profile.read_only} onClick={() => setScheduling(true)} data-testid="schedule-add">
              {t("schedules.customer.add")}
            </Button>
          </Group>
          {revokingAll && (
            <Alert color="red" mb="xs" data-testid="schedules-revoke-all-confirm">
              <Group justify="space-between">
                <Text size="sm">{t("schedules.customer.revokeAllConfirm")}</Text>
                <Group gap="xs">
                  <Button size="xs" variant="default" onClick={() => setRevokingAll(false)}>
                    {t("customers.detail.cancel")}
                  </Button>
                  <Button size="xs" color="red" loading={revokeAll.isPending} onClick={() => revokeAll.mutate()} data-testid="schedules-revoke-all-yes">
                    {t("schedules.customer.revokeAll")}
                  </Button>
                </Group>
              </Group>
            </Alert>
          )}
          {revokeAll.error && <ErrorAlert error={revokeAll.error} testId="schedules-revoke-all-error" />}
          {detail.schedules.items.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t("customers.detail.noSchedules")}
            </Text>
          ) : (
            <Table striped highlightOnHover data-testid="customer-schedules">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("schedules.col.at")}</Table.Th>
                  <Table.Th>{t("schedules.col.name")}</Table.Th>
                  <Table.Th>{t("schedules.col.amount")}</Table.Th>
                  <Table.Th>{t("schedules.col.state")}</Table.Th>
                  <Table.Th>{t("schedules.col.reason")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {detail.schedules.items.map((s) => (
                  <Table.Tr key={s.merchant_uid} style={{ cursor: "pointer" }} onClick={() => setOpenSchedule(s.merchant_uid)} data-testid="customer-schedule" data-merchant-uid={s.merchant_uid}>
                    <Table.Td>{formatDateTime(s.schedule_at, zone, lang)}</Table.Td>
                    <Table.Td>{s.name ?? "—"}</Table.Td>
                    <Table.Td>{formatKrw(s.amount, lang)}</Table.Td>
                    <Table.Td>
                      <ScheduleStateBadge state={s.state} />
                    </Table.Td>
                    <Table.Td>{s.fail_reason ?? ""}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="audit" pt="sm">
          {detail.audit.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t("customers.detail.noAudit")}
            </Text>
          ) : (
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  {(["at", "action", "outcome"] as const).map((k) => (
                    <Table.Th key={k}>{t(`customers.detail.auditCols.${k}`)}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {detail.audit.map((a) => (
                  <Table.Tr key={a.id}>
                    <Table.Td>{when(a.at)}</Table.Td>
                    <Table.Td>{auditActionText(t, a.action)}</Table.Td>
                    <Table.Td>{auditOutcome(t, a.outcome)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Tabs.Panel>
      </Tabs>

      <PaymentDrawer impUid={openPayment} onClose={() => setOpenPayment(null)} />
      <ChargeModal
        customer={c}
        opened={charging}
        // Paid, declined or still checking: the charge made the payments tab ask again.
        onClose={() => setCharging(false)}
      />

      <ScheduleModal customer={c} opened={scheduling} onClose={() => setScheduling(false)} />
      <ScheduleDrawer merchantUid={openSchedule} onClose={() => setOpenSchedule(null)} />

      <Modal opened={deleting} onClose={() => setDeleting(false)} title={t("customers.detail.deleteTitle")}>
        <form onSubmit={deleteForm.onSubmit(({ reason }) => remove.mutate(reason))}>
          <Stack>
            <Text size="sm">{t("customers.detail.deleteBody", { uid })}</Text>
            {live.isFetching ? (
              <Group gap={6}>
                <Loader size="xs" />
                <Text size="xs" c="dimmed">
                  {t("schedules.deleteKey.loading")}
                </Text>
              </Group>
            ) : live.error ? (
              <ErrorAlert error={live.error} onRetry={() => void live.refetch()} testId="delete-live-error" />
            ) : liveCount > 0 ? (
              <Alert color="orange" data-testid="delete-live-schedules">
                <Text size="sm">{t("schedules.deleteKey.some", { count: liveCount })}</Text>
                {live.data?.slice(0, 5).map((s) => (
                  <Text key={s.merchant_uid} size="xs">
                    {formatDateTime(s.schedule_at, zone, lang)} · {formatKrw(s.amount, lang)} · {s.name ?? ""}
                  </Text>
                ))}
              </Alert>
            ) : (
              <Text size="xs" c="dimmed" data-testid="delete-live-none">
                {t("schedules.deleteKey.none")}
              </Text>
            )}
            <Textarea label={t("customers.detail.deleteReason")} {...deleteForm.getInputProps("reason")} data-testid="delete-reason" withAsterisk />
            {deleteError !== null && <ErrorAlert error={deleteError} testId="delete-error" />}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDeleting(false)}>
                {t("customers.detail.cancel")}
              </Button>
              <Button type="submit" color="red" loading={remove.isPending} disabled={deleteForm.values.reason.trim() === "" || live.isFetching} data-testid="delete-confirm">
                {liveCount > 0 ? t("schedules.deleteKey.confirmWith", { count: liveCount }) : t("customers.detail.deleteConfirm")}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}

/** The customer's local notes and tags (kept in Subdesk, never sent to i'mport). */
function LocalFields({ customer }: { customer: Customer }) {
  const { t } = useTranslation();
  const { profileId } = useApp();
  const client = useQueryClient();
  const uid = customer.customer_uid;
  const form = useForm({ initialValues: { notes: customer.notes, tags: customer.tags } });
  const save = useMutation({
    mutationFn: async ({ notes, tags }: { notes: string; tags: string[] }) => {
      await call(commands.setCustomerNotes(uid, notes));
      return call(commands.setCustomerTags(uid, tags));
    },
    meta: { inlineError: true },
    onSuccess: async () => {
      notifications.show({ color: "green", message: t("customers.detail.saved") });
      await invalidate(client, profileId, "customers", uid);
    },
    // Too many tags, a note too long: under the field Rust named; anything else in passing.
    onError: (e) => {
      if (!showRustFieldErrors(form, e, t)) notifyError(e);
    },
  });
  return (
    <Paper withBorder p="md">
      <form onSubmit={form.onSubmit((values) => save.mutate(values))}>
        <Grid>
          <Grid.Col span={7}>
            <Textarea label={t("customers.detail.notes")} placeholder={t("customers.detail.notesPlaceholder")} autosize minRows={2} {...form.getInputProps("notes")} data-testid="customer-notes" />
          </Grid.Col>
          <Grid.Col span={5}>
            <TagsInput label={t("customers.detail.tags")} placeholder={t("customers.detail.tagsPlaceholder")} {...form.getInputProps("tags")} data-testid="customer-tags" />
            <Group justify="flex-end" mt="sm">
              <Button size="xs" type="submit" loading={save.isPending} data-testid="customer-save">
                {t("customers.detail.save")}
              </Button>
            </Group>
          </Grid.Col>
        </Grid>
      </form>
    </Paper>
  );
}
