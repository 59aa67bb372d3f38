import { ActionIcon, Badge, Code, Group, Loader, Paper, Table, Text, Title, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCheck, IconCopy } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { testCardsQuery } from "../../lib/queries";
import { useCopy } from "./hooks";

const BEHAVIOUR_COLOR: Record<string, string> = { approve: "green", decline: "orange", failissue: "red" };

function CardNumber({ number }: { number: string }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLElement>(null);
  const [state, copy] = useCopy();
  const onCopy = async () => {
    if ((await copy(number, ref.current)) === "failed") {
      notifications.show({ color: "yellow", message: t("pgGuide.copy.failed") });
    }
  };
  return (
    <Group gap={4} wrap="nowrap">
      <Code ref={ref} ff="monospace" fz="sm" style={{ whiteSpace: "nowrap" }}>
        {number}
      </Code>
      <Tooltip label={state === "copied" ? t("pgGuide.copy.copied") : t("pgGuide.testCards.copy")}>
        <ActionIcon variant="subtle" size="sm" aria-label={t("pgGuide.testCards.copy")} onClick={() => void onCopy()}>
          {state === "copied" ? <IconCheck size={14} /> : <IconCopy size={14} />}
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}

/** The built-in sandbox's test cards; shown only while the sandbox profile is active. */
export function TestCards() {
  const { t } = useTranslation();
  const { lang, profileId } = useApp();
  const cards = useQuery(testCardsQuery(profileId));
  const behaviour = (b: string) => (["approve", "decline", "failissue"].includes(b) ? t(`pgGuide.testCards.${b}`) : b);
  return (
    <Paper withBorder p="md" radius="md" data-testid="test-cards">
      <Title order={4} mb={4}>
        {t("pgGuide.section.testCards")}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t("pgGuide.testCards.help")}
      </Text>
      {cards.isPending && (
        <Group gap="xs">
          <Loader size="sm" />
          <Text size="sm">{t("pgGuide.testCards.loading")}</Text>
        </Group>
      )}
      {cards.isError && <ErrorAlert error={cards.error} onRetry={() => void cards.refetch()} retrying={cards.isFetching} testId="test-cards-error" />}
      {cards.isSuccess && (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing={6} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("pgGuide.testCards.number")}</Table.Th>
                <Table.Th>{t("pgGuide.testCards.behaviour")}</Table.Th>
                <Table.Th>{t("pgGuide.testCards.failReason")}</Table.Th>
                <Table.Th>{t("pgGuide.testCards.cardName")}</Table.Th>
                <Table.Th>{t("pgGuide.testCards.description")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {cards.data.map((c) => (
                <Table.Tr key={c.number} data-testid={`test-card-${c.number}`}>
                  <Table.Td>
                    <CardNumber number={c.number} />
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={BEHAVIOUR_COLOR[c.behaviour] ?? "gray"} style={{ minWidth: "max-content" }}>
                      {behaviour(c.behaviour)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{c.fail_reason ?? "—"}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                      {c.card_name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{lang === "ko" ? c.description_ko : c.description_en}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
