import { Paper, Stack, Text, ThemeIcon } from "@mantine/core";
import type { ComponentType } from "react";

/** What an area will hold and how to get data into it. */
export function EmptyState({ icon: Icon, title, body }: { icon: ComponentType<{ size?: number; stroke?: number }>; title: string; body: string }) {
  return (
    <Paper withBorder p="xl" radius="md" data-testid="empty-state">
      <Stack align="center" gap="sm" maw={560} mx="auto" ta="center">
        <ThemeIcon size={48} radius="xl" variant="light">
          <Icon size={26} stroke={1.5} />
        </ThemeIcon>
        <Text fw={600}>{title}</Text>
        <Text size="sm" c="dimmed">
          {body}
        </Text>
      </Stack>
    </Paper>
  );
}
