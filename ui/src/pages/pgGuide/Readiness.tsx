import { Alert, Anchor, Badge, Button, Code, Group, Loader, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { PgChannelView } from "../../bindings";
import { errorText } from "../../lib/errors";
import { channelsForEntry, classifyChannel, entryName, findEntry, type PgGuideEntry, type ReadinessKind } from "../../lib/pgGuide";
import { useApp } from "../../AppContext";
import type { LoadState } from "./hooks";

/** Badges in narrow table cells keep their whole label. */
export const NO_SHRINK = { minWidth: "max-content" } as const;

export const READINESS_COLOR: Record<ReadinessKind, string> = {
  rest: "grape",
  rest_first_charge: "yellow",
  window: "teal",
  none: "gray",
};

function kindLabel(t: (k: string) => string, kind: string): string {
  if (kind === "payment") return t("pgGuide.readiness.kindPayment");
  if (kind === "api_payment") return t("pgGuide.readiness.kindApi");
  if (kind === "certification") return t("pgGuide.readiness.kindCertification");
  return kind;
}

/** The profile's channels and what each can do for billing keys. */
export function ReadinessView({ state, retry }: { state: LoadState<PgChannelView[]>; retry: () => void }) {
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
      {state.kind === "loading" && (
        <Group gap="xs" data-testid="readiness-loading">
          <Loader size="sm" />
          <Text size="sm">{t("pgGuide.readiness.loading")}</Text>
        </Group>
      )}
      {state.kind === "error" && (
        <Alert color="red" icon={<IconAlertTriangle size={18} />} data-testid="readiness-error">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">{errorText(t, state.error)}</Text>
            <Button size="xs" variant="light" color="red" onClick={retry}>
              {t("common.retry")}
            </Button>
          </Stack>
        </Alert>
      )}
      {state.kind === "ready" && state.data.length === 0 && <Text size="sm">{t("pgGuide.readiness.empty")}</Text>}
      {state.kind === "ready" && state.data.length > 0 && (
        <Stack gap="xs">
          <Text size="sm" fw={500} data-testid="readiness-summary">
            {t("pgGuide.readiness.summary", {
              total: state.data.length,
              ready: state.data.filter((c) => classifyChannel(c).kind !== "none").length,
            })}
          </Text>
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing={6} striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("pgGuide.readiness.channel")}</Table.Th>
                  <Table.Th>{t("pgGuide.col.pg")}</Table.Th>
                  <Table.Th>{t("pgGuide.readiness.kind")}</Table.Th>
                  <Table.Th>{t("pgGuide.readiness.result")}</Table.Th>
                  <Table.Th>{t("pgGuide.readiness.guide")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {state.data.map((c) => {
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
                        <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                          {kindLabel(t, c.kind)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={READINESS_COLOR[r.kind]} style={NO_SHRINK}>
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
export function ReadinessMark({ entry, state }: { entry: PgGuideEntry; state: LoadState<PgChannelView[]> }) {
  const { t } = useTranslation();
  if (state.kind === "loading") {
    return (
      <Badge variant="outline" color="gray" data-testid={`mark-${entry.id}`} data-mark="loading" style={NO_SHRINK}>
        {t("pgGuide.mark.loading")}
      </Badge>
    );
  }
  if (state.kind === "error") {
    return (
      <Badge variant="outline" color="red" data-testid={`mark-${entry.id}`} data-mark="error" style={NO_SHRINK}>
        {t("pgGuide.mark.error")}
      </Badge>
    );
  }
  const n = channelsForEntry(entry, state.data).length;
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
