import { Anchor, Badge, Code, Group, Loader, Paper, Stack, Table, Text, Title } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { PgChannelView } from "../../bindings";
import { ErrorAlert } from "../../components/ErrorAlert";
import { channelsForEntry, classifyChannel, entryName, findEntry, PG_GUIDE, type PgGuideEntry, type ReadinessKind } from "../../lib/pgGuide";
import { useApp } from "../../AppContext";

/** The active profile's channels, as the PG guide's pages asked for them. */
export type ChannelsAnswer = UseQueryResult<PgChannelView[]>;

/** Badges in narrow table cells keep their whole label. */
export const NO_SHRINK = { minWidth: "max-content" } as const;

export const READINESS_COLOR: Record<ReadinessKind, string> = {
  rest: "grape",
  rest_first_charge: "yellow",
  window: "teal",
  none: "gray",
};

/** The profile's channels and what each can do for billing keys. */
export function ReadinessView({ channels }: { channels: ChannelsAnswer }) {
  const { t } = useTranslation();
  const { lang, status } = useApp();
  return (
    <Paper withBorder p="md" radius="md" data-testid="readiness">
      <Group justify="space-between" mb={4}>
        <Title order={4}>{t("pgGuide.section.readiness")}</Title>
        <Text size="sm" c="dimmed">
          {status.active_profile.name}
        </Text>
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        {t("pgGuide.readiness.help")}
      </Text>
      {channels.isPending && (
        <Group gap="xs" data-testid="readiness-loading">
          <Loader size="sm" />
          <Text size="sm">{t("pgGuide.readiness.loading")}</Text>
        </Group>
      )}
      {channels.isError && <ErrorAlert error={channels.error} onRetry={() => void channels.refetch()} retrying={channels.isFetching} testId="readiness-error" />}
      {channels.isSuccess && channels.data.length === 0 && <Text size="sm">{t("pgGuide.readiness.empty")}</Text>}
      {channels.isSuccess && channels.data.length > 0 && (
        <Stack gap="xs">
          <Text size="sm" fw={500} data-testid="readiness-summary">
            {t("pgGuide.readiness.summary", {
              total: channels.data.length,
              ready: channels.data.filter((c) => classifyChannel(c).kind !== "none").length,
            })}
          </Text>
          <GuideCoverage channels={channels.data} />
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing={6} striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("pgGuide.readiness.channel")}</Table.Th>
                  <Table.Th>{t("pgGuide.col.pg")}</Table.Th>
                  <Table.Th>{t("pgGuide.readiness.result")}</Table.Th>
                  <Table.Th>{t("pgGuide.readiness.guide")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {channels.data.map((c) => {
                  const r = classifyChannel(c);
                  const entry = findEntry(r.entryId ?? undefined);
                  return (
                    <Table.Tr key={`${c.pg_provider}.${c.pg_id}.${c.kind}`} data-testid={`readiness-row-${c.pg_provider}.${c.pg_id}`} data-readiness={r.kind}>
                      <Table.Td>
                        <Group gap={6} wrap="nowrap">
                          <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                            {c.channel_name ?? "—"}
                          </Text>
                          {c.sandbox && (
                            <Badge size="xs" variant="outline" color="orange" style={NO_SHRINK}>
                              {t("pgGuide.readiness.testChannel")}
                            </Badge>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <Code>{`${c.pg_provider}.${c.pg_id}`}</Code>
                      </Table.Td>
                      <Table.Td>
                        {/* The longest verdicts ("over REST, only with a first charge") wrap rather than run out of the table. */}
                        <Badge variant="light" tt="none" color={READINESS_COLOR[r.kind]} styles={{ root: { height: "auto", paddingBlock: 2 }, label: { whiteSpace: "normal" } }}>
                          {t(`pgGuide.readiness.${r.kind}`)}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        {entry ? (
                          <Anchor component={Link} to={`/pg-guide/${entry.id}`} size="sm">
                            {entryName(entry, lang)}
                          </Anchor>
                        ) : (
                          <Text size="sm" c="dimmed">
                            —
                          </Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </Paper>
  );
}

/** The small mark on an entry: how many of the profile's channels issue keys this way. */
export function ReadinessMark({ entry, channels }: { entry: PgGuideEntry; channels: ChannelsAnswer }) {
  const { t } = useTranslation();
  if (channels.isPending) {
    return (
      <Badge variant="outline" color="gray" data-testid={`mark-${entry.id}`} data-mark="loading" style={NO_SHRINK}>
        {t("pgGuide.mark.loading")}
      </Badge>
    );
  }
  if (channels.isError) {
    return (
      <Badge variant="outline" color="red" data-testid={`mark-${entry.id}`} data-mark="error" style={NO_SHRINK}>
        {t("pgGuide.mark.error")}
      </Badge>
    );
  }
  const n = channelsForEntry(entry, channels.data).length;
  return n > 0 ? (
    <Badge variant="filled" color="green" data-testid={`mark-${entry.id}`} data-mark="ready" style={NO_SHRINK}>
      {t("pgGuide.mark.ready", { count: n })}
    </Badge>
  ) : (
    <Badge variant="outline" color="gray" data-testid={`mark-${entry.id}`} data-mark="missing" style={NO_SHRINK}>
      {t("pgGuide.mark.missing")}
    </Badge>
  );
}

/** The sixteen guide rows, each configured on the profile's account or not (GET /users/pg). */
function GuideCoverage({ channels }: { channels: PgChannelView[] }) {
  const { t } = useTranslation();
  const { lang } = useApp();
  const rows = PG_GUIDE.map((entry) => ({ entry, configured: channelsForEntry(entry, channels).length > 0 }));
  return (
    <Stack gap={6} data-testid="guide-coverage">
      <Text size="sm" data-testid="guide-coverage-summary">
        {t("pgGuide.readiness.coverage", { total: rows.length, ready: rows.filter((r) => r.configured).length })}
      </Text>
      {([true, false] as const).map((configured) => (
        <Group key={String(configured)} gap={6} align="flex-start" wrap="wrap">
          <Text size="xs" c="dimmed" w={90} style={{ flexShrink: 0 }}>
            {configured ? t("pgGuide.readiness.coverageConfigured") : t("pgGuide.readiness.coverageMissing")}
          </Text>
          <Group gap={4} style={{ flex: 1 }} wrap="wrap">
            {rows
              .filter((r) => r.configured === configured)
              .map(({ entry }) => (
                <Badge
                  key={entry.id}
                  component={Link}
                  to={`/pg-guide/${entry.id}`}
                  variant={configured ? "light" : "outline"}
                  color={configured ? "green" : "gray"}
                  style={{ ...NO_SHRINK, cursor: "pointer", textTransform: "none" }}
                  data-testid={`coverage-${entry.id}`}
                  data-configured={configured}
                >
                  {entryName(entry, lang)} · {entry.method === "rest" ? t("pgGuide.methodRest") : t("pgGuide.methodWindow")}
                </Badge>
              ))}
          </Group>
        </Group>
      ))}
    </Stack>
  );
}
