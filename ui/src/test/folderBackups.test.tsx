import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { BackupView, FolderBackup, IpcError } from "../bindings";
import i18n from "../i18n";
import { FolderBackupSection } from "../pages/settings/FolderBackupSection";
import { appStatus, profile, SETTINGS } from "./fixtures";
import { renderScreen } from "./render";

function backup(name: string, at: number, customers: number | null): FolderBackup {
  return {
    path: `/mnt/nas/${name}`,
    file_name: name,
    size_bytes: 2_400_000,
    taken_at: at,
    contents: customers === null ? null : { profile_id: "shop", mode: "test", schema_version: 11, taken_at: at, customers, active_keys: customers - 1, payments: 1234 },
    problem: customers === null ? "damaged" : null,
  };
}

/** A Rust side holding the profile's backup settings and its folder. */
function backend(opts: { folder?: string | null; lastError?: IpcError | null; lang?: "ko" | "en" } = {}) {
  const calls: { cmd: string; args: unknown }[] = [];
  let view: BackupView = {
    settings: { folder: opts.folder ?? null, every: "off", keep: 14 },
    keep_min: 1,
    keep_max: 365,
    last_success_at: null,
    last_attempt_at: opts.lastError ? 1_795_000_000 : null,
    last_error: opts.lastError ?? null,
    next_due_at: null,
    running: false,
  };
  let files = [backup("subdesk-shop-20261202T010000.000Z-000.sqlite3", 1_795_000_000, 42), backup("subdesk-shop-20261201T010000.000Z-000.sqlite3", 1_794_900_000, null)];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "app_status":
        return appStatus(profile("shop", "My shop", "test"));
      case "get_settings":
        return { ...SETTINGS, language: opts.lang ?? "ko" };
      case "backup_setup":
        return view;
      case "choose_backup_folder":
        view = { ...view, settings: { ...view.settings, folder: "/mnt/nas/subdesk" } };
        return view;
      case "set_backup_schedule": {
        const { every, keep } = args as { every: BackupView["settings"]["every"]; keep: number };
        if (keep > 365) throw { code: "invalid_backup_settings", message: "keep out of range", details: { field: "keep", min: 1, max: 365 } };
        view = { ...view, settings: { ...view.settings, every, keep }, next_due_at: every === "off" ? null : 1_795_086_400 };
        return view;
      }
      case "list_folder_backups":
        return files;
      case "backup_to_folder_now": {
        const made = backup("subdesk-shop-20261203T010000.000Z-000.sqlite3", 1_795_090_000, 43);
        files = [made, ...files];
        view = { ...view, last_success_at: made.taken_at };
        return made;
      }
      case "restore_folder_backup":
        return { contents: files[0]?.contents, previous: "/data/backups/pre-restore.sqlite3" };
      default:
        throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    }
  });
  return calls;
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("the backup folder section", () => {
  it("chooses a folder, saves a schedule, backs up now and lists what each backup holds", async () => {
    const calls = backend();
    renderScreen(<FolderBackupSection />);
    expect(await screen.findByTestId("backup-folder")).toHaveTextContent("아직 선택하지 않았습니다");
    expect(screen.getByTestId("backup-to-folder")).toBeDisabled();

    await userEvent.click(screen.getByTestId("choose-backup-folder"));
    await waitFor(() => expect(screen.getByTestId("backup-folder")).toHaveTextContent("/mnt/nas/subdesk"));
    // The folder's backups of this profile: counts from each file, a damaged one refused.
    const rows = await screen.findAllByTestId("folder-backup-row");
    expect(rows).toHaveLength(2);
    const [newest, damaged] = rows as [HTMLElement, HTMLElement];
    expect(newest).toHaveTextContent("42");
    expect(newest).toHaveTextContent("1,234");
    expect(within(damaged).getByTestId("folder-backup-damaged")).toHaveTextContent("손상됨");
    expect(within(damaged).getByTestId("restore-backup")).toBeDisabled();

    await userEvent.click(screen.getByTestId("backup-every"));
    await userEvent.click(await screen.findByRole("option", { name: "매일", hidden: true }));
    await userEvent.click(screen.getByTestId("backup-schedule-save"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "set_backup_schedule").map((c) => c.args)).toEqual([{ every: "daily", keep: 14 }]));
    await waitFor(() => expect(screen.getByTestId("backup-next-due")).not.toHaveTextContent("예약 없음"));

    await userEvent.click(screen.getByTestId("backup-to-folder"));
    await waitFor(() => expect(screen.getAllByTestId("folder-backup-row")).toHaveLength(3));
    expect(screen.getByTestId("backup-last-success")).not.toHaveTextContent("없음");
  });

  it("refuses a kept number out of range with Rust's bounds in the user's language", async () => {
    backend({ folder: "/mnt/nas/subdesk" });
    renderScreen(<FolderBackupSection />);
    const keep = await screen.findByTestId("backup-keep");
    await userEvent.clear(keep);
    await userEvent.type(keep, "999");
    await userEvent.click(screen.getByTestId("backup-schedule-save"));
    const alert = await screen.findByTestId("backup-folder-error");
    expect(alert).toHaveTextContent("1–365");
    expect(alert).not.toHaveTextContent("keep out of range");
  });

  it("restores only after a confirmation that says what is replaced", async () => {
    const calls = backend({ folder: "/mnt/nas/subdesk" });
    renderScreen(<FolderBackupSection />);
    const [newest] = (await screen.findAllByTestId("folder-backup-row")) as [HTMLElement];
    await userEvent.click(within(newest).getByTestId("restore-backup"));
    const confirm = await screen.findByTestId("restore-confirm");
    expect(confirm).toHaveTextContent("My shop");
    expect(confirm).toHaveTextContent("고객 42명");
    expect(confirm).toHaveTextContent("빌링키 41개");
    expect(calls.some((c) => c.cmd === "restore_folder_backup")).toBe(false);
    await userEvent.click(screen.getByTestId("restore-confirm-button"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "restore_folder_backup").map((c) => c.args)).toEqual([{ fileName: "subdesk-shop-20261202T010000.000Z-000.sqlite3" }]));
  });

  it("shows the last scheduled failure in English when English is chosen", async () => {
    await i18n.changeLanguage("en");
    backend({ folder: "/mnt/nas/gone", lang: "en", lastError: { code: "backup_folder_unavailable", message: "the backup folder /mnt/nas/gone cannot be used", details: { folder: "/mnt/nas/gone" } } });
    renderScreen(<FolderBackupSection />);
    const alert = await screen.findByTestId("backup-last-error");
    expect(alert).toHaveTextContent("missing or cannot be written");
    expect(alert).toHaveTextContent("tried again at the next scheduled time");
  });
});
