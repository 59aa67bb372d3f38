import { Alert, Badge, Button, Checkbox, Group, Modal, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput } from "@mantine/core";
import { IconFileUpload } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type RunChoices, type RunPreview } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LiveConfirm } from "../../components/LiveConfirm";
import { formatKrw } from "../../lib/format";
import { call, errorCode } from "../../lib/ipc";
import { keys, plansQuery } from "../../lib/queries";
import { excludedDetail } from "./runText";

type Source = "csv" | "plan";

/**
 * A new bulk run: a CSV chosen in the system's dialog (Rust opens it and reads the file),
 * or a plan's current period; Rust makes the dry run and stores it, and this shows it —
 * count, total, VAT, who is left out and why, duplicate lines. Starting it charges in the
 * background; a live profile types the total left to charge first.
 */
export function NewRunModal({ opened, onClose, onStarted }: { opened: boolean; onClose: () => void; onStarted: (runId: string) => void }) {
  const { t } = useTranslation();
  const { profileId } = useApp();
  const client = useQueryClient();
  const [source, setSource] = useState<Source>("csv");
  const [planCode, setPlanCode] = useState<string | null>(null);
  const [defaultName, setDefaultName] = useState("");
  const [allowRepeats, setAllowRepeats] = useState(false);
  const [preview, setPreview] = useState<RunPreview | null>(null);
  const [confirming, setConfirming] = useState(false);
  const plans = useQuery({ ...plansQuery(profileId), enabled: opened && source === "plan" });
  const planOptions = (plans.data ?? []).filter((p) => p.plan.archived_at === null).map((p) => ({ value: p.plan.code, label: p.plan.name }));

  const choices = (repeatDone: boolean): RunChoices => ({ default_name: defaultName, allow_repeats: allowRepeats, repeat_done: repeatDone, concurrency: null, rate_per_sec: null });
  const plan = useMutation({
    mutationFn: async (repeatDone: boolean) => {
      if (source === "plan") return planCode ? call(commands.planRunForPlan(planCode, choices(repeatDone))) : null;
      return call(commands.pickRunFile(choices(repeatDone)));
    },
    meta: { inlineError: true },
    onSuccess: (p) => {
      if (p) setPreview(p);
      void client.invalidateQueries({ queryKey: keys.runs(profileId) });
    },
  });
  const start = useMutation({
    mutationFn: (confirmed: number | null) => call(commands.startRun(preview?.plan.run_id ?? "", confirmed)),
    meta: { inlineError: true },
    onSuccess: () => {
      const id = preview?.plan.run_id;
      void client.invalidateQueries({ queryKey: keys.runs(profileId) });
      close();
      if (id) onStarted(id);
    },
  });

  function close() {
    setPreview(null);
    setConfirming(false);
    plan.reset();
    start.reset();
    onClose();
  }

  const p = preview;
  const canStart = p !== null && p.pending.count > 0;
  return (
    <Modal opened={opened} onClose={close} title={t("runs.modal.title")} size="xl" data-testid="run-modal">
      <Stack gap="sm">
        <Group align="flex-end" wrap="nowrap">
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              {t("runs.modal.source")}
            </Text>
            <SegmentedControl
              value={source}
              onChange={(v) => {
                setSource(v === "plan" ? "plan" : "csv");
                setPreview(null);
                plan.reset();
              }}
              data={[
                { value: "csv", label: t("runs.modal.fromCsv") },
                { value: "plan", label: t("runs.modal.fromPlan") },
              ]}
              data-testid="run-source"
            />
          </Stack>
          {source === "plan" && (
            <Select
              style={{ flex: 1 }}
              label={t("runs.modal.plan")}
              placeholder={t("runs.modal.planPlaceholder")}
              data={planOptions}
              value={planCode}
              onChange={setPlanCode}
              nothingFoundMessage={t("runs.modal.noPlans")}
              data-testid="run-plan"
            />
          )}
        </Group>
        {source === "csv" && (
          <>
            <Text size="xs" c="dimmed">
              {t("runs.modal.csvHint")}
            </Text>
            <Group grow align="flex-end">
              <TextInput label={t("runs.modal.defaultName")} placeholder="일괄 결제" value={defaultName} onChange={(e) => setDefaultName(e.currentTarget.value)} data-testid="run-default-name" />
              <Checkbox label={t("runs.modal.allowRepeats")} checked={allowRepeats} onChange={(e) => setAllowRepeats(e.currentTarget.checked)} mb={8} data-testid="run-allow-repeats" />
            </Group>
          </>
        )}
        <Group>
          <Button
            variant={p ? "default" : "filled"}
            leftSection={source === "csv" ? <IconFileUpload size={16} /> : undefined}
            loading={plan.isPending}
            disabled={source === "plan" && !planCode}
            onClick={() => plan.mutate(false)}
            data-testid="run-plan-button"
          >
            {source === "csv" ? t("runs.modal.pick") : t("runs.modal.preview")}
          </Button>
        </Group>
        {plan.error && (
          <Stack gap={4}>
            <ErrorAlert error={plan.error} testId="run-plan-error" />
            {errorCode(plan.error) === "run_already_done" && (
              <Group>
                <Button size="xs" variant="default" onClick={() => plan.mutate(true)} data-testid="run-plan-again">
                  {t("runs.modal.planAgain")}
                </Button>
              </Group>
            )}
          </Stack>
        )}
        {p && <PreviewView preview={p} />}
        {start.error && <ErrorAlert error={start.error} testId="run-start-error" />}
        {p && (
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t("runs.page.keep")}
            </Button>
            <Button
              disabled={!canStart}
              loading={start.isPending}
              onClick={() => (p.live ? setConfirming(true) : start.mutate(null))}
              data-testid="run-start"
            >
              {t("runs.preview.start", { count: p.pending.count })}
            </Button>
          </Group>
        )}
      </Stack>
      {p && (
        <LiveConfirm
          opened={confirming}
          typeTotal
          total={p.pending.total}
          more={p.pending.count - p.pending.first.length}
          lines={p.pending.first.map((l) => ({ customer: l.customer_uid, amount: l.amount }))}
          onCancel={() => setConfirming(false)}
          onConfirm={(total) => {
            setConfirming(false);
            start.mutate(total);
          }}
        />
      )}
    </Modal>
  );
}

/** The dry run: what starting would charge, and every line left out with its reason. */
export function PreviewView({ preview: p }: { preview: RunPreview }) {
  const { t } = useTranslation();
  const { lang } = useApp();
  const ex = p.plan.excluded;
  return (
    <Stack gap="xs" data-testid="run-preview" data-run-id={p.plan.run_id}>
      <Group justify="space-between">
        <Text fw={600}>{t("runs.preview.title")}</Text>
        {p.file_name && (
          <Text size="sm" c="dimmed" data-testid="run-preview-file">
            {t("runs.preview.file", { name: p.file_name })}
          </Text>
        )}
      </Group>
      {p.was_cp949 && (
        <Text size="xs" c="dimmed">
          {t("runs.preview.cp949")}
        </Text>
      )}
      {p.plan.resumed && (
        <Alert color="blue" data-testid="run-preview-resumed">
          {t("runs.preview.resumed")}
        </Alert>
      )}
      <SimpleGrid cols={4}>
        <Figure label={t("runs.preview.count")} value={p.plan.count.toLocaleString(lang === "ko" ? "ko-KR" : "en-US")} testId="run-preview-count" />
        <Figure label={t("runs.preview.total")} value={formatKrw(p.plan.total, lang)} testId="run-preview-total" />
        <Figure label={t("runs.preview.vat")} value={formatKrw(p.plan.vat, lang)} testId="run-preview-vat" />
        <Figure label={t("runs.preview.left")} value={formatKrw(p.pending.total, lang)} testId="run-preview-left" />
      </SimpleGrid>
      {p.pending.count === 0 && (
        <Text size="sm" c="dimmed">
          {t("runs.preview.nothing")}
        </Text>
      )}
      {ex.length > 0 && (
        <>
          <Group gap="xs">
            <Badge color="orange" variant="light" data-testid="run-preview-excluded">
              {t("runs.preview.excluded", { count: ex.length })}
            </Badge>
            {p.duplicates > 0 && (
              <Badge color="gray" variant="light" data-testid="run-preview-duplicates">
                {t("runs.preview.duplicates", { count: p.duplicates })}
              </Badge>
            )}
          </Group>
          <ExcludedTable excluded={ex} maxHeight={180} />
        </>
      )}
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

/** Lines left out, each with its reason in the user's language. */
export function ExcludedTable({ excluded, maxHeight }: { excluded: RunPreview["plan"]["excluded"]; maxHeight: number }) {
  const { t } = useTranslation();
  return (
    <Table.ScrollContainer minWidth={480} mah={maxHeight} type="native">
      <Table striped stickyHeader data-testid="run-excluded">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={60}>{t("runs.preview.line")}</Table.Th>
            <Table.Th>{t("runs.preview.customer")}</Table.Th>
            <Table.Th>{t("runs.preview.why")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {excluded.slice(0, 500).map((e) => (
            <Table.Tr key={`${e.line}-${e.customer_uid ?? ""}`} data-testid="run-excluded-row" data-reason={e.reason}>
              <Table.Td>{e.line}</Table.Td>
              <Table.Td ff="monospace">{e.customer_uid ?? ""}</Table.Td>
              <Table.Td>
                <Text size="sm">{t(`runs.reason.${e.reason}`)}</Text>
                {excludedDetail(t, e) && (
                  <Text size="xs" c="dimmed">
                    {excludedDetail(t, e)}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
