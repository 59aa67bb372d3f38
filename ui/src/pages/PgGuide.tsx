import type { ReactNode } from "react";
import { Anchor, Badge, Code, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { useApp } from "../AppContext";
import { PageHeader } from "../layout/PageHeader";
import { entryName, PG_GUIDE, type PgGuideEntry } from "../lib/pgGuide";
import { pgChannelsQuery } from "../lib/queries";
import { ReadinessMark, ReadinessView } from "./pgGuide/Readiness";
import { TestCards } from "./pgGuide/TestCards";

export function MethodBadge({ method }: { method: PgGuideEntry["method"] }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={method === "rest" ? "grape" : "teal"} style={{ flexShrink: 0, minWidth: "max-content" }}>
      {method === "rest" ? t("pgGuide.methodRest") : t("pgGuide.methodWindow")}
    </Badge>
  );
}

/** The PG guide's landing: the profile's readiness, then every entry grouped by method. */
export function PgGuide() {
  const { t } = useTranslation();
  const { status, profileId } = useApp();
  const channels = useQuery(pgChannelsQuery(profileId));
  const sandbox = status.active_profile.mode === "sandbox";

  const group = (method: PgGuideEntry["method"]) => {
    const entries = PG_GUIDE.filter((e) => e.method === method);
    return (
      <Paper withBorder p="md" radius="md" data-testid={`pg-group-${method}`}>
        <Title order={4}>{method === "rest" ? t("pgGuide.groupRest") : t("pgGuide.groupWindow")}</Title>
        <Text size="sm" c="dimmed" mb="sm">
          {method === "rest" ? t("pgGuide.groupRestHelp") : t("pgGuide.groupWindowHelp")}
        </Text>
        <Table.ScrollContainer minWidth={760}>
          <Table highlightOnHover verticalSpacing={8}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("pgGuide.col.name")}</Table.Th>
                <Table.Th>{t("pgGuide.col.method")}</Table.Th>
                <Table.Th>{t("pgGuide.col.pg")}</Table.Th>
                <Table.Th>{t("pgGuide.col.issuance")}</Table.Th>
                <Table.Th>{t("pgGuide.col.readiness")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((e) => (
                <EntryRow key={e.id} entry={e} mark={<ReadinessMark entry={e} channels={channels} />} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
    );
  };

  return (
    <Stack>
      <PageHeader title={t("pgGuide.title")} description={t("pgGuide.description")} />
      <ReadinessView channels={channels} />
      {sandbox && <TestCards />}
      <Text size="sm" c="dimmed" data-testid="pg-guide-count">
        {t("pgGuide.count", { count: PG_GUIDE.length })}
      </Text>
      {group("rest")}
      {group("window")}
    </Stack>
  );
}

function EntryRow({ entry, mark }: { entry: PgGuideEntry; mark: ReactNode }) {
  const { t } = useTranslation();
  const { lang } = useApp();
  const navigate = useNavigate();
  const to = `/pg-guide/${entry.id}`;
  return (
    <Table.Tr data-testid={`pg-entry-${entry.id}`} style={{ cursor: "pointer" }} onClick={() => void navigate(to)}>
      <Table.Td>
        <Anchor component={Link} to={to} fw={600} size="sm" onClick={(ev) => ev.stopPropagation()}>
          {entryName(entry, lang)}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <MethodBadge method={entry.method} />
      </Table.Td>
      <Table.Td>{entry.pg_param ? <Code>{entry.pg_param}</Code> : <Text size="sm" c="dimmed">—</Text>}</Table.Td>
      <Table.Td>
        <Text size="sm">{t(`pgGuide.behaviourShort.${entry.issue_amount_behaviour}`)}</Text>
      </Table.Td>
      <Table.Td>{mark}</Table.Td>
    </Table.Tr>
  );
}
