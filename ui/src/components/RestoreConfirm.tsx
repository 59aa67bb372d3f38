import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "./ErrorAlert";

/**
 * The question before a store is replaced (by a folder backup, or by the shared store):
 * what comes in its place, that the store as it is now is kept beside it, and the red
 * button. `testId` names the body; its error and button are `<testId>-error` and
 * `<testId>-button`.
 */
export function RestoreConfirm({
  opened,
  title,
  body,
  pending,
  error,
  onClose,
  onConfirm,
  testId,
}: {
  opened: boolean;
  title: string;
  /** What replaces the store, with its figures. */
  body: string;
  pending: boolean;
  error: unknown;
  onClose: () => void;
  onConfirm: () => void;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={title} centered>
      <Stack gap="sm" data-testid={testId}>
        <Text size="sm">{body}</Text>
        <Text size="sm" c="dimmed">
          {t("backupFolder.confirmKept")}
        </Text>
        {error != null && <ErrorAlert error={error} testId={`${testId}-error`} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button color="red" loading={pending} onClick={onConfirm} data-testid={`${testId}-button`}>
            {t("backupFolder.restoreConfirm")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
