import { Group, SegmentedControl, Select } from "@mantine/core";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { SettlementPeriod } from "../bindings";
import { useApp } from "../AppContext";

export type PeriodKind = SettlementPeriod["kind"];

/** Today's year and month in the profile's zone (the period's days themselves are Rust's). */
function yearMonthIn(timeZone: string): [number, number] {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "numeric" }).formatToParts(new Date());
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return [get("year"), get("month")];
}

function periodOf(kind: PeriodKind, year: number, index: number): SettlementPeriod {
  if (kind === "month") return { kind, year, month: index };
  if (kind === "quarter") return { kind, year, quarter: index };
  return { kind, year, half: index };
}

/** A month, quarter or half-year chosen on screen, starting from the current one. */
export function usePeriodChoice(initialKind: PeriodKind) {
  const { zone } = useApp();
  const [thisYear, thisMonth] = yearMonthIn(zone);
  const indexNow = (k: PeriodKind) => (k === "month" ? thisMonth : k === "quarter" ? Math.ceil(thisMonth / 3) : thisMonth <= 6 ? 1 : 2);
  const [kind, setKindState] = useState<PeriodKind>(initialKind);
  const [year, setYear] = useState(thisYear);
  const [index, setIndex] = useState(() => indexNow(initialKind));
  const setKind = (k: PeriodKind) => {
    setKindState(k);
    setIndex(indexNow(k));
  };
  return { kind, year, index, thisYear, period: periodOf(kind, year, index), setKind, setYear, setIndex };
}

export type PeriodChoice = ReturnType<typeof usePeriodChoice>;

/** The period's controls: kind, year, and which month, quarter or half; `children` follow on the same row. */
export function PeriodPicker({ choice, testId, children }: { choice: PeriodChoice; testId: string; children?: ReactNode }) {
  const { t } = useTranslation();
  const { kind, year, index, thisYear } = choice;
  const indexes = kind === "month" ? 12 : kind === "quarter" ? 4 : 2;
  return (
    <Group align="flex-end" wrap="wrap">
      <SegmentedControl
        value={kind}
        onChange={(v) => choice.setKind(v as PeriodKind)}
        data={(["month", "quarter", "half"] as const).map((k) => ({ value: k, label: t(`settlement.kind.${k}`) }))}
        data-testid={`${testId}-kind`}
      />
      <Select
        label={t("settlement.year")}
        data={Array.from({ length: 5 }, (_, i) => String(thisYear - i))}
        value={String(year)}
        onChange={(v) => v && choice.setYear(Number(v))}
        allowDeselect={false}
        w={110}
        data-testid={`${testId}-year`}
      />
      <Select
        label={t(`settlement.index.${kind}`)}
        data={Array.from({ length: indexes }, (_, i) => ({ value: String(i + 1), label: t(`settlement.indexLabel.${kind}`, { n: i + 1 }) }))}
        value={String(index)}
        onChange={(v) => v && choice.setIndex(Number(v))}
        allowDeselect={false}
        w={130}
        data-testid={`${testId}-index`}
      />
      {children}
    </Group>
  );
}
