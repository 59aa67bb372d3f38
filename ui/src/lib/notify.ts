import { notifications } from "@mantine/notifications";
import i18n from "../i18n";
import { errorText } from "./errors";

/**
 * The one way an error is told in passing (no place on screen to stay): a red toast with
 * the translation of Rust's code, in the language the app shows now.
 */
export function notifyError(error: unknown, title?: string) {
  notifications.show({ color: "red", title, message: errorText(i18n.t, error) });
}
