import { Alert, Button, Divider, Grid, Group, Loader, Paper, PasswordInput, Select, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { IconCircleCheck } from "@tabler/icons-react";
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { commands, type ChargeResult, type Customer, type KeyForm } from "../../bindings";
import { LiveConfirm } from "../../components/LiveConfirm";
import { parseWon } from "../../lib/money";
import { useApp } from "../../AppContext";
import { BackLink } from "../../layout/BackLink";
import { PageHeader } from "../../layout/PageHeader";
import { groupCardNumber, validateKeyForm, type FieldErrors, type KeyFormValues } from "../../lib/cardValidation";
import { errorText, toIpcError } from "../../lib/errors";
import { formatDateTime, formatKrw } from "../../lib/format";

const EMPTY_CARD = { number: "", expiry: "", birth: "", pwd_2digit: "" };

function problemsOf(e: unknown): FieldErrors | null {
  const err = toIpcError(e);
  if (err.code !== "invalid_form" || !err.details || typeof err.details !== "object" || Array.isArray(err.details)) return null;
  const problems = (err.details as { problems?: unknown }).problems;
  if (!Array.isArray(problems)) return null;
  const out: FieldErrors = {};
  for (const p of problems as { field: string; code: string }[]) out[p.field as keyof FieldErrors] = p.code;
  return out;
}

/** Issues a billing key over REST. Card data lives in this component's state only until submit. */
export function IssueKeyForm() {
  const { t } = useTranslation();
  const { settings, lang, status } = useApp();
  const navigate = useNavigate();
  const [form, setForm] = useState<KeyForm | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [values, setValues] = useState<KeyFormValues>({
    customer_uid: "",
    pg: "",
    ...EMPTY_CARD,
    corporate: false,
    customer_name: "",
    customer_tel: "",
    customer_email: "",
    customer_id: "",
  });
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [submitting, setSubmitting] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [issued, setIssued] = useState<Customer | null>(null);
  const [withCharge, setWithCharge] = useState(false);
  const [chargeAmount, setChargeAmount] = useState("");
  const [chargeName, setChargeName] = useState("");
  const [charged, setCharged] = useState<ChargeResult | null>(null);
  const [confirming, setConfirming] = useState<null | (() => void)>(null);

  useEffect(() => {
    commands
      .keyForm()
      .then((f) => {
        setForm(f);
        setValues((v) => ({ ...v, customer_uid: v.customer_uid || f.suggested_customer_uid, pg: v.pg || (f.channels[0]?.pg ?? "") }));
      })
      .catch((e: unknown) => setLoadError(errorText(t, e)));
  }, [t]);

  const rules = useMemo(() => form?.rules ?? [], [form]);
  const errors = useMemo(() => ({ ...validateKeyForm(values, rules), ...serverErrors }), [values, rules, serverErrors]);
  const rule = rules.find((r) => r.pg_provider === values.pg.split(".")[0]);
  const set = (field: keyof KeyFormValues, value: string | boolean) => {
    setServerErrors((s) => ({ ...s, [field === "number" ? "card_number" : field]: undefined }));
    setValues((v) => ({ ...v, [field]: value }));
  };
  const touch = (field: string) => setTouched((s) => new Set(s).add(field));
  const shown = (field: keyof FieldErrors) => {
    const code = errors[field];
    return code && touched.has(field) ? t(`customers.fieldErrors.${code}`) : undefined;
  };

  const firstChargeAllowed = rule?.first_charge_keeps_key ?? false;
  const chargeWon = parseWon(chargeAmount);
  const chargeErrors = {
    amount: withCharge && (chargeWon === null || chargeWon < 1) ? t("money.charge.errAmount") : null,
    name: withCharge && (chargeName.trim() === "" || [...chargeName.trim()].length > 40) ? t("money.charge.errName") : null,
  };

  const submit = async (confirmedTotal: number | null = null) => {
    setTouched(new Set(["customer_uid", "pg", "card_number", "expiry", "birth", "pwd_2digit", "customer_name", "customer_tel", "customer_email", "customer_id", "charge"]));
    if (Object.values(errors).some(Boolean)) return;
    const charging = withCharge && firstChargeAllowed;
    if (charging && (chargeErrors.amount || chargeErrors.name)) return;
    if (charging && status.active_profile.mode === "live" && confirmedTotal === null) {
      setConfirming(() => () => void submit(chargeWon));
      return;
    }
    const input = {
      customer_uid: values.customer_uid.trim(),
      pg: values.pg,
      card: {
        number: values.number,
        expiry: values.expiry,
        birth: values.birth.trim() || null,
        pwd_2digit: values.pwd_2digit.trim() || null,
        corporate: values.corporate,
      },
      customer_name: values.customer_name.trim() || null,
      customer_tel: values.customer_tel.trim() || null,
      customer_email: values.customer_email.trim() || null,
      customer_id: values.customer_id.trim() || null,
    };
    // The card leaves the UI's state as soon as the request is built.
    setValues((v) => ({ ...v, ...EMPTY_CARD }));
    setTouched(new Set());
    setSubmitting(true);
    setFailure(null);
    try {
      if (charging && chargeWon !== null) {
        const result = await commands.issueKeyWithCharge(input, { amount: chargeWon, name: chargeName.trim(), confirmed_total: confirmedTotal });
        setCharged(result);
        if (result.status === "paid") setIssued((await commands.customerDetail(input.customer_uid)).customer);
      } else {
        setIssued(await commands.issueKey(input));
      }
    } catch (e) {
      const fields = problemsOf(e);
      if (fields) {
        setServerErrors(fields);
        setTouched(new Set(Object.keys(fields)));
      } else setFailure(errorText(t, e));
    } finally {
      setSubmitting(false);
    }
  };

  const years = useMemo(() => {
    const now = new Date().getUTCFullYear();
    return Array.from({ length: 16 }, (_, i) => String(now + i));
  }, []);
  const [expYear, expMonth] = values.expiry ? values.expiry.split("-") : ["", ""];
  const setExpiry = (year: string | undefined, month: string | undefined) => {
    touch("expiry");
    set("expiry", year && month ? `${year}-${month}` : year || month ? `${year ?? ""}-${month ?? ""}` : "");
  };

  const back = <BackLink to="/customers" label={t("customers.detail.back")} />;

  if (issued) {
    return (
      <Stack maw={720}>
        {back}
        <Alert color="green" icon={<IconCircleCheck />} title={t("customers.issue.successTitle")} data-testid="issue-success">
          {t("customers.issue.successBody")}
          {charged?.status === "paid" && <Text size="sm" mt={4}>{t("customers.issue.firstChargePaid", { amount: formatKrw(charged.amount, lang) })}</Text>}
        </Alert>
        <Paper withBorder p="md">
          <Table withRowBorders={false} data-testid="issued-key">
            <Table.Tbody>
              {[
                ["customer_uid", issued.customer_uid],
                [t("customers.detail.pgProvider"), [issued.pg_provider, issued.pg_id].filter(Boolean).join(" · ")],
                [t("customers.detail.cardName"), issued.card_name ?? "—"],
                [t("customers.detail.cardNumber"), issued.card_number ?? "—"],
                [t("customers.detail.issuedAt"), formatDateTime(issued.issued_at, settings.time_zone, lang)],
              ].map(([k, v]) => (
                <Table.Tr key={k}>
                  <Table.Td w={180} c="dimmed">
                    {k}
                  </Table.Td>
                  <Table.Td ff={k === "customer_uid" ? "monospace" : undefined}>{v}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
        <Group>
          <Button onClick={() => void navigate(`/customers/${encodeURIComponent(issued.customer_uid)}`)} data-testid="open-issued">
            {t("customers.issue.openCustomer")}
          </Button>
          <Button
            variant="default"
            onClick={() => {
              setIssued(null);
              setCharged(null);
              void commands.newCustomerUid().then((uid) => set("customer_uid", uid));
            }}
          >
            {t("customers.issue.issueAnother")}
          </Button>
        </Group>
      </Stack>
    );
  }

  return (
    <Stack maw={820}>
      {back}
      <PageHeader title={t("customers.issue.title")} description={t("customers.issue.description")} />
      {loadError && (
        <Alert color="red" data-testid="issue-load-error">
          {loadError}
        </Alert>
      )}
      {!form && !loadError && <Loader />}
      {form && form.channels.length === 0 && <Alert color="yellow">{t("customers.issue.noChannels")}</Alert>}
      {form && form.channels.length > 0 && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
          autoComplete="off"
          noValidate
        >
          <Paper withBorder p="lg">
            <Stack gap="md">
              <Grid>
                <Grid.Col span={6}>
                  <Select
                    label={t("customers.issue.channel")}
                    description={t("customers.issue.channelHelp")}
                    data={form.channels.map((c) => ({ value: c.pg, label: `${c.channel_name ?? c.pg_provider} (${c.pg})` }))}
                    value={values.pg}
                    onChange={(v) => set("pg", v ?? "")}
                    allowDeselect={false}
                    error={shown("pg")}
                    data-testid="issue-pg"
                  />
                </Grid.Col>
                <Grid.Col span={6}>
                  <TextInput
                    label={t("customers.issue.customerUid")}
                    description={t("customers.issue.customerUidHelp")}
                    value={values.customer_uid}
                    onChange={(e) => set("customer_uid", e.currentTarget.value)}
                    onBlur={() => touch("customer_uid")}
                    error={shown("customer_uid")}
                    styles={{ input: { fontFamily: "monospace" } }}
                    rightSectionWidth={90}
                    rightSection={
                      <Button size="compact-xs" variant="subtle" onClick={() => void commands.newCustomerUid().then((uid) => set("customer_uid", uid))}>
                        {t("customers.issue.generate")}
                      </Button>
                    }
                    data-testid="issue-customer-uid"
                  />
                </Grid.Col>
              </Grid>

              <Divider label={t("customers.issue.card")} labelPosition="left" />
              <Grid>
                <Grid.Col span={6}>
                  <TextInput
                    label={t("customers.issue.cardNumber")}
                    placeholder="0000-0000-0000-0000"
                    inputMode="numeric"
                    value={values.number}
                    onChange={(e) => set("number", groupCardNumber(e.currentTarget.value))}
                    onBlur={() => touch("card_number")}
                    error={shown("card_number")}
                    styles={{ input: { fontFamily: "monospace", letterSpacing: 1 } }}
                    data-testid="issue-card-number"
                  />
                </Grid.Col>
                <Grid.Col span={3}>
                  <Select
                    label={t("customers.issue.expiry")}
                    placeholder={t("customers.issue.expiryMonth")}
                    data={Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(2, "0"))}
                    value={expMonth || null}
                    onChange={(m) => setExpiry(expYear, m ?? undefined)}
                    error={shown("expiry")}
                    data-testid="issue-expiry-month"
                  />
                </Grid.Col>
                <Grid.Col span={3}>
                  <Select
                    label={"\u00a0"}
                    placeholder={t("customers.issue.expiryYear")}
                    data={years}
                    value={expYear || null}
                    onChange={(y) => setExpiry(y ?? undefined, expMonth)}
                    data-testid="issue-expiry-year"
                  />
                </Grid.Col>
                <Grid.Col span={12}>
                  <Switch
                    label={t("customers.issue.corporate")}
                    checked={values.corporate}
                    onChange={(e) => set("corporate", e.currentTarget.checked)}
                    data-testid="issue-corporate"
                  />
                </Grid.Col>
                <Grid.Col span={6}>
                  <TextInput
                    label={values.corporate ? t("customers.issue.businessNumber") : t("customers.issue.birth")}
                    inputMode="numeric"
                    maxLength={values.corporate ? 10 : 6}
                    value={values.birth}
                    onChange={(e) => set("birth", e.currentTarget.value.replace(/\D/g, ""))}
                    onBlur={() => touch("birth")}
                    error={shown("birth")}
                    withAsterisk={values.corporate || (rule?.birth_required ?? true)}
                    data-testid="issue-birth"
                  />
                </Grid.Col>
                {!values.corporate && (
                  <Grid.Col span={6}>
                    <PasswordInput
                      label={t("customers.issue.pwd2digit")}
                      inputMode="numeric"
                      maxLength={2}
                      value={values.pwd_2digit}
                      onChange={(e) => set("pwd_2digit", e.currentTarget.value.replace(/\D/g, ""))}
                      onBlur={() => touch("pwd_2digit")}
                      error={shown("pwd_2digit")}
                      withAsterisk={rule?.pwd_2digit_required ?? true}
                      data-testid="issue-pwd"
                    />
                  </Grid.Col>
                )}
              </Grid>

              <Divider label={t("customers.issue.holder")} labelPosition="left" />
              <Grid>
                <Grid.Col span={6}>
                  <TextInput
                    label={t("customers.issue.customerName")}
                    description={rule?.customer_name_required ? undefined : t("customers.issue.optional")}
                    withAsterisk={rule?.customer_name_required}
                    value={values.customer_name}
                    onChange={(e) => set("customer_name", e.currentTarget.value)}
                    onBlur={() => touch("customer_name")}
                    error={shown("customer_name")}
                    data-testid="issue-name"
                  />
                </Grid.Col>
                <Grid.Col span={6}>
                  <TextInput
                    label={t("customers.issue.customerTel")}
                    description={t("customers.issue.optional")}
                    value={values.customer_tel}
                    onChange={(e) => set("customer_tel", e.currentTarget.value)}
                    onBlur={() => touch("customer_tel")}
                    error={shown("customer_tel")}
                    data-testid="issue-tel"
                  />
                </Grid.Col>
                <Grid.Col span={6}>
                  <TextInput
                    label={t("customers.issue.customerEmail")}
                    description={t("customers.issue.optional")}
                    value={values.customer_email}
                    onChange={(e) => set("customer_email", e.currentTarget.value)}
                    onBlur={() => touch("customer_email")}
                    error={shown("customer_email")}
                    data-testid="issue-email"
                  />
                </Grid.Col>
                {rule?.customer_id_required && (
                  <Grid.Col span={6}>
                    <TextInput
                      label={t("customers.issue.customerId")}
                      description={t("customers.issue.customerIdHelp")}
                      withAsterisk
                      value={values.customer_id}
                      onChange={(e) => set("customer_id", e.currentTarget.value)}
                      onBlur={() => touch("customer_id")}
                      error={shown("customer_id")}
                      data-testid="issue-customer-id"
                    />
                  </Grid.Col>
                )}
              </Grid>

              <Divider label={t("customers.issue.firstCharge")} labelPosition="left" />
              <Stack gap="xs">
                <Switch
                  label={t("customers.issue.firstCharge")}
                  description={firstChargeAllowed ? t("customers.issue.firstChargeHelp") : t("customers.issue.firstChargeUnsupported")}
                  disabled={!firstChargeAllowed}
                  checked={withCharge && firstChargeAllowed}
                  onChange={(e) => setWithCharge(e.currentTarget.checked)}
                  data-testid="issue-with-charge"
                />
                {withCharge && firstChargeAllowed && (
                  <Grid>
                    <Grid.Col span={6}>
                      <TextInput
                        label={t("customers.issue.firstChargeAmount")}
                        inputMode="numeric"
                        value={chargeAmount}
                        onChange={(e) => setChargeAmount(e.currentTarget.value)}
                        error={touched.has("charge") ? chargeErrors.amount : null}
                        data-testid="issue-charge-amount"
                      />
                    </Grid.Col>
                    <Grid.Col span={6}>
                      <TextInput
                        label={t("customers.issue.firstChargeName")}
                        maxLength={40}
                        value={chargeName}
                        onChange={(e) => setChargeName(e.currentTarget.value)}
                        error={touched.has("charge") ? chargeErrors.name : null}
                        data-testid="issue-charge-name"
                      />
                    </Grid.Col>
                  </Grid>
                )}
              </Stack>

              {charged && charged.status === "declined" && (
                <Alert color="red" title={t("customers.issue.firstChargeDeclinedTitle")} data-testid="issue-charge-declined">
                  {charged.fail_reason}
                </Alert>
              )}
              {charged && charged.status === "unknown" && (
                <Alert color="yellow" title={t("customers.issue.firstChargeUnknownTitle")} data-testid="issue-charge-unknown">
                  {t("customers.issue.firstChargeUnknownBody", { merchant_uid: charged.merchant_uid })}
                </Alert>
              )}
              {failure && (
                <Alert color="red" title={t("customers.issue.failedTitle")} data-testid="issue-failure">
                  {failure}
                </Alert>
              )}
              <Group justify="flex-end">
                <Button type="submit" loading={submitting} data-testid="issue-submit">
                  {submitting ? t("customers.issue.submitting") : t("customers.issue.submit")}
                </Button>
              </Group>
            </Stack>
          </Paper>
        </form>
      )}
      <LiveConfirm
        opened={confirming !== null}
        lines={[{ customer: values.customer_name.trim() || values.customer_uid, amount: chargeWon ?? 0 }]}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          const go = confirming;
          setConfirming(null);
          go?.();
        }}
      />
    </Stack>
  );
}
