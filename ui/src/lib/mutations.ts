// Mutations more than one screen starts. Each ends by asking again for what it changed.
import { useMutation } from "@tanstack/react-query";
import { notifications } from "@mantine/notifications";
import { useTranslation } from "react-i18next";
import { commands } from "../bindings";
import { useApp } from "../AppContext";
import { call } from "./ipc";

/**
 * Makes a profile the active one. Failed or not, the shell asks Rust again: a profile may
 * have become active and failed to open (a damaged database), and the shell says why.
 * The new profile's keys differ from the old one's, so no screen shows the old rows.
 */
export function useSwitchProfile(onSwitched?: () => void) {
  const { t } = useTranslation();
  const { refresh } = useApp();
  return useMutation({
    mutationFn: ({ id }: { id: string; name: string }) => call(commands.switchProfile(id)),
    onSuccess: async (_profile, { name }) => {
      await refresh();
      notifications.show({ color: "blue", message: t("profiles.switched", { name }) });
      onSwitched?.();
    },
    onError: () => void refresh(),
  });
}
