import { Alert, Button, Divider, Grid, Group, Loader, Modal, Paper, PasswordInput, Select, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconCircleCheck } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { commands, type ChargeResult, type Customer, type IssueKeyInput, type KeyForm, type ProductType } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LiveConfirm } from "../../components/LiveConfirm";
import { ProductTypeSelect } from "../../components/ProductTypeSelect";
import { BackLink } from "../../layout/BackLink";
import { PageHeader } from "../../layout/PageHeader";
import { groupCardNumber, type KeyFormValues } from "../../lib/cardValidation";
import { formError, showRustFieldErrors, type FieldOptions } from "../../lib/forms";
import { formatDateTime, formatKrw } from "../../lib/format";
import { toIpcError } from "../../lib/errors";
import { call, errorCode } from "../../lib/ipc";
import { amountsQuery, invalidate, keyFormQuery, moneyRulesQuery } from "../../lib/queries";
import { shownAs, typedPhone, typedWon } from "../../lib/typed";

interface IssueValues extends KeyFormValues {
  with_charge: boolean;
  charge_amount: string;
  charge_name: string;
  product_type: ProductType | null;
}

const EMPTY_CARD = { card_number: "", expiry: "", birth: "", pwd_2digit: "" };

/** Rust's answers that ask a person to confirm replacing a key (one found, or one i'mport would not rule out). */
const asksToReplace = (e: unknown) => ["key_replaces_existing", "key_presence_unknown"].includes(errorCode(e));

/** Issues a billing key over REST, once Rust has said which channels can. */
export function IssueKeyForm() {
  const { t } = useTranslation();
  const { profileId } = useApp();
  const keyForm = useQuery(keyFormQuery(profileId));
  const back = <BackLink to="/customers" label={t("customers.detail.back")} />;
  const form = keyForm.data;
  if (form && form.channels.length > 0) return <IssueKey keyForm={form} back={back} />;
  return (
    <Stack maw={820}>
      {back}
      <PageHeader title={t("customers.issue.title")} description={t("customers.issue.description")} />
      {keyForm.error && <ErrorAlert error={keyForm.error} onRetry={() => void keyForm.refetch()} retrying={keyForm.isFetching} testId="issue-load-error" />}
      {keyForm.isPending && <Loader />}
      {form && <Alert color="yellow">{t("customers.issue.noChannels")}</Alert>}
    </Stack>
  );
}

/**
 * The card form. Rust checks it on submit and its problems land on the fields they name;
 * what was typed stays until the key is issued, so a typo can be corrected, and is cleared
 * then (and when the form closes).
 */
function IssueKey({ keyForm, back }: { keyForm: KeyForm; back: React.ReactNode }) {
  const { t } = useTranslation();
  const { zone, lang, status, profileId } = useApp();
  const client = useQueryClient();
  const navigate = useNavigate();
  const rules = keyForm.rules;
  const moneyRules = useQuery(moneyRulesQuery(profileId)).data;
  const form = useForm<IssueValues>({
    initialValues: {
      customer_uid: keyForm.suggested_customer_uid,
      pg: keyForm.channels[0]?.pg ?? "",
      ...EMPTY_CARD,
      corporate: false,
      customer_name: "",
      customer_tel: "",
      customer_email: "",
      customer_id: "",
      with_charge: false,
      charge_amount: "",
      charge_name: "",
      product_type: null,
    },
    // What is wrong is Rust's to say (every problem at once, on submit, before anything is
    // sent), and Rust reads the typed first-charge amount too (see `submit`).
  });
  const values = form.values;
  const rule = rules.find((r) => r.pg_provider === values.pg.split(".")[0]);
  function ruleOf(pg: string) {
    return rules.find((r) => r.pg_provider === pg.split(".")[0]);
  }
  /** A first charge goes with the key: chosen, or the only way the PG issues one. */
  function charging(v: IssueValues) {
    const r = ruleOf(v.pg);
    if (!r?.first_charge_keeps_key) return false;
    return v.with_charge || !r.key_only;
  }
  const firstChargeAllowed = rule?.first_charge_keeps_key ?? false;
  // Settlebank: a key only with a first charge (Rust's rule), so the charge is not optional.
  const firstChargeRequired = firstChargeAllowed && rule?.key_only === false;
  const withCharge = charging(values);
  /** A holder field the PG needs for a key with a first charge (KG INICIS), as Rust's rule says. */
  const neededForCharge = (field: string) => withCharge && (rule?.first_charge_requires.includes(field) ?? false);
  const holderHelp = (field: string) => (neededForCharge(field) ? t("customers.issue.firstChargeHolderHelp") : t("customers.issue.optional"));
  const [issued, setIssued] = useState<Customer | null>(null);
  const [charged, setCharged] = useState<ChargeResult | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  // Rust refused to re-point a customer_uid that has a key: the key it would replace, and
  // the total already confirmed (live), until the person says "replace" or cancels.
  const [replacing, setReplacing] = useState<{ key: Record<string, unknown>; confirmedTotal: number | null } | null>(null);
  // The field problems come back per field with Rust's codes; a first charge's own
  // amount and name are the charge's fields here.
  const fieldOptions: FieldOptions = {
    problemText: (code) => t(`customers.fieldErrors.${code}`),
    rename: { amount: "charge_amount", name: "charge_name" },
  };

  const generate = useMutation({
    mutationFn: () => call(commands.newCustomerUid()),
    onSuccess: (uid) => form.setFieldValue("customer_uid", uid),
  });

  const issue = useMutation({
    mutationFn: async ({ input, charge }: { input: IssueKeyInput; charge: { amount: number; name: string; confirmed_total: number | null } | null; confirmedTotal: number | null }) => {
      if (!charge) return { customer: await call(commands.issueKey(input)), charged: null };
      const result = await call(commands.issueKeyWithCharge(input, charge));
      const customer = result.status === "paid" ? (await call(commands.customerDetail(input.customer_uid))).customer : null;
      return { customer, charged: result };
    },
    meta: { inlineError: true },
    onSuccess: async ({ customer, charged }) => {
      form.setValues(EMPTY_CARD);
      form.resetTouched();
      setCharged(charged);
      setIssued(customer);
      await invalidate(client, profileId, charged ? "money" : "customers");
      if (charged) await invalidate(client, profileId, "customers");
    },
    onError: (e, { confirmedTotal }) => {
      if (asksToReplace(e)) {
        const d = toIpcError(e).details;
        setReplacing({ key: d && typeof d === "object" && !Array.isArray(d) ? d : {}, confirmedTotal });
        return;
      }
      showRustFieldErrors(form, e, t, fieldOptions);
    },
  });
  const replacePending = issue.error !== null && asksToReplace(issue.error);
  // i'mport's answer when it would not say whether a key exists; none when it named one.
  const unknownAnswer = typeof replacing?.key.message === "string" ? replacing.key.message : null;
  const failure = replacePending ? null : formError(form, issue.error, fieldOptions);

  const submit = async (v: IssueValues, confirmedTotal: number | null = null, replace = false) => {
    const chargeWon = charging(v) ? (await client.fetchQuery(amountsQuery(profileId, v.charge_amount, ""))).amount : null;
    if (charging(v) && chargeWon === null) {
      form.setErrors({ charge_amount: t("money.charge.errAmount") });
      return;
    }
    const withFirstCharge = chargeWon !== null;
    if (withFirstCharge && status.active_profile.mode === "live" && confirmedTotal === null) {
      setConfirming(chargeWon);
      return;
    }
    const input: IssueKeyInput = {
      customer_uid: v.customer_uid.trim(),
      pg: v.pg,
      card: {
        number: v.card_number,
        expiry: v.expiry,
        birth: v.birth.trim() || null,
        pwd_2digit: v.pwd_2digit.trim() || null,
        corporate: v.corporate,
      },
      customer_name: v.customer_name.trim() || null,
      customer_tel: v.customer_tel.trim() || null,
      customer_email: v.customer_email.trim() || null,
      customer_id: v.customer_id.trim() || null,
      product_type: ruleOf(v.pg)?.product_type_required ? v.product_type : null,
      // The chosen channel's key from GET /users/pg goes with `pg`.
      channel_key: keyForm.channels.find((c) => c.pg === v.pg)?.channel_key ?? null,
      replace,
    };
    issue.mutate({ input, charge: withFirstCharge ? { amount: chargeWon, name: v.charge_name.trim(), confirmed_total: confirmedTotal } : null, confirmedTotal });
  };

  const years = useMemo(() => {
    const now = new Date().getUTCFullYear();
    return Array.from({ length: 16 }, (_, i) => String(now + i));
  }, []);
  const [expYear, expMonth] = values.expiry ? values.expiry.split("-") : ["", ""];
  const setExpiry = (year: string | undefined, month: string | undefined) => {
    form.setFieldValue("expiry", year && month ? `${year}-${month}` : year || month ? `${year ?? ""}-${month ?? ""}` : "");
  };

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
                [t("customers.detail.issuedAt"), formatDateTime(issued.issued_at, zone, lang)],
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
              issue.reset();
              generate.mutate();
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
      <form onSubmit={form.onSubmit((v) => void submit(v))} autoComplete="off" noValidate>
          <Paper withBorder p="lg">
            <Stack gap="md">
              <Grid>
                <Grid.Col span={6}>
                  <Select
                    label={t("customers.issue.channel")}
                    description={t("customers.issue.channelHelp")}
                    data={keyForm.channels.map((c) => ({ value: c.pg, label: `${c.channel_name ?? c.pg_provider} (${c.pg})` }))}
                    allowDeselect={false}
                    {...form.getInputProps("pg")}
                    data-testid="issue-pg"
                  />
                </Grid.Col>
                <Grid.Col span={6}>
                  <TextInput
                    label={t("customers.issue.customerUid")}
                    description={t("customers.issue.customerUidHelp")}
                    {...form.getInputProps("customer_uid")}
                    styles={{ input: { fontFamily: "monospace" } }}
                    rightSectionWidth={90}
                    rightSection={
                      <Button size="compact-xs" variant="subtle" loading={generate.isPending} onClick={() => generate.mutate()} data-testid="issue-generate-uid">
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
                    {...form.getInputProps("card_number")}
                    onChange={(e) => form.setFieldValue("card_number", groupCardNumber(e.currentTarget.value))}
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
                    error={form.errors.expiry}
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
                    {...form.getInputProps("corporate", { type: "checkbox" })}
                    data-testid="issue-corporate"
                  />
                </Grid.Col>
                <Grid.Col span={6}>
                  <TextInput
                    label={values.corporate ? t("customers.issue.businessNumber") : t("customers.issue.birth")}
                    inputMode="numeric"
                    maxLength={values.corporate ? 10 : 6}
                    {...form.getInputProps("birth")}
                    onChange={(e) => form.setFieldValue("birth", e.currentTarget.value.replace(/\D/g, ""))}
                    withAsterisk={values.corporate || (rule?.birth_required ?? true)}
                    description={!values.corporate && rule?.dummy_birth ? t("customers.issue.birthDummyHelp") : undefined}
                    placeholder={!values.corporate ? (rule?.dummy_birth ?? undefined) : undefined}
                    data-testid="issue-birth"
                  />
                </Grid.Col>
                {!values.corporate && (
                  <Grid.Col span={6}>
                    <PasswordInput
                      label={t("customers.issue.pwd2digit")}
                      inputMode="numeric"
                      maxLength={2}
                      {...form.getInputProps("pwd_2digit")}
                      onChange={(e) => form.setFieldValue("pwd_2digit", e.currentTarget.value.replace(/\D/g, ""))}
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
                    description={rule?.customer_name_required ? undefined : holderHelp("customer_name")}
                    withAsterisk={rule?.customer_name_required || neededForCharge("customer_name")}
                    {...form.getInputProps("customer_name")}
                    data-testid="issue-name"
                  />
                </Grid.Col>
                <Grid.Col span={6}>
                  <TextInput
                    label={t("customers.issue.customerTel")}
                    description={holderHelp("customer_tel")}
                    withAsterisk={neededForCharge("customer_tel")}
                    {...shownAs(form.getInputProps("customer_tel"), typedPhone)}
                    data-testid="issue-tel"
                  />
                </Grid.Col>
                <Grid.Col span={6}>
                  <TextInput
                    label={t("customers.issue.customerEmail")}
                    description={holderHelp("customer_email")}
                    withAsterisk={neededForCharge("customer_email")}
                    {...form.getInputProps("customer_email")}
                    data-testid="issue-email"
                  />
                </Grid.Col>
                {rule?.product_type_required && (
                  <Grid.Col span={6}>
                    <ProductTypeSelect
                      value={values.product_type}
                      onChange={(v) => form.setFieldValue("product_type", v)}
                      error={form.errors.product_type}
                      testId="issue-product-type"
                    />
                  </Grid.Col>
                )}
                {rule?.customer_id_required && (
                  <Grid.Col span={6}>
                    <TextInput
                      label={t("customers.issue.customerId")}
                      description={t("customers.issue.customerIdHelp")}
                      withAsterisk
                      {...form.getInputProps("customer_id")}
                      data-testid="issue-customer-id"
                    />
                  </Grid.Col>
                )}
              </Grid>

              <Divider label={t("customers.issue.firstCharge")} labelPosition="left" />
              <Stack gap="xs">
                <Switch
                  label={t("customers.issue.firstCharge")}
                  description={
                    firstChargeRequired ? t("customers.issue.firstChargeRequired") : firstChargeAllowed ? t("customers.issue.firstChargeHelp") : t("customers.issue.firstChargeUnsupported")
                  }
                  disabled={!firstChargeAllowed || firstChargeRequired}
                  {...form.getInputProps("with_charge", { type: "checkbox" })}
                  checked={withCharge}
                  data-testid="issue-with-charge"
                />
                {withCharge && (
                  <Grid>
                    <Grid.Col span={6}>
                      <TextInput
                        label={t("customers.issue.firstChargeAmount")}
                        inputMode="numeric"
                        {...shownAs(form.getInputProps("charge_amount"), typedWon)}
                        data-testid="issue-charge-amount"
                      />
                    </Grid.Col>
                    <Grid.Col span={6}>
                      <TextInput
                        label={t("customers.issue.firstChargeName")}
                        maxLength={moneyRules?.order_name_max_chars}
                        {...form.getInputProps("charge_name")}
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
              {failure !== null && <ErrorAlert error={failure} title={t("customers.issue.failedTitle")} testId="issue-failure" />}
              <Group justify="flex-end">
                <Button type="submit" loading={issue.isPending} data-testid="issue-submit">
                  {issue.isPending ? t("customers.issue.submitting") : t("customers.issue.submit")}
                </Button>
              </Group>
            </Stack>
          </Paper>
      </form>
      <Modal opened={replacing !== null} onClose={() => setReplacing(null)} title={t(unknownAnswer === null ? "customers.issue.replaceTitle" : "customers.issue.unknownTitle")} data-testid="issue-replace">
        <Stack>
          <Text size="sm">{t(unknownAnswer === null ? "customers.issue.replaceBody" : "customers.issue.unknownBody", { uid: values.customer_uid.trim() })}</Text>
          <Paper withBorder p="sm" data-testid="issue-replace-key">
            {unknownAnswer === null ? (
              <>
                <Text size="sm" ff="monospace">
                  {[replacing?.key.pg_provider, replacing?.key.pg_id].filter((x) => typeof x === "string" && x !== "").join(" · ")}
                </Text>
                <Text size="sm">{[replacing?.key.card_name, replacing?.key.card_number].filter((x) => typeof x === "string" && x !== "").join(" ") || "—"}</Text>
              </>
            ) : (
              <Text size="sm">{unknownAnswer || "—"}</Text>
            )}
          </Paper>
          <Text size="sm" c="dimmed">
            {t("customers.issue.replaceOldKey")}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setReplacing(null)} data-testid="issue-replace-cancel">
              {t("customers.issue.replaceCancel")}
            </Button>
            <Button
              color="orange"
              onClick={() => {
                const total = replacing?.confirmedTotal ?? null;
                setReplacing(null);
                void submit(form.getValues(), total, true);
              }}
              data-testid="issue-replace-confirm"
            >
              {t("customers.issue.replaceConfirm")}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <LiveConfirm
        opened={confirming !== null}
        lines={[{ customer: values.customer_name.trim() || values.customer_uid, amount: confirming ?? 0 }]}
        onCancel={() => setConfirming(null)}
        onConfirm={(total) => {
          setConfirming(null);
          void submit(form.getValues(), total);
        }}
      />
    </Stack>
  );
}
