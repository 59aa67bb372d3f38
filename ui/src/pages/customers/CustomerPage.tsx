import { Alert, Button, Grid, Group, Loader, Modal, Paper, Stack, TagsInput, Table, Tabs, Text, Textarea, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCreditCard, IconRefresh, IconTrash } from "@tabler/icons-react";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { Channel } from "@tauri-apps/api/core";
import { commands, type CustomerDetail, type SyncProgress } from "../../bindings";
import { useApp } from "../../AppContext";
import { BackLink } from "../../layout/BackLink";
import { PaymentStatusBadge } from "../../layout/PaymentStatusBadge";
import { errorText } from "../../lib/errors";
import { formatDateTime, formatKrw } from "../../lib/format";
import { ChargeModal } from "./ChargeModal";
import { KeyStatusBadge } from "./KeyStatusBadge";


export function CustomerPage() {
  const { uid = "" } = useParams();
  const { t } = useTranslation();
  const { settings, lang, status } = useApp();
  const [detail, setDetail] = useState<CustomerDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState(true);
  const [refreshFailed, setRefreshFailed] = useState(false);
  const [notes, setNotes] = useState("");
  const [tags, setTags] = useState<string[]>([]);
  const [deleting, setDeleting] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [charging, setCharging] = useState(false);
  const when = (s: number | null | undefined) => formatDateTime(s, settings.time_zone, lang);
  const fail = (e: unknown) => notifications.show({ color: "red", message: errorText(t, e) });

  const show = useCallback((d: CustomerDetail) => {
    setDetail(d);
    setNotes(d.customer.notes);
    setTags(d.customer.tags);
  }, []);

  // The cached record at once, then PortOne's latest (payments and the key's presence).
  useEffect(() => {
    let live = true;
    commands
      .customerDetail(uid)
      .then((d) => live && show(d))
      .catch((e: unknown) => live && setError(errorText(t, e)));
    commands
      .refreshCustomer(uid)
      .then((d) => live && show(d))
      .catch(() => live && setRefreshFailed(true))
      .finally(() => live && setRefreshing(false));
    return () => {
      live = false;
    };
  }, [uid, show, t]);

  const verify = async () => {
    setBusy(true);
    try {
      const report = await commands.verifyKeysNow([uid], new Channel<SyncProgress>());
      notifications.show({
        color: report.active > 0 ? "green" : "red",
        message: report.active > 0 ? t("customers.detail.verified") : t("customers.detail.verifiedGone"),
      });
      show(await commands.customerDetail(uid));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    try {
      await commands.deleteKey(uid, reason);
      notifications.show({ color: "green", message: t("customers.detail.deleted") });
      setDeleting(false);
      setReason("");
      show(await commands.customerDetail(uid));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const saveLocal = async () => {
    try {
      await commands.setCustomerNotes(uid, notes);
      show(await commands.setCustomerTags(uid, tags).then(() => commands.customerDetail(uid)));
      notifications.show({ color: "green", message: t("customers.detail.saved") });
    } catch (e) {
      fail(e);
    }
  };

  const back = <BackLink to="/customers" label={t("customers.detail.back")} />;

  if (error) {
    return (
      <Stack>
        {back}
        <Alert color="red" data-testid="customer-error">
          {error}
        </Alert>
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
          <Button variant="default" leftSection={<IconRefresh size={16} />} loading={busy} onClick={() => void verify()} data-testid="verify-key">
            {t("customers.detail.verify")}
          </Button>
          <Button color="red" variant="light" leftSection={<IconTrash size={16} />} disabled={c.key_status === "deleted"} onClick={() => setDeleting(true)} data-testid="delete-key">
            {t("customers.detail.deleteKey")}
          </Button>
        </Group>
      </Group>
      {refreshing && (
        <Group gap={6}>
          <Loader size="xs" />
          <Text size="xs" c="dimmed">
            {t("customers.detail.refreshing")}
          </Text>
        </Group>
      )}
      {refreshFailed && (
        <Text size="xs" c="orange">
          {t("customers.detail.refreshFailed")}
        </Text>
      )}

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

      <Paper withBorder p="md">
        <Grid>
          <Grid.Col span={7}>
            <Textarea label={t("customers.detail.notes")} placeholder={t("customers.detail.notesPlaceholder")} autosize minRows={2} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
          </Grid.Col>
          <Grid.Col span={5}>
            <TagsInput label={t("customers.detail.tags")} placeholder={t("customers.detail.tagsPlaceholder")} value={tags} onChange={setTags} />
            <Group justify="flex-end" mt="sm">
              <Button size="xs" onClick={() => void saveLocal()}>
                {t("customers.detail.save")}
              </Button>
            </Group>
          </Grid.Col>
        </Grid>
      </Paper>

      <Tabs defaultValue="payments">
        <Tabs.List>
          <Tabs.Tab value="payments">{t("customers.detail.payments")}</Tabs.Tab>
          <Tabs.Tab value="schedules">{t("customers.detail.schedules")}</Tabs.Tab>
          <Tabs.Tab value="audit">{t("customers.detail.audit")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="payments" pt="sm">
          {detail.payments.items.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t("customers.detail.noPayments")}
            </Text>
          ) : (
            <Table striped data-testid="customer-payments">
              <Table.Thead>
                <Table.Tr>
                  {(["time", "name", "amount", "status", "apply", "reason"] as const).map((k) => (
                    <Table.Th key={k}>{t(`customers.detail.paymentCols.${k}`)}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {detail.payments.items.map((p) => (
                  <Table.Tr key={p.imp_uid} data-testid="customer-payment">
                    <Table.Td>{when(p.event_at)}</Table.Td>
                    <Table.Td>{p.name ?? "—"}</Table.Td>
                    <Table.Td>{p.currency === "KRW" ? formatKrw(p.amount, lang) : `${p.amount_text} ${p.currency}`}</Table.Td>
                    <Table.Td>
                      <PaymentStatusBadge status={p.status} />
                    </Table.Td>
                    <Table.Td ff="monospace">{p.apply_num ?? "—"}</Table.Td>
                    <Table.Td>{p.fail_reason ?? p.cancel_reason ?? ""}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="schedules" pt="sm">
          {detail.schedules.items.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t("customers.detail.noSchedules")}
            </Text>
          ) : (
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  {(["at", "amount", "status", "result"] as const).map((k) => (
                    <Table.Th key={k}>{t(`customers.detail.scheduleCols.${k}`)}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {detail.schedules.items.map((s) => (
                  <Table.Tr key={s.merchant_uid}>
                    <Table.Td>{when(s.schedule_at)}</Table.Td>
                    <Table.Td>{formatKrw(s.amount, lang)}</Table.Td>
                    <Table.Td>{t(`customers.scheduleStatus.${s.schedule_status}`)}</Table.Td>
                    <Table.Td>{s.payment_status ? t(`customers.paymentStatus.${s.payment_status}`) : "—"}</Table.Td>
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
                    <Table.Td ff="monospace">{a.action}</Table.Td>
                    <Table.Td>{a.outcome}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Tabs.Panel>
      </Tabs>

      <ChargeModal
        customer={c}
        opened={charging}
        onClose={() => {
          setCharging(false);
          // Paid, declined or still checking: the payments tab shows what happened.
          void commands.customerDetail(uid).then(show).catch(fail);
        }}
      />

      <Modal opened={deleting} onClose={() => setDeleting(false)} title={t("customers.detail.deleteTitle")}>
        <Stack>
          <Text size="sm">{t("customers.detail.deleteBody", { uid })}</Text>
          <Textarea label={t("customers.detail.deleteReason")} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-testid="delete-reason" withAsterisk />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(false)}>
              {t("customers.detail.cancel")}
            </Button>
            <Button color="red" loading={busy} disabled={reason.trim() === ""} onClick={() => void remove()} data-testid="delete-confirm">
              {t("customers.detail.deleteConfirm")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
