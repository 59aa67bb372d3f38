import { Alert, Button, Group, Modal, Progress, ScrollArea, Stack, Table, Text, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ImportChoice, type ImportOutcome, type PlannedImport, type SyncProgress } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { required } from "../../lib/forms";
import { errorText } from "../../lib/errors";
import { call } from "../../lib/ipc";
import { invalidate } from "../../lib/queries";

type Step = { kind: "input" } | { kind: "plan"; planned: PlannedImport; file?: { name: string; cp949: boolean } } | { kind: "running"; done: number; total: number } | { kind: "done"; outcome: ImportOutcome };

/**
 * Adopts keys issued elsewhere (the website's payment window) by customer_uid: check the
 * list first, show every bad line, then the user chooses — never a silent partial import.
 */
export function ImportModal({ opened, onClose, initialText = "" }: { opened: boolean; onClose: () => void; initialText?: string }) {
  const { t } = useTranslation();
  const { profileId } = useApp();
  const client = useQueryClient();
  // A customer_uid handed over (the PG guide's practice window) starts the list.
  const form = useForm({ initialValues: { text: initialText }, validate: { text: required(t) } });
  const [step, setStep] = useState<Step>({ kind: "input" });

  const check = useMutation({
    mutationFn: (text: string) => call(commands.planImport(text)),
    meta: { inlineError: true },
    onSuccess: (planned) => setStep({ kind: "plan", planned }),
  });
  const apply = useMutation({
    // Rust applies the plan it holds under this number, never rows sent back from here.
    mutationFn: ({ planned, choice }: { planned: PlannedImport; choice: ImportChoice }) => {
      setStep({ kind: "running", done: 0, total: Math.max(1, Math.ceil(planned.plan.good.length / 100)) });
      const channel = new Channel<SyncProgress>();
      channel.onmessage = (p) => setStep({ kind: "running", done: p.windows_done, total: Math.max(1, p.windows_total) });
      return call(commands.applyImport(planned.plan_id, choice, channel));
    },
    meta: { inlineError: true },
    onSuccess: async (outcome) => {
      setStep({ kind: "done", outcome });
      if (outcome.result.imported > 0) await invalidate(client, profileId, "customers");
    },
    onError: (_e, { planned }) => setStep({ kind: "plan", planned }),
  });
  // The file is chosen in the system dialog and read by Rust (size cap, UTF-8 or CP949):
  // the page never names a path, and a huge file never passes through the webview.
  const pick = useMutation({
    mutationFn: () => call(commands.pickImportFile()),
    meta: { inlineError: true },
    onSuccess: (picked) => {
      if (picked) setStep({ kind: "plan", planned: picked.planned, file: { name: picked.file_name, cp949: picked.was_cp949 } });
    },
  });
  const error = pick.error ?? check.error ?? apply.error;

  const reset = () => {
    form.reset();
    setStep({ kind: "input" });
    pick.reset();
    check.reset();
    apply.reset();
  };
  const close = () => {
    reset();
    onClose();
  };

  return (
    <Modal opened={opened} onClose={close} title={t("customers.importer.title")} size="lg" data-testid="import-modal">
      <Stack>
        {step.kind === "input" && (
          <form onSubmit={form.onSubmit(({ text }) => check.mutate(text))}>
            <Stack>
              <Text size="sm" c="dimmed">
                {t("customers.importer.description")}
              </Text>
              <Textarea
                label={t("customers.importer.paste")}
                autosize
                minRows={6}
                maxRows={14}
                {...form.getInputProps("text")}
                data-testid="import-text"
                styles={{ input: { fontFamily: "monospace" } }}
              />
              <Group justify="space-between">
                <Button variant="default" onClick={() => pick.mutate()} loading={pick.isPending} data-testid="import-pick-file">
                  {t("customers.importer.pickFile")}
                </Button>
                <Button type="submit" disabled={form.values.text.trim() === ""} loading={check.isPending} data-testid="import-check">
                  {t("customers.importer.check")}
                </Button>
              </Group>
            </Stack>
          </form>
        )}

        {step.kind === "plan" && (
          <>
            {step.file && (
              <Text size="sm" c="dimmed" data-testid="import-file">
                {t(step.file.cp949 ? "customers.importer.fileCp949" : "customers.importer.file", { name: step.file.name })}
              </Text>
            )}
            <Text size="sm" data-testid="import-summary">
              {t("customers.importer.summary", {
                total: step.planned.plan.rows_total,
                good: step.planned.plan.good.length,
                already: step.planned.plan.already_registered.length,
                bad: step.planned.plan.bad.length,
              })}
            </Text>
            {step.planned.plan.bad.length > 0 && (
              <>
                <Text fw={600} size="sm">
                  {t("customers.importer.badRows")}
                </Text>
                <ScrollArea.Autosize mah={220}>
                  <Table striped data-testid="import-bad-rows">
                    <Table.Tbody>
                      {step.planned.plan.bad.map((b) => (
                        <Table.Tr key={`${b.line}-${b.value}`}>
                          <Table.Td w={110}>{t("customers.importer.line", { line: b.line })}</Table.Td>
                          <Table.Td ff="monospace">{b.value || "—"}</Table.Td>
                          <Table.Td>{t(`customers.importer.problem.${b.problem}`)}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </ScrollArea.Autosize>
                <Alert color="yellow" title={t("customers.importer.chooseTitle")}>
                  <Group mt="xs">
                    <Button variant="default" onClick={() => apply.mutate({ planned: step.planned, choice: "nothing" })} data-testid="import-nothing">
                      {t("customers.importer.importNothing")}
                    </Button>
                    <Button onClick={() => apply.mutate({ planned: step.planned, choice: "good_rows_only" })} disabled={step.planned.plan.good.length === 0} data-testid="import-good">
                      {t("customers.importer.importGood", { count: step.planned.plan.good.length })}
                    </Button>
                  </Group>
                </Alert>
              </>
            )}
            {step.planned.plan.bad.length === 0 && (
              <Group justify="flex-end">
                <Button variant="default" onClick={reset}>
                  {t("customers.detail.cancel")}
                </Button>
                <Button onClick={() => apply.mutate({ planned: step.planned, choice: "good_rows_only" })} disabled={step.planned.plan.good.length === 0} data-testid="import-good">
                  {t("customers.importer.importAll", { count: step.planned.plan.good.length })}
                </Button>
              </Group>
            )}
          </>
        )}

        {step.kind === "running" && (
          <Stack gap={6} data-testid="import-progress">
            <Text size="sm">{t("customers.importer.verifying", { done: step.done, total: step.total })}</Text>
            <Progress value={(100 * step.done) / step.total} animated />
          </Stack>
        )}

        {step.kind === "done" && (
          <Alert color={step.outcome.result.imported > 0 ? "green" : "gray"} title={t("customers.importer.doneTitle")} data-testid="import-done">
            <Text size="sm">
              {step.outcome.result.imported > 0
                ? t("customers.importer.doneBody", {
                    imported: step.outcome.result.imported,
                    active: step.outcome.verify?.active ?? 0,
                    unknown: step.outcome.verify?.unknown ?? 0,
                  })
                : t("customers.importer.nothingImported")}
            </Text>
            {step.outcome.verify_error !== null && (
              // Imported; only the check at PortOne failed: the keys are checked later.
              <Text size="sm" c="orange" mt={4} data-testid="import-verify-failed">
                {t("customers.importer.verifyFailed", { reason: errorText(t, step.outcome.verify_error) })}
              </Text>
            )}
            <Group justify="flex-end" mt="sm">
              <Button onClick={close}>{t("customers.importer.close")}</Button>
            </Group>
          </Alert>
        )}

        {error !== null && <ErrorAlert error={error} testId="import-error" />}
      </Stack>
    </Modal>
  );
}
