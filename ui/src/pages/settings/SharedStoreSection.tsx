import { Alert, Button, Group, Paper, PasswordInput, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconServer } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { commands, type SharedCopy } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { call } from "../../lib/ipc";

/** Team mode's first step: this computer's store copied into a PostgreSQL server, so the
 * registry survives a lost laptop and a team can start from it. The address and password
 * are sent for this copy only; Rust checks them and keeps neither. */
export function SharedStoreSection() {
  const { t } = useTranslation();
  const { status, lang } = useApp();
  const closed = status.session_error !== null;
  const form = useForm({
    initialValues: { url: "", password: "" },
    validate: {
      url: (v) => (v.trim() === "" ? t("sharedStore.urlNeeded") : null),
    },
  });

  const copy = useMutation({
    mutationFn: (v: { url: string; password: string }) => call(commands.copyToSharedStore(v.url.trim(), v.password === "" ? null : v.password)),
    meta: { inlineError: true },
    // The password never stays in the UI's state.
    onSettled: () => form.setFieldValue("password", ""),
  });
  const done: SharedCopy | undefined = copy.data;
  // Tables empty here and on the server say nothing; the rest are the report.
  const carried = done?.tables.filter((r) => r.rows > 0 || r.only_shared > 0) ?? [];

  return (
    <Paper withBorder p="md" radius="md" data-testid="shared-store">
      <Title order={5}>{t("sharedStore.title")}</Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t("sharedStore.help")}
      </Text>
      <form onSubmit={form.onSubmit((v) => copy.mutate(v))}>
        <Stack gap="sm">
          <Group align="flex-start" grow wrap="wrap">
            <TextInput label={t("sharedStore.url")} placeholder="postgres://subdesk@192.168.0.10:5432/subdesk" miw={260} {...form.getInputProps("url")} data-testid="shared-url" />
            <PasswordInput label={t("sharedStore.password")} miw={180} {...form.getInputProps("password")} data-testid="shared-password" />
          </Group>
          <Text size="xs" c="dimmed">
            {t("sharedStore.tls")}
          </Text>
          <Group>
            <Button type="submit" variant="light" leftSection={<IconServer size={16} />} loading={copy.isPending} disabled={closed} data-testid="shared-copy">
              {t("sharedStore.copy")}
            </Button>
          </Group>
        </Stack>
      </form>
      {copy.error && <ErrorAlert error={copy.error} testId="shared-error" />}
      {done && !copy.isPending && (
        <Stack gap="xs" mt="sm">
          <Alert color="green" data-testid="shared-done">
            {t("sharedStore.done", { target: done.target, changed: done.tables.reduce((n, r) => n + r.added + r.updated, 0).toLocaleString(lang) })}
          </Alert>
          {carried.length > 0 && (
          <Table fz="sm" striped data-testid="shared-tables">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("sharedStore.table")}</Table.Th>
                <Table.Th ta="right">{t("sharedStore.rows")}</Table.Th>
                <Table.Th ta="right">{t("sharedStore.added")}</Table.Th>
                <Table.Th ta="right">{t("sharedStore.updated")}</Table.Th>
                <Table.Th ta="right">{t("sharedStore.onlyShared")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {carried.map((r) => (
                <Table.Tr key={r.table}>
                  <Table.Td>{t(`sharedStore.tables.${r.table}`, { defaultValue: t("sharedStore.tables.other") })}</Table.Td>
                  <Table.Td ta="right">{r.rows.toLocaleString(lang)}</Table.Td>
                  <Table.Td ta="right">{r.added.toLocaleString(lang)}</Table.Td>
                  <Table.Td ta="right">{r.updated.toLocaleString(lang)}</Table.Td>
                  <Table.Td ta="right">{r.only_shared.toLocaleString(lang)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          )}
        </Stack>
      )}
    </Paper>
  );
}
