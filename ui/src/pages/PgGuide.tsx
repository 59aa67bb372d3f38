import { Accordion, Anchor, Badge, Code, Group, Stack, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useTranslation } from "react-i18next";
import { commands } from "../bindings";
import { useApp } from "../AppContext";
import { PageHeader } from "../layout/PageHeader";
import { errorText } from "../lib/errors";
import { PG_GUIDE, type PgGuideEntry } from "../lib/pgGuide";

export function PgGuide() {
  const { t } = useTranslation();
  const { lang } = useApp();
  return (
    <Stack>
      <PageHeader title={t("pgGuide.title")} description={t("pgGuide.description")} />
      <Text size="sm" c="dimmed">
        {t("pgGuide.count", { count: PG_GUIDE.length })}
      </Text>
      <Accordion variant="separated" data-testid="pg-guide-list">
        {PG_GUIDE.map((entry) => (
          <Accordion.Item key={entry.id} value={entry.id}>
            <Accordion.Control>
              <Group gap="sm">
                <Badge variant="light" color={entry.method === "rest" ? "grape" : "teal"}>
                  {entry.method === "rest" ? t("pgGuide.methodRest") : t("pgGuide.methodWindow")}
                </Badge>
                <Text fw={600}>{lang === "ko" ? entry.pg_name_ko : entry.pg_name_en}</Text>
                {entry.pg_param && <Code>{entry.pg_param}</Code>}
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <EntryDetails entry={entry} />
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}

function EntryDetails({ entry }: { entry: PgGuideEntry }) {
  const { t } = useTranslation();
  const yesNo = (v: boolean | null) => (v === true ? t("pgGuide.yes") : v === false ? t("pgGuide.no") : t("pgGuide.unknown"));
  const open = (url: string) => {
    commands.openExternal(url).catch((e: unknown) => notifications.show({ color: "red", message: errorText(t, e) }));
  };
  const links = [
    { label: t("pgGuide.docsKo"), url: entry.doc_url_ko },
    { label: t("pgGuide.docsEn"), url: entry.doc_url_en },
    { label: t("pgGuide.testGuide"), url: entry.test_mode_guide_url },
  ].filter((l): l is { label: string; url: string } => Boolean(l.url));

  return (
    <Stack gap="sm">
      <Table withRowBorders={false} verticalSpacing={4}>
        <Table.Tbody>
          <Table.Tr>
            <Table.Td w={160} c="dimmed">
              {t("pgGuide.pgParam")}
            </Table.Td>
            <Table.Td>
              <Code>{entry.pg_param ?? "—"}</Code> {entry.pg_param_mid_form && <Code>{entry.pg_param_mid_form}</Code>}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td c="dimmed">{t("pgGuide.restIssue")}</Table.Td>
            <Table.Td>{yesNo(entry.supports.billing_key_rest)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td c="dimmed">{t("pgGuide.windowIssue")}</Table.Td>
            <Table.Td>{yesNo(entry.supports.billing_key_window)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td c="dimmed">{t("pgGuide.requiredFields")}</Table.Td>
            <Table.Td>
              <Group gap={4}>
                {entry.required_fields.map((f) => (
                  <Code key={f}>{f}</Code>
                ))}
              </Group>
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <Group gap="md">
        <Text size="sm" c="dimmed">
          {t("pgGuide.docs")}
        </Text>
        {links.map((l) => (
          <Anchor key={l.url} size="sm" component="button" type="button" onClick={() => open(l.url)}>
            {l.label}
          </Anchor>
        ))}
      </Group>
    </Stack>
  );
}
