import { Alert, Button, FileButton, Group, Modal, Progress, ScrollArea, Stack, Table, Text, Textarea } from "@mantine/core";
import { Channel } from "@tauri-apps/api/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ImportChoice, type ImportOutcome, type ImportPlan, type SyncProgress } from "../../bindings";
import { errorText } from "../../lib/errors";

type Step = { kind: "input" } | { kind: "plan"; plan: ImportPlan } | { kind: "running"; done: number; total: number } | { kind: "done"; outcome: ImportOutcome };

/**
 * Adopts keys issued elsewhere (the website's payment window) by customer_uid: check the
 * list first, show every bad line, then the user chooses — never a silent partial import.
 */
export function ImportModal({ opened, onClose }: { opened: boolean; onClose: (changed: boolean) => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const [step, setStep] = useState<Step>({ kind: "input" });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setText("");
    setStep({ kind: "input" });
    setError(null);
  };
  const close = () => {
    const changed = step.kind === "done" && step.outcome.result.imported > 0;
    reset();
    onClose(changed);
  };

  const check = async (input: string) => {
    setBusy(true);
    setError(null);
    try {
      setStep({ kind: "plan", plan: await commands.planImport(input) });
    } catch (e) {
      setError(errorText(t, e));
    } finally {
      setBusy(false);
    }
  };

  const readFile = (file: File | null) => {
    if (!file) return;
    file
      .text()
      .then((content) => {
        setText(content);
        return check(content);
      })
      .catch((e: unknown) => setError(errorText(t, e)));
  };

  const apply = async (plan: ImportPlan, choice: ImportChoice) => {
    setError(null);
    const importable = plan.good.length;
    setStep({ kind: "running", done: 0, total: Math.max(1, Math.ceil(importable / 100)) });
    const channel = new Channel<SyncProgress>();
    channel.onmessage = (p) => setStep({ kind: "running", done: p.windows_done, total: Math.max(1, p.windows_total) });
    try {
      const outcome = await commands.applyImport(plan, choice, channel);
      setStep({ kind: "done", outcome });
    } catch (e) {
      setError(errorText(t, e));
      setStep({ kind: "plan", plan });
    }
  };

  return (
    <Modal opened={opened} onClose={close} title={t("customers.importer.title")} size="lg" data-testid="import-modal">
      <Stack>
        {step.kind === "input" && (
          <>
            <Text size="sm" c="dimmed">
              {t("customers.importer.description")}
            </Text>
            <Textarea
              label={t("customers.importer.paste")}
              autosize
              minRows={6}
              maxRows={14}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              data-testid="import-text"
              styles={{ input: { fontFamily: "monospace" } }}
            />
            <Group justify="space-between">
              <FileButton onChange={readFile} accept=".csv,text/csv,text/plain">
                {(props) => (
                  <Button variant="default" {...props}>
                    {t("customers.importer.pickFile")}
                  </Button>
                )}
              </FileButton>
              <Button onClick={() => void check(text)} disabled={text.trim() === ""} loading={busy} data-testid="import-check">
                {t("customers.importer.check")}
              </Button>
            </Group>
          </>
        )}

        {step.kind === "plan" && (
          <>
            <Text size="sm" data-testid="import-summary">
              {t("customers.importer.summary", {
                total: step.plan.rows_total,
                good: step.plan.good.length,
                already: step.plan.already_registered.length,
                bad: step.plan.bad.length,
              })}
            </Text>
            {step.plan.bad.length > 0 && (
              <>
                <Text fw={600} size="sm">
                  {t("customers.importer.badRows")}
                </Text>
                <ScrollArea.Autosize mah={220}>
                  <Table striped data-testid="import-bad-rows">
                    <Table.Tbody>
                      {step.plan.bad.map((b) => (
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
                    <Button variant="default" onClick={() => void apply(step.plan, "nothing")} data-testid="import-nothing">
                      {t("customers.importer.importNothing")}
                    </Button>
                    <Button onClick={() => void apply(step.plan, "good_rows_only")} disabled={step.plan.good.length === 0} data-testid="import-good">
                      {t("customers.importer.importGood", { count: step.plan.good.length })}
                    </Button>
                  </Group>
                </Alert>
              </>
            )}
            {step.plan.bad.length === 0 && (
              <Group justify="flex-end">
                <Button variant="default" onClick={reset}>
                  {t("customers.detail.cancel")}
                </Button>
                <Button onClick={() => void apply(step.plan, "good_rows_only")} disabled={step.plan.good.length === 0} data-testid="import-good">
                  {t("customers.importer.importAll", { count: step.plan.good.length })}
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
            <Group justify="flex-end" mt="sm">
              <Button onClick={close}>{t("customers.importer.close")}</Button>
            </Group>
          </Alert>
        )}

        {error && (
          <Text c="red" size="sm" data-testid="import-error">
            {error}
          </Text>
        )}
      </Stack>
    </Modal>
  );
}
