import { Anchor, Badge, Code, Group, List, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { IconArrowLeft, IconExternalLink, IconMap2 } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { commands } from "../bindings";
import { useApp } from "../AppContext";
import { EmptyState } from "../layout/EmptyState";
import { call } from "../lib/ipc";
import { findEntry, localize, type PgGuideEntry } from "../lib/pgGuide";
import { MethodBadge } from "./PgGuide";
import { pgChannelsQuery } from "../lib/queries";
import { ReadinessMark } from "./pgGuide/Readiness";
import { SnippetGenerator } from "./pgGuide/SnippetGenerator";

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <Paper withBorder p="md" radius="md" data-testid={testId}>
      <Title order={4} mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

function Fields({ fields }: { fields: string[] }) {
  return (
    <Group gap={6}>
      {fields.map((f) => (
        <Code key={f}>{f}</Code>
      ))}
    </Group>
  );
}

/** Percent-encoded Korean paths shown as Korean; the link itself is opened unchanged. */
function readableUrl(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

function DocLink({ label, url, badge }: { label: string; url: string; badge?: ReactNode }) {
  // A refused link is told in a notification (the mutation's default).
  const open = useMutation({ mutationFn: () => call(commands.openExternal(url)) });
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <IconExternalLink size={16} style={{ marginTop: 3, flexShrink: 0 }} />
      <Stack gap={0}>
        <Group gap={6}>
          <Anchor component="button" type="button" size="sm" onClick={() => open.mutate()} ta="left" data-testid="doc-link" data-url={url}>
            {label}
          </Anchor>
          {badge}
        </Group>
        <Text size="xs" c="dimmed" style={{ wordBreak: "break-all" }}>
          {readableUrl(url)}
        </Text>
      </Stack>
    </Group>
  );
}

export function PgGuideDetail() {
  const { t } = useTranslation();
  const { id } = useParams<{ id: string }>();
  const entry = findEntry(id);
  if (!entry) {
    return (
      <Stack>
        <Anchor component={Link} to="/pg-guide" size="sm">
          <Group gap={4}>
            <IconArrowLeft size={14} />
            {t("pgGuide.back")}
          </Group>
        </Anchor>
        <EmptyState icon={IconMap2} title={t("pgGuide.notFound")} body={id ?? ""} />
      </Stack>
    );
  }
  return <EntryPage key={entry.id} entry={entry} />;
}

function EntryPage({ entry }: { entry: PgGuideEntry }) {
  const { t } = useTranslation();
  const { lang, profileId } = useApp();
  const channels = useQuery(pgChannelsQuery(profileId));
  const loc = localize(entry, lang);
  const yesNo = (v: boolean | null) => (v === true ? t("pgGuide.yes") : v === false ? t("pgGuide.no") : t("pgGuide.unknown"));
  const yesNoColor = (v: boolean | null) => (v === true ? "green" : v === false ? "red" : "gray");
  const isWindow = entry.method === "window";
  const notes = loc.notes.filter((n) => !n.testMode);
  const testNotes = loc.notes.filter((n) => n.testMode);
  const supportKeys = ["billing_key_rest", "billing_key_window", "charge_again", "schedule", "zero_amount_key_issue", "partial_cancel", "corporate_card"] as const;

  return (
    <Stack>
      <Anchor component={Link} to="/pg-guide" size="sm" data-testid="pg-back">
        <Group gap={4}>
          <IconArrowLeft size={14} />
          {t("pgGuide.back")}
        </Group>
      </Anchor>
      <Stack gap={6}>
        <Group gap="sm" align="center">
          <Title order={2} data-testid="pg-detail-title">
            {loc.name}
          </Title>
          <MethodBadge method={entry.method} />
          <ReadinessMark entry={entry} channels={channels} />
        </Group>
        <Text size="sm" c="dimmed">
          {t(`pgGuide.behaviourShort.${entry.issue_amount_behaviour}`)}
        </Text>
      </Stack>

      <Section title={t("pgGuide.section.method")} testId="pg-method">
        <Stack gap="xs">
          <Text size="sm">{isWindow ? t("pgGuide.method.windowSummary") : t("pgGuide.method.restSummary")}</Text>
          <List size="sm" spacing={4}>
            <List.Item>{isWindow ? t("pgGuide.method.windowPci") : t("pgGuide.method.restPci")}</List.Item>
            <List.Item>{isWindow ? t("pgGuide.method.windowContract") : t("pgGuide.method.restContract")}</List.Item>
            <List.Item>{isWindow ? t("pgGuide.method.windowWebOnly") : t("pgGuide.method.restAnywhere")}</List.Item>
          </List>
          <Text size="sm" c="dimmed">
            {t("pgGuide.method.common")}
          </Text>
          <Group gap="md">
            <Group gap={6}>
              <Text size="sm">{t("pgGuide.method.otherRest")}</Text>
              <Badge variant="light" color={yesNoColor(entry.supports.billing_key_rest)}>
                {yesNo(entry.supports.billing_key_rest)}
              </Badge>
            </Group>
            <Group gap={6}>
              <Text size="sm">{t("pgGuide.method.otherWindow")}</Text>
              <Badge variant="light" color={yesNoColor(entry.supports.billing_key_window)}>
                {yesNo(entry.supports.billing_key_window)}
              </Badge>
            </Group>
          </Group>
        </Stack>
      </Section>

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Section title={t("pgGuide.section.pg")} testId="pg-param">
          <Table withRowBorders={false} verticalSpacing={4}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Td w={130} c="dimmed">
                  {t("pgGuide.pg.code")}
                </Table.Td>
                <Table.Td>{entry.pg_param ? <Code>{entry.pg_param}</Code> : <Text size="sm">{t("pgGuide.pg.none")}</Text>}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Td c="dimmed">{t("pgGuide.pg.midForm")}</Table.Td>
                <Table.Td>{loc.midForm ? <Code>{loc.midForm}</Code> : <Text size="sm">{t("pgGuide.pg.noMidForm")}</Text>}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          <Text size="xs" c="dimmed" mt="xs">
            {t("pgGuide.pg.multiHint")}
          </Text>
        </Section>

        <Section title={t("pgGuide.section.amount")} testId="pg-amount">
          <Badge variant="light" mb="xs">
            {t(`pgGuide.behaviourShort.${entry.issue_amount_behaviour}`)}
          </Badge>
          <Text size="sm">{t(`pgGuide.behaviourLong.${entry.issue_amount_behaviour}`)}</Text>
        </Section>

        <Section title={t("pgGuide.section.delivery")} testId="pg-delivery">
          <Table withRowBorders={false} verticalSpacing={4}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Td w={90} c="dimmed">
                  {t("pgGuide.delivery.pc")}
                </Table.Td>
                <Table.Td>{loc.resultDelivery.pc}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Td c="dimmed">{t("pgGuide.delivery.mobile")}</Table.Td>
                <Table.Td>{loc.resultDelivery.mobile}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Section>

        <Section title={t("pgGuide.section.supports")} testId="pg-supports">
          <Table withRowBorders={false} verticalSpacing={2}>
            <Table.Tbody>
              {supportKeys.map((k) => (
                <Table.Tr key={k}>
                  <Table.Td>
                    <Text size="sm">{t(`pgGuide.supports.${k}`)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" size="sm" color={yesNoColor(entry.supports[k])}>
                      {yesNo(entry.supports[k])}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Section>
      </SimpleGrid>

      <Section title={t("pgGuide.section.fields")} testId="pg-fields">
        <Stack gap="sm">
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              {loc.requiredKeyPlusCharge ? t("pgGuide.fields.requiredKeyOnly") : t("pgGuide.fields.required")}
            </Text>
            <Fields fields={entry.required_fields} />
          </Stack>
          {loc.requiredKeyPlusCharge && (
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                {t("pgGuide.fields.requiredKeyPlusCharge")}
              </Text>
              <Fields fields={loc.requiredKeyPlusCharge} />
            </Stack>
          )}
          <Group gap={6}>
            <Code>{t("pgGuide.fields.payMethod")}</Code>
            <Text size="sm">{loc.payMethod ?? t("pgGuide.unknown")}</Text>
          </Group>
          {loc.conditional.length > 0 && (
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                {t("pgGuide.fields.conditional")}
              </Text>
              <Table verticalSpacing={4} data-testid="pg-conditional">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={180}>{t("pgGuide.fields.field")}</Table.Th>
                    <Table.Th>{t("pgGuide.fields.when")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {loc.conditional.map((c) => (
                    <Table.Tr key={c.field}>
                      <Table.Td>
                        <Code>{c.field}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{c.when}</Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Stack>
          )}
        </Stack>
      </Section>

      {isWindow && <SnippetGenerator entry={entry} />}

      <Section title={t("pgGuide.section.notes")} testId="pg-notes">
        <List size="sm" spacing={6}>
          {notes.map((n) => (
            <List.Item key={n.text}>{n.text}</List.Item>
          ))}
        </List>
      </Section>

      <Section title={t("pgGuide.section.testMode")} testId="pg-test-mode">
        <Stack gap="sm">
          {testNotes.length > 0 ? (
            <List size="sm" spacing={6}>
              {testNotes.map((n) => (
                <List.Item key={n.text}>{n.text}</List.Item>
              ))}
            </List>
          ) : (
            <Text size="sm">{t("pgGuide.docs.noTestNotes")}</Text>
          )}
          {entry.test_mode_guide_url && <DocLink label={t("pgGuide.docs.testGuide")} url={entry.test_mode_guide_url} />}
        </Stack>
      </Section>

      <Section title={t("pgGuide.section.docs")} testId="pg-docs">
        <Stack gap="sm">
          {entry.doc_url_ko && <DocLink label={t("pgGuide.docs.ko")} url={entry.doc_url_ko} />}
          {entry.doc_url_en && <DocLink label={t("pgGuide.docs.en")} url={entry.doc_url_en} />}
          <Text size="sm" fw={500} mt="xs">
            {t("pgGuide.docs.linked")}
          </Text>
          {loc.linkedDocs.map((d) => (
            <DocLink
              key={d.url + d.label}
              label={d.label}
              url={d.url}
              badge={
                <Badge size="xs" variant="outline" color={d.linkedByManual ? "blue" : "gray"}>
                  {d.linkedByManual ? t("pgGuide.docs.byManual") : t("pgGuide.docs.consulted")}
                </Badge>
              }
            />
          ))}
        </Stack>
      </Section>
    </Stack>
  );
}
