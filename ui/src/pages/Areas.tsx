import { IconCalendarRepeat, IconCreditCard, IconReceipt2 } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { EmptyState } from "../layout/EmptyState";
import { PageHeader } from "../layout/PageHeader";

// The list areas. Until their data arrives (a key issued, a sync run) each says what it
// will hold and how to fill it.

export function Charges() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t("charges.title")} description={t("charges.description")} />
      <EmptyState icon={IconCreditCard} title={t("charges.emptyTitle")} body={t("charges.emptyBody")} />
    </>
  );
}

export function Schedules() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t("schedules.title")} description={t("schedules.description")} />
      <EmptyState icon={IconCalendarRepeat} title={t("schedules.emptyTitle")} body={t("schedules.emptyBody")} />
    </>
  );
}

export function Payments() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t("payments.title")} description={t("payments.description")} />
      <EmptyState icon={IconReceipt2} title={t("payments.emptyTitle")} body={t("payments.emptyBody")} />
    </>
  );
}
