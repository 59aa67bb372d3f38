import { Alert, Button, Code, Group, NumberInput, Paper, SimpleGrid, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { IconCheck, IconCopy, IconExternalLink, IconFileImport, IconRefresh } from "@tabler/icons-react";
import { useForm } from "@mantine/form";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { useApp } from "../../AppContext";
import { useEffect, useMemo, useRef, useState } from "react";
import { commands } from "../../bindings";
import { call } from "../../lib/ipc";
import { useTranslation } from "react-i18next";
import type { PgGuideEntry } from "../../lib/pgGuide";
import {
  amountRequired,
  buildRequestPay,
  buyerFields,
  checkAmount,
  checkBuyerTel,
  checkImpCode,
  checkMid,
  checkRedirectUrl,
  defaultAmount,
  isNaverPay,
  needsRedirect,
  practiceParams,
  requestPayFields,
  snippetPayMethod,
  type SnippetField,
} from "../../lib/snippet";
import { useCopy } from "./hooks";

/** `{MID}` / `{site code}` / `{public_key}` from the entry's MID form, for the MID field's help. */
function midForm(entry: PgGuideEntry): string | null {
  if (!entry.pg_param_mid_form || !entry.pg_param) return null;
  const token = /\{[^}]+\}/.exec(entry.pg_param_mid_form)?.[0] ?? "{MID}";
  return `${entry.pg_param}.${token}`;
}

export function SnippetGenerator({ entry }: { entry: PgGuideEntry }) {
  const { t } = useTranslation();
  // The inputs of a code generator, not a request: every problem shows as it is typed,
  // and the code is rebuilt on every change.
  const [initialValues] = useState(() => ({
    impCode: "",
    mid: "",
    customerUid: "",
    merchantUid: "",
    amount: defaultAmount(entry),
    name: t("pgGuide.snippet.nameDefault"),
    buyerTel: "",
    redirectUrl: "https://",
    naverPopupMode: false,
    naverProductCode: "",
  }));
  const inputs = useForm({ initialValues });
  const { impCode, mid, customerUid, merchantUid, amount, name, buyerTel, redirectUrl, naverPopupMode, naverProductCode } = inputs.values;
  const codeRef = useRef<HTMLPreElement>(null);
  const [copyState, copy] = useCopy();

  const form = midForm(entry);
  const payMethod = snippetPayMethod(entry);
  const naver = isNaverPay(entry);
  const redirect = needsRedirect(entry, naverPopupMode);
  const buyers = buyerFields(entry);

  // The ids come from Rust in the shape it makes them, and a typed customer_uid is checked
  // by the registry's own rule.
  const newCustomerUid = () => void call(commands.newCustomerUid()).then((uid) => inputs.setFieldValue("customerUid", uid));
  const newMerchantUid = () => void call(commands.newOrderId()).then((uid) => inputs.setFieldValue("merchantUid", uid));
  useEffect(() => {
    newCustomerUid();
    newMerchantUid();
    // Once, when the generator opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const uidCheck = useQuery({
    queryKey: ["customerUidProblem", customerUid],
    queryFn: () => call(commands.customerUidProblem(customerUid)),
    enabled: customerUid !== "",
    staleTime: Infinity,
  });

  const impProblem = checkImpCode(impCode);
  const midProblem = checkMid(mid.trim());
  const uidProblem = customerUid === "" && !uidCheck.isFetched ? null : customerUid === "" ? "empty" : (uidCheck.data ?? null);
  const amountProblem = checkAmount(entry, amount);
  const telProblem = buyers.includes("buyer_tel") ? checkBuyerTel(buyerTel) : null;
  const urlProblem = redirect ? checkRedirectUrl(redirectUrl) : null;
  // The practice window takes the sandbox's own merchant code (Rust adds it): the rest
  // must be right.
  const validExceptImp = !midProblem && !uidProblem && !amountProblem && !telProblem && !urlProblem;
  const valid = !impProblem && validExceptImp;

  const amountComment =
    entry.issue_amount_behaviour === "display_only"
      ? t("pgGuide.snippet.comments.amountDisplay")
      : amountRequired(entry)
        ? t("pgGuide.snippet.comments.amountRequired")
        : amount > 0
          ? t("pgGuide.snippet.comments.amountCharge")
          : t("pgGuide.snippet.comments.amountZero");

  // One set of inputs for the printed code and for "try it on the sandbox".
  const input = useMemo(
    () => ({
      impCode: impCode.trim(),
      mid: mid.trim(),
      customerUid,
      merchantUid,
      amount,
      name,
      buyer: { buyer_tel: buyerTel.trim() },
      redirectUrl,
      naverPopupMode,
      naverProductCode,
    }),
    [impCode, mid, customerUid, merchantUid, amount, name, buyerTel, redirectUrl, naverPopupMode, naverProductCode],
  );
  const fields = useMemo(() => requestPayFields(entry, input), [entry, input]);

  const code = useMemo(
    () =>
      buildRequestPay(entry, {
        ...input,
        comments: {
          success: t("pgGuide.snippet.comments.success"),
          failure: t("pgGuide.snippet.comments.failure"),
          redirect: t("pgGuide.snippet.comments.redirect"),
          amount: amountComment,
        },
      }),
    [entry, input, amountComment, t],
  );

  const amountHelp =
    entry.issue_amount_behaviour === "display_only"
      ? t("pgGuide.snippet.amountDisplay")
      : amountRequired(entry)
        ? t("pgGuide.snippet.amountRequired")
        : t("pgGuide.snippet.amountZero");

  const err = {
    imp: impProblem === "empty" ? t("pgGuide.snippet.errors.impEmpty") : impProblem === "format" ? t("pgGuide.snippet.errors.impFormat") : null,
    uid:
      uidProblem === "empty"
        ? t("pgGuide.snippet.errors.uidEmpty")
        : uidProblem === "too_long"
          ? t("pgGuide.snippet.errors.uidTooLong")
          : uidProblem === "bad_chars"
            ? t("pgGuide.snippet.errors.uidChars")
            : null,
    amount:
      amountProblem === "negative"
        ? t("pgGuide.snippet.errors.amountNegative")
        : amountProblem === "positive_required"
          ? t("pgGuide.snippet.errors.amountPositive")
          : amountProblem === "not_integer"
            ? t("pgGuide.snippet.errors.amountInteger")
            : null,
    tel: telProblem === "empty" ? t("pgGuide.snippet.errors.telEmpty") : telProblem === "format" ? t("pgGuide.snippet.errors.telFormat") : null,
  };

  return (
    <Paper withBorder p="md" radius="md" data-testid="snippet">
      <Title order={4} mb={4}>
        {t("pgGuide.section.snippet")}
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        {t("pgGuide.snippet.help")}
      </Text>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label={t("pgGuide.snippet.impCode")}
            description={t("pgGuide.snippet.impCodeHelp")}
            {...inputs.getInputProps("impCode")}
            error={err.imp}
            data-testid="snippet-imp"
            ff="monospace"
            withAsterisk
          />
          {form && (
            <TextInput
              label={t("pgGuide.snippet.mid")}
              description={t("pgGuide.snippet.midHelp", { form })}
              {...inputs.getInputProps("mid")}
              error={midProblem ? t("pgGuide.snippet.errors.midChars") : null}
              data-testid="snippet-mid"
              ff="monospace"
            />
          )}
          <TextInput
            label={t("pgGuide.snippet.customerUid")}
            description={t("pgGuide.snippet.customerUidHelp")}
            {...inputs.getInputProps("customerUid")}
            error={err.uid}
            data-testid="snippet-customer-uid"
            ff="monospace"
            withAsterisk
            rightSectionWidth={100}
            rightSection={
              <Button size="compact-xs" variant="subtle" leftSection={<IconRefresh size={12} />} onClick={newCustomerUid}>
                {t("pgGuide.snippet.regenerate")}
              </Button>
            }
          />
          <TextInput
            label={t("pgGuide.snippet.merchantUid")}
            description={t("pgGuide.snippet.merchantUidHelp")}
            {...inputs.getInputProps("merchantUid")}
            readOnly
            ff="monospace"
            rightSectionWidth={100}
            rightSection={
              <Button size="compact-xs" variant="subtle" leftSection={<IconRefresh size={12} />} onClick={newMerchantUid}>
                {t("pgGuide.snippet.regenerate")}
              </Button>
            }
          />
          <NumberInput
            label={t("pgGuide.snippet.amount")}
            description={amountHelp}
            {...inputs.getInputProps("amount")}
            onChange={(v) => inputs.setFieldValue("amount", typeof v === "number" ? v : Number(v) || 0)}
            error={err.amount}
            min={0}
            allowDecimal={false}
            thousandSeparator=","
            suffix=" KRW"
            data-testid="snippet-amount"
            withAsterisk
          />
          <TextInput label={t("pgGuide.snippet.name")} {...inputs.getInputProps("name")} data-testid="snippet-name" />
          {buyers.includes("buyer_tel") && (
            <TextInput
              label={t("pgGuide.snippet.buyerTel")}
              {...inputs.getInputProps("buyerTel")}
              error={err.tel}
              data-testid="snippet-buyer-tel"
              withAsterisk
            />
          )}
          {naver && (
            <TextInput
              label={t("pgGuide.snippet.naverProductCode")}
              description={t("pgGuide.snippet.naverProductCodeHelp")}
              {...inputs.getInputProps("naverProductCode")}
              ff="monospace"
            />
          )}
          {redirect && (
            <TextInput
              label={t("pgGuide.snippet.redirectUrl")}
              description={t("pgGuide.snippet.redirectUrlHelp")}
              {...inputs.getInputProps("redirectUrl")}
              error={urlProblem ? t("pgGuide.snippet.errors.urlFormat") : null}
              data-testid="snippet-redirect"
              ff="monospace"
              withAsterisk
            />
          )}
        </SimpleGrid>
        {naver && (
          <Switch
            label={t("pgGuide.snippet.naverPopupMode")}
            description={t("pgGuide.snippet.naverPopupModeHelp")}
            {...inputs.getInputProps("naverPopupMode", { type: "checkbox" })}
            data-testid="snippet-naver-popup"
          />
        )}
        <Stack gap={2}>
          <Text size="sm" c="dimmed">
            {payMethod ? t("pgGuide.snippet.payMethodSent", { value: `"${payMethod}"` }) : t("pgGuide.snippet.payMethodOmitted")}
          </Text>
          {redirect && (
            <Text size="sm" c="dimmed">
              {t("pgGuide.snippet.redirectIncluded")}
            </Text>
          )}
        </Stack>
        <Group justify="space-between" mt="xs">
          <Text fw={600} size="sm">
            {t("pgGuide.snippet.code")}
          </Text>
          <Button
            size="xs"
            variant="light"
            leftSection={copyState === "copied" ? <IconCheck size={14} /> : <IconCopy size={14} />}
            onClick={() => void copy(code, codeRef.current)}
            disabled={!valid}
            data-testid="snippet-copy"
          >
            {copyState === "copied" ? t("pgGuide.copy.copied") : t("pgGuide.copy.copy")}
          </Button>
        </Group>
        {!valid && (
          <Alert color="yellow" variant="light" py="xs" data-testid="snippet-invalid">
            {t("pgGuide.snippet.invalid")}
          </Alert>
        )}
        {copyState === "failed" && (
          <Alert color="yellow" variant="light" py="xs" data-testid="snippet-copy-failed">
            {t("pgGuide.copy.failed")}
          </Alert>
        )}
        <Code block ref={codeRef} data-testid="snippet-code" style={{ fontSize: 13, userSelect: "text" }}>
          {code}
        </Code>
        <TryOnSandbox entry={entry} fields={fields} valid={validExceptImp} customerUid={customerUid} redirect={redirect} />
      </Stack>
    </Paper>
  );
}

/**
 * The snippet's own parameters, opened in the sandbox's practice window (Rust adds the
 * sandbox's address and merchant code); afterwards the key is adopted through Import.
 * Shown on the built-in sandbox profile only.
 */
function TryOnSandbox({
  entry,
  fields,
  valid,
  customerUid,
  redirect,
}: {
  entry: PgGuideEntry;
  fields: SnippetField[];
  valid: boolean;
  customerUid: string;
  redirect: boolean;
}) {
  const { t } = useTranslation();
  const { status } = useApp();
  const [openedUid, setOpenedUid] = useState<string | null>(null);
  const open = useMutation({
    mutationFn: (params: [string, string][]) => call(commands.openPracticeWindow(params)),
    onSuccess: () => setOpenedUid(customerUid),
  });
  if (status.active_profile.mode !== "sandbox") return null;
  const phone = snippetPayMethod(entry) === "phone";
  return (
    <Paper withBorder p="sm" radius="md" bg="var(--mantine-color-blue-light)" data-testid="try-sandbox">
      <Stack gap={6}>
        <Text fw={600} size="sm">
          {t("pgGuide.tryIt.title")}
        </Text>
        <Text size="sm">{t("pgGuide.tryIt.help")}</Text>
        <Text size="sm">{phone ? t("pgGuide.tryIt.phone") : t("pgGuide.tryIt.card")}</Text>
        <Text size="sm" c="dimmed">
          {redirect ? t("pgGuide.tryIt.redirect") : t("pgGuide.tryIt.popup")}
        </Text>
        <Group>
          <Button
            size="xs"
            leftSection={<IconExternalLink size={14} />}
            disabled={!valid}
            loading={open.isPending}
            onClick={() => open.mutate(practiceParams(fields))}
            data-testid="try-sandbox-open"
          >
            {t("pgGuide.tryIt.open")}
          </Button>
        </Group>
        {!valid && (
          <Text size="xs" c="dimmed">
            {t("pgGuide.tryIt.invalid")}
          </Text>
        )}
        {openedUid && (
          <Alert color="green" variant="light" py="xs" data-testid="try-sandbox-opened">
            <Stack gap={6} align="flex-start">
              <Text size="sm">{t("pgGuide.tryIt.opened", { uid: openedUid })}</Text>
              <Button
                component={Link}
                to={`/customers?import=${encodeURIComponent(openedUid)}`}
                size="xs"
                variant="light"
                leftSection={<IconFileImport size={14} />}
                data-testid="try-sandbox-import"
              >
                {t("pgGuide.tryIt.toImport")}
              </Button>
            </Stack>
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
