import { Select } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { ProductType } from "../bindings";

/** The kind of goods a PG wants on every charge (KSNET's `product_type`): whether to ask is Rust's rule. */
export function ProductTypeSelect({
  value,
  onChange,
  error,
  kept,
  testId,
}: {
  value: ProductType | null;
  onChange: (v: ProductType | null) => void;
  error?: React.ReactNode;
  /** The kind kept with the key, used when none is chosen here. */
  kept?: ProductType | null;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Select
      label={t("productType.label")}
      description={kept ? t("productType.kept", { kind: t(`productType.${kept}`) }) : t("productType.help")}
      placeholder={kept ? t(`productType.${kept}`) : t("productType.choose")}
      withAsterisk={!kept}
      data={(["real", "digital"] as const).map((k) => ({ value: k, label: t(`productType.${k}`) }))}
      value={value}
      onChange={(v) => onChange(v === "real" || v === "digital" ? v : null)}
      error={error}
      data-testid={testId}
    />
  );
}
