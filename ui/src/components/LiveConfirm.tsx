import { Alert, Button, Group, Modal, Stack, Table, TextInput } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useApp } from "../AppContext";
import { formatKrw } from "../lib/format";

export interface LiveLine {
  customer: string;
  amount: number;
}

/**
 * The live-mode confirmation: it restates who is charged (or refunded), each amount and the
 * total. With `typeTotal` (bulk runs) the user must type the total; `total` (bulk runs,
 * whose lines are only the first few of many) is then Rust's total, not the lines' sum. Rust checks the
 * confirmed total again, so this is the user's safeguard, not the only one.
 */
export function LiveConfirm({
  opened,
  lines,
  refund = false,
  typeTotal = false,
  total: given,
  more = 0,
  onConfirm,
  onCancel,
}: {
  opened: boolean;
  lines: LiveLine[];
  refund?: boolean;
  typeTotal?: boolean;
  total?: number;
  /** Lines not shown (beyond the ones given). */
  more?: number;
  onConfirm: (total: number) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const { lang } = useApp();
  const [typed, setTyped] = useState("");
  const total = given ?? lines.reduce((sum, l) => sum + l.amount, 0);
  const ok = !typeTotal || typed.replace(/[^\d]/g, "") === String(total);

  return (
    <Modal opened={opened} onClose={onCancel} title={t("money.live.title")} data-testid="live-confirm">
      <Stack>
        <Alert color="red" icon={<IconAlertTriangle />}>
          {refund ? t("money.live.refundBody") : t("money.live.body")}
        </Alert>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("money.live.customer")}</Table.Th>
              <Table.Th ta="right">{t("money.live.amount")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {lines.slice(0, 10).map((l, i) => (
              <Table.Tr key={`${l.customer}-${i}`}>
                <Table.Td>{l.customer}</Table.Td>
                <Table.Td ta="right">{formatKrw(l.amount, lang)}</Table.Td>
              </Table.Tr>
            ))}
            {more > 0 && (
              <Table.Tr>
                <Table.Td colSpan={2} c="dimmed">
                  {t("money.live.more", { count: more })}
                </Table.Td>
              </Table.Tr>
            )}
            <Table.Tr>
              <Table.Td fw={700}>{t("money.live.total")}</Table.Td>
              <Table.Td ta="right" fw={700} data-testid="live-total">
                {formatKrw(total, lang)}
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
        {typeTotal && (
          <TextInput label={t("money.live.typeTotal", { total: String(total) })} value={typed} onChange={(e) => setTyped(e.currentTarget.value)} data-testid="live-type-total" />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t("customers.detail.cancel")}
          </Button>
          <Button
            color="red"
            disabled={!ok}
            onClick={() => {
              setTyped("");
              onConfirm(total);
            }}
            data-testid="live-confirm-button"
          >
            {t("money.live.confirm")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
