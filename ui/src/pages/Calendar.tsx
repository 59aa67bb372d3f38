import { ActionIcon, Box, Button, Grid, Group, Loader, Paper, Progress, SegmentedControl, SimpleGrid, Stack, Table, Text, Title, UnstyledButton } from "@mantine/core";
import { IconChevronLeft, IconChevronRight } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { CalendarDay, Schedule, StateTotal } from "../bindings";
import { useApp } from "../AppContext";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../layout/PageHeader";
import { formatDateTime, formatKrw } from "../lib/format";
import { scheduleCalendarQuery, scheduleForecastQuery, schedulePages, type ListQuery } from "../lib/queries";
import type { ScheduleQuery } from "../bindings";
import { usePaged } from "../lib/usePaged";
import { ScheduleDrawer } from "./schedules/ScheduleDrawer";
import { STATE_COLORS, ScheduleStateBadge } from "./schedules/ScheduleStateBadge";

const ALL: ListQuery<ScheduleQuery> = { customer_uid: null, status: null, states: [], from: null, to: null, pg: null, text: null, limit: null };

/**
 * A month of scheduled charges: each day (a day of the profile's zone, cut by Rust) with its
 * totals per state, as amounts or counts; a day's list on click; and the next 90 days'
 * expected money, week by week.
 */
export function Calendar() {
  const { t } = useTranslation();
  const { lang, profileId } = useApp();
  const [month, setMonth] = useState("");
  const [show, setShow] = useState<"amount" | "count">("amount");
  const [day, setDay] = useState<CalendarDay | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const cal = useQuery(scheduleCalendarQuery(profileId, month, ALL));
  const data = cal.data;
  const weekdays = t("schedules.calendar.weekdays").split(",");
  const shown = (s: StateTotal) => (show === "amount" ? formatKrw(s.amount, lang) : t("schedules.calendar.countCell", { count: s.count }));

  return (
    <Stack gap="sm">
      <PageHeader title={t("schedules.calendar.title")} description={t("schedules.calendar.description", { zone: data?.time_zone ?? "" })} />
      {cal.error && <ErrorAlert error={cal.error} onRetry={() => void cal.refetch()} retrying={cal.isFetching} testId="calendar-error" />}
      {!data ? (
        <Loader />
      ) : (
        <>
          <Group justify="space-between">
            <Group gap="xs">
              <ActionIcon variant="default" aria-label={t("schedules.calendar.previous")} onClick={() => setMonth(data.previous)} data-testid="calendar-previous">
                <IconChevronLeft size={16} />
              </ActionIcon>
              <Title order={4} data-testid="calendar-month" data-month={data.month}>
                {t("schedules.calendar.monthTitle", { year: data.month.slice(0, 4), month: Number(data.month.slice(5, 7)) })}
              </Title>
              <ActionIcon variant="default" aria-label={t("schedules.calendar.next")} onClick={() => setMonth(data.next)} data-testid="calendar-next">
                <IconChevronRight size={16} />
              </ActionIcon>
              <Button size="xs" variant="subtle" onClick={() => setMonth("")}>
                {t("schedules.calendar.today")}
              </Button>
            </Group>
            <SegmentedControl
              size="xs"
              value={show}
              onChange={(v) => setShow(v as "amount" | "count")}
              data={[
                { value: "amount", label: t("schedules.calendar.amount") },
                { value: "count", label: t("schedules.calendar.count") },
              ]}
              data-testid="calendar-show"
            />
          </Group>
          <SimpleGrid cols={7} spacing={4} verticalSpacing={4}>
            {weekdays.map((w) => (
              <Text key={w} size="xs" c="dimmed" ta="center" fw={600}>
                {w}
              </Text>
            ))}
            {Array.from({ length: data.first_weekday }, (_, i) => (
              <Box key={`pad-${i}`} />
            ))}
            {data.days.map((d) => {
              const any = d.by_state.filter((s) => s.count > 0);
              const selected = day?.date === d.date;
              return (
                <UnstyledButton key={d.date} onClick={() => setDay(d)} data-testid={`calendar-day-${d.date}`} data-count={any.reduce((n, s) => n + s.count, 0)}>
                  <Paper
                    withBorder
                    p={4}
                    h={62}
                    style={{
                      overflow: "hidden",
                      borderColor: selected ? "var(--mantine-color-blue-6)" : undefined,
                      background: d.date === data.today ? "var(--mantine-color-blue-0)" : undefined,
                    }}
                  >
                    <Text size="xs" fw={600}>
                      {d.day}
                    </Text>
                    {any.map((s) => (
                      <Text key={s.state} size="10px" lh={1.3} c={STATE_COLORS[s.state]} truncate data-testid={`calendar-cell-${s.state}`}>
                        ● {shown(s)}
                      </Text>
                    ))}
                  </Paper>
                </UnstyledButton>
              );
            })}
          </SimpleGrid>
          <Group gap="md" data-testid="calendar-totals">
            <Text size="xs" c="dimmed">
              {t("schedules.calendar.monthTotals")}
            </Text>
            {data.totals.map((s) => (
              <Text key={s.state} size="xs" c={STATE_COLORS[s.state]}>
                {t(`schedules.state.${s.state}`)} {show === "amount" ? formatKrw(s.amount, lang) : t("schedules.calendar.countCell", { count: s.count })}
              </Text>
            ))}
          </Group>
        </>
      )}
      <Grid>
        <Grid.Col span={6}>{day && <DayList day={day} onOpen={setOpen} />}</Grid.Col>
        <Grid.Col span={day ? 6 : 12}>
          <ForecastCard />
        </Grid.Col>
      </Grid>
      <ScheduleDrawer merchantUid={open} onClose={() => setOpen(null)} />
    </Stack>
  );
}

function DayList({ day, onOpen }: { day: CalendarDay; onOpen: (merchantUid: string) => void }) {
  const { t } = useTranslation();
  const { zone, lang, profileId } = useApp();
  // The day's bounds are Rust's (the profile's zone), so the list is exactly the cell.
  const { rows, loading, error } = usePaged(schedulePages(profileId, { ...ALL, from: day.start, to: day.end, limit: 200 }));
  return (
    <Paper withBorder p="sm" data-testid="calendar-day-list">
      <Text fw={600} size="sm" mb={4}>
        {t("schedules.calendar.dayTitle", { date: day.date })}
      </Text>
      {error && <ErrorAlert error={error} testId="calendar-day-error" />}
      {loading && rows.length === 0 ? (
        <Loader size="sm" />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("schedules.calendar.dayEmpty")}
        </Text>
      ) : (
        <Table highlightOnHover verticalSpacing={4}>
          <Table.Tbody>
            {rows.map((s: Schedule) => (
              <Table.Tr key={s.merchant_uid} style={{ cursor: "pointer" }} onClick={() => onOpen(s.merchant_uid)} data-testid="calendar-day-row">
                <Table.Td>
                  <UnstyledButton onClick={() => onOpen(s.merchant_uid)} data-testid="calendar-day-open">
                    <Text size="xs" td="underline dotted">
                      {formatDateTime(s.schedule_at, zone, lang).slice(-5)}
                    </Text>
                  </UnstyledButton>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" truncate maw={120}>
                    {s.customer_name ?? s.customer_uid}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{formatKrw(s.amount, lang)}</Text>
                </Table.Td>
                <Table.Td>
                  <ScheduleStateBadge state={s.state} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

function ForecastCard() {
  const { t } = useTranslation();
  const { lang, profileId } = useApp();
  const f = useQuery(scheduleForecastQuery(profileId));
  if (f.error) return <ErrorAlert error={f.error} testId="forecast-error" />;
  if (!f.data) return <Loader size="sm" />;
  const max = Math.max(1, ...f.data.weeks.map((w) => w.scheduled_amount + w.projected_amount));
  return (
    <Paper withBorder p="sm" data-testid="forecast">
      <Text fw={600} size="sm">
        {t("schedules.calendar.forecastTitle")}
      </Text>
      <Text size="xs" c="dimmed" mb={4}>
        {t("schedules.calendar.forecastBody")}
      </Text>
      <Group gap="md" mb={4}>
        <Text size="xs" c="blue" data-testid="forecast-scheduled">
          {t("schedules.calendar.forecastScheduled", { amount: formatKrw(f.data.scheduled_amount, lang), count: f.data.scheduled_count })}
        </Text>
        <Text size="xs" c="grape" data-testid="forecast-projected">
          {t("schedules.calendar.forecastProjected", { amount: formatKrw(f.data.projected_amount, lang), count: f.data.projected_count })}
        </Text>
      </Group>
      <Stack gap={2}>
        {f.data.weeks.map((w) => (
          <Group key={w.first_day} gap="xs" wrap="nowrap">
            <Text size="10px" w={92} c="dimmed">
              {t("schedules.calendar.week", { from: w.first_day.slice(5), to: w.last_day.slice(5) })}
            </Text>
            <Progress.Root size="md" style={{ flex: 1 }}>
              <Progress.Section value={(w.scheduled_amount / max) * 100} color="blue" />
              <Progress.Section value={(w.projected_amount / max) * 100} color="grape" />
            </Progress.Root>
            <Text size="10px" w={84} ta="right">
              {formatKrw(w.scheduled_amount + w.projected_amount, lang)}
            </Text>
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}
