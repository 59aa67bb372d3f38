import { Alert, Button, Code, Stack, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { errorDetails, errorText, toIpcError } from "../lib/errors";

/**
 * The one way a screen shows an error: the translation of Rust's code, the details a
 * person acts on (an order id, i'mport's code), and a retry when the caller has one.
 * `children` adds what only this place can offer (e.g. "check now" for an open charge).
 */
export function ErrorAlert({
  error,
  title,
  onRetry,
  retrying = false,
  testId,
  color = "red",
  children,
}: {
  error: unknown;
  /** Defaults to a plain "that did not work"; a screen may say what failed. */
  title?: string;
  onRetry?: () => void;
  retrying?: boolean;
  testId?: string;
  color?: string;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const err = toIpcError(error);
  const details = errorDetails(err);
  return (
    <Alert color={color} icon={<IconAlertTriangle size={18} />} title={title ?? t("common.errorTitle")} data-testid={testId} data-code={err.code}>
      <Stack gap={6} align="flex-start">
        <Text size="sm">{errorText(t, err)}</Text>
        {details.length > 0 && (
          <Stack gap={2}>
            {details.map((d) => (
              <Text key={d.key} size="xs" c="dimmed">
                {t(`errorDetails.${d.key}`)}: <Code>{d.value}</Code>
              </Text>
            ))}
          </Stack>
        )}
        {onRetry && (
          <Button size="xs" variant="light" color={color} loading={retrying} onClick={onRetry}>
            {t("common.retry")}
          </Button>
        )}
        {children}
      </Stack>
    </Alert>
  );
}
