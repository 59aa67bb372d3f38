import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { AppStatus, CopyProgress, SharedCopy, SharedView } from "../bindings";
import i18n from "../i18n";
import { ReadingCopyAlert } from "../layout/ReadingCopyAlert";
import { SharedStoreSection } from "../pages/settings/SharedStoreSection";
import { appStatus, profile, SETTINGS } from "./fixtures";
import { renderScreen } from "./render";

const COPIED: SharedCopy = {
  target: "subdesk@192.168.0.10:5432/subdesk",
  schema_version: 1,
  changed: 1_514,
  audit_id: 12,
  tables: [
    { table: "customers", rows: 1_204, added: 1_204, updated: 0, removed: 0 },
    { table: "journal", rows: 310, added: 300, updated: 10, removed: 2 },
    { table: "bulk_runs", rows: 0, added: 0, updated: 0, removed: 0 },
  ],
};

const HELD = { profile_id: "shop", mode: "test", schema_version: 13, taken_at: 1_795_000_000, customers: 1_204, active_keys: 1_180, payments: 52_311 };

/** A progress report as Rust sends it on the command's channel. */
function send(channel: unknown, message: CopyProgress, index: number) {
  (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } }).__TAURI_INTERNALS__.runCallback((channel as { id: number }).id, { message, index });
}

const NOTHING_SAVED: SharedView = { settings: { url: null, every: "off" }, password_saved: false, last_copy_at: null, last_attempt_at: null, last_error: null, next_due_at: null, running: false, read_copy: null };

/** The active profile as app_status answers it (a test may make it the clerk's read-only one). */
let status: AppStatus;

/** The Rust side of the settings, the copy and the restore: answers as the commands do,
 * or refuses as they would; `copying` holds the copy's answer back until it is called;
 * `saved` is what the settings hold, changed by a save as Rust would. */
function backend(answer: SharedCopy | { code: string; message: string; details: unknown }, copying?: Promise<void>, saved: SharedView = NOTHING_SAVED, stopped?: () => void) {
  const calls: { cmd: string; args: unknown }[] = [];
  let view = saved;
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "shared_store_setup":
        return view;
      case "save_shared_store_settings": {
        const a = args as { url: string | null; every: SharedView["settings"]["every"]; direction: SharedView["settings"]["direction"]; password: string | null; forgetPassword: boolean };
        const reads = a.direction === "from_server" && status.active_profile.read_only;
        view = {
          ...view,
          settings: { url: a.url, every: a.every, direction: a.direction },
          password_saved: a.forgetPassword ? false : view.password_saved || a.password !== null,
          next_due_at: a.every === "off" ? null : 1_795_003_600,
          read_copy: reads ? { as_of: null, refreshed_at: null } : null,
        };
        return view;
      }
      case "refresh_from_shared_store":
        view = { ...view, read_copy: { as_of: 1_795_000_000, refreshed_at: 1_795_000_100 } };
        return HELD;
      case "app_status":
        return status;
      case "get_settings":
        return SETTINGS;
      case "copy_to_shared_store": {
        if ("code" in answer) {
          if (!copying) throw answer;
          return copying.then(() => Promise.reject(answer));
        }
        const channel = (args as { onProgress: unknown }).onProgress;
        send(channel, { table: "payments", done: 320_000, total: 1_000_000 }, 0);
        return copying ? copying.then(() => answer) : answer;
      }
      case "stop_shared_copy":
        stopped?.();
        return true;
      case "forget_shared_inspection":
        return null;
      case "inspect_shared_store":
        return HELD;
      case "restore_from_shared_store":
        return { contents: HELD, previous: "/data/profiles/shop/subdesk.db.replaced-1795000100" };
      default:
        throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    }
  });
  return calls;
}

beforeEach(async () => {
  status = appStatus(profile("shop", "My shop", "test"));
  await i18n.changeLanguage("ko");
});

describe("the shared store section", () => {
  it("asks for an address before sending anything, then copies and shows what each table got", async () => {
    const calls = backend(COPIED);
    renderScreen(<SharedStoreSection />);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("shared-copy"));
    expect(await screen.findByText("서버 주소를 입력하세요")).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "copy_to_shared_store")).toBe(false);

    await user.type(screen.getByTestId("shared-url"), "  postgres://subdesk@192.168.0.10:5432/subdesk ");
    await user.type(screen.getByTestId("shared-password"), "pw-1");
    await user.click(screen.getByTestId("shared-copy"));
    expect(await screen.findByTestId("shared-done")).toHaveTextContent("subdesk@192.168.0.10:5432/subdesk에 복사하고 모든 행을 대조했습니다. 추가·변경 1,514행.");
    const sent = calls.find((c) => c.cmd === "copy_to_shared_store")?.args;
    expect(sent).toMatchObject({ url: "postgres://subdesk@192.168.0.10:5432/subdesk", password: "pw-1" });
    const rows = within(screen.getByTestId("shared-tables")).getAllByRole("row");
    expect(rows[1]).toHaveTextContent("고객1,2041,20400");
    expect(rows[2]).toHaveTextContent("결제 요청 기록310300102");
    // A table empty on both sides is left out of the report.
    expect(rows).toHaveLength(3);
    // The password does not stay in the form once it was used.
    await waitFor(() => expect(screen.getByTestId("shared-password")).toHaveValue(""));
  });

  it("says how far a long copy is while it runs", async () => {
    let finish = () => {};
    backend(COPIED, new Promise<void>((resolve) => (finish = resolve)));
    renderScreen(<SharedStoreSection />);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId("shared-url"), "postgres://subdesk@127.0.0.1/subdesk");
    await user.click(screen.getByTestId("shared-copy"));
    expect(await screen.findByTestId("shared-progress")).toHaveTextContent("결제 320,000 / 1,000,000행 옮기는 중");
    finish();
    await screen.findByTestId("shared-done");
    expect(screen.queryByTestId("shared-progress")).toBeNull();
  });

  it("tells a shared store that is another store's in Korean, without the code", async () => {
    backend({ code: "shared_store_not_ours", message: "the shared store x: its audit entry 3 is not this store's", details: { target: "x" } });
    renderScreen(<SharedStoreSection />);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId("shared-url"), "postgres://subdesk@127.0.0.1/subdesk");
    await user.click(screen.getByTestId("shared-copy"));
    const error = await screen.findByTestId("shared-error");
    expect(error).toHaveTextContent("이 공유 저장소에는 다른 저장소의 기록");
    expect(error).not.toHaveTextContent("shared_store_not_ours");
    expect(screen.queryByTestId("shared-done")).toBeNull();
    // Asking for the restore next: the copy's refusal does not stay beside its answer.
    await user.click(screen.getByTestId("shared-restore"));
    await screen.findByTestId("shared-restore-confirm");
    expect(screen.queryByTestId("shared-error")).toBeNull();
  });

  it("restores this computer from the server only after saying what it brings", async () => {
    const calls = backend(COPIED);
    renderScreen(<SharedStoreSection />);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId("shared-url"), "postgres://subdesk_clerk@nas:5432/subdesk");
    await user.type(screen.getByTestId("shared-password"), "pw-2");
    await user.click(screen.getByTestId("shared-restore"));
    const confirm = await screen.findByTestId("shared-restore-confirm");
    expect(confirm).toHaveTextContent("고객 1,204명, 빌링키 1,180개, 결제 52,311건");
    expect(calls.some((c) => c.cmd === "restore_from_shared_store")).toBe(false);
    // The password left the form when it was used; the restore sends the one asked with.
    expect(screen.getByTestId("shared-password")).toHaveValue("");
    await user.click(screen.getByTestId("shared-restore-confirm-button"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "restore_from_shared_store")?.args).toEqual({ url: "postgres://subdesk_clerk@nas:5432/subdesk", password: "pw-2" }));
    await waitFor(() => expect(screen.queryByTestId("shared-restore-confirm")).toBeNull());
  });

  it("saves the address, the schedule and the password, and says the password is kept in the keyring", async () => {
    const calls = backend(COPIED);
    renderScreen(<SharedStoreSection />);
    const user = userEvent.setup();
    expect(await screen.findByTestId("shared-next-due")).toHaveTextContent("예약 없음");
    await user.type(screen.getByTestId("shared-url"), " postgres://subdesk@nas:5432/subdesk ");
    await user.type(screen.getByTestId("shared-password"), "pw-3");
    await user.click(screen.getByTestId("shared-every"));
    await user.click(await screen.findByRole("option", { name: "매일", hidden: true }));
    await user.click(screen.getByTestId("shared-save"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "save_shared_store_settings")?.args).toEqual({ url: "postgres://subdesk@nas:5432/subdesk", every: "daily", direction: "to_server", password: "pw-3", forgetPassword: false, passphrase: null }));
    expect(await screen.findByText("키링에 저장됨 — 비워 두면 저장한 비밀번호를 씁니다")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("shared-password")).toHaveValue(""));
    expect(screen.getByTestId("shared-next-due")).not.toHaveTextContent("예약 없음");

    // Forgetting it sends the saved address and schedule unchanged.
    await user.click(screen.getByTestId("shared-forget-password"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "save_shared_store_settings").at(-1)?.args).toEqual({ url: "postgres://subdesk@nas:5432/subdesk", every: "daily", direction: "to_server", password: null, forgetPassword: true, passphrase: null }));
    await waitFor(() => expect(screen.queryByTestId("shared-forget-password")).toBeNull());
  });

  it("copies to the saved address with the keyring's password when none is typed", async () => {
    const calls = backend(COPIED, undefined, { ...NOTHING_SAVED, settings: { url: "postgres://subdesk@nas:5432/subdesk", every: "daily" }, password_saved: true, last_copy_at: 1_795_000_000, next_due_at: 1_795_086_400 });
    renderScreen(<SharedStoreSection />);
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByTestId("shared-url")).toHaveValue("postgres://subdesk@nas:5432/subdesk"));
    expect(screen.getByTestId("shared-last-copy")).not.toHaveTextContent("없음");
    await user.click(screen.getByTestId("shared-copy"));
    await screen.findByTestId("shared-done");
    expect(calls.find((c) => c.cmd === "copy_to_shared_store")?.args).toMatchObject({ url: "postgres://subdesk@nas:5432/subdesk", password: null });
  });

  it("shows why the last scheduled copy failed, in Korean", async () => {
    backend(COPIED, undefined, {
      ...NOTHING_SAVED,
      settings: { url: "postgres://subdesk@nas:5432/subdesk", every: "every6_hours" },
      last_attempt_at: 1_795_000_000,
      last_error: { code: "shared_store_unreachable", message: "the shared store subdesk@nas:5432/subdesk did not answer", details: { target: "subdesk@nas:5432/subdesk" } },
      next_due_at: 1_795_021_600,
    });
    renderScreen(<SharedStoreSection />);
    const failed = await screen.findByTestId("shared-last-error");
    expect(failed).toHaveTextContent("복사 실패 — 다음 예정 시각에 다시 시도합니다");
    expect(failed).not.toHaveTextContent("shared_store_unreachable");
  });

  it("stops a long copy at the person's word and says nothing was written, not that it failed", async () => {
    let stop = () => {};
    const held = new Promise<void>((resolve) => (stop = resolve));
    const calls = backend({ code: "shared_copy_stopped", message: "the shared store x: the copy was stopped; nothing was written", details: { target: "x" } }, held, NOTHING_SAVED, stop);
    renderScreen(<SharedStoreSection />);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId("shared-url"), "postgres://subdesk@127.0.0.1/subdesk");
    await user.click(screen.getByTestId("shared-copy"));
    await user.click(await screen.findByTestId("shared-stop"));
    expect(calls.some((c) => c.cmd === "stop_shared_copy")).toBe(true);
    expect(await screen.findByTestId("shared-stopped")).toHaveTextContent("복사를 멈췄습니다. 서버에는 아무것도 쓰지 않았습니다.");
    expect(screen.queryByTestId("shared-error")).toBeNull();
    expect(screen.queryByTestId("shared-stop")).toBeNull();
  });

  it("lets go of what it fetched when the confirmation is closed without restoring", async () => {
    const calls = backend(COPIED);
    renderScreen(<SharedStoreSection />);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId("shared-url"), "postgres://subdesk_clerk@nas:5432/subdesk");
    await user.click(screen.getByTestId("shared-restore"));
    await screen.findByTestId("shared-restore-confirm");
    expect(calls.some((c) => c.cmd === "forget_shared_inspection")).toBe(false);
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("shared-restore-confirm")).toBeNull());
    await waitFor(() => expect(calls.some((c) => c.cmd === "forget_shared_inspection")).toBe(true));
    expect(calls.some((c) => c.cmd === "restore_from_shared_store")).toBe(false);
  });

  it("makes the clerk's read-only desk show the server's copy only with the passphrase, then receives it", async () => {
    status = appStatus({ ...profile("clerk", "경리", "live"), read_only: true });
    const calls = backend(COPIED);
    renderScreen(<SharedStoreSection />);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId("shared-url"), "postgres://clerk@nas:5432/subdesk");
    await user.type(screen.getByTestId("shared-password"), "pw-clerk");
    await user.click(screen.getByTestId("shared-direction"));
    await user.click(await screen.findByRole("option", { name: "서버의 사본 보기 (읽기 전용)", hidden: true }));
    // Without the passphrase nothing is sent.
    await user.click(screen.getByTestId("shared-save"));
    expect(await screen.findByText("앱 잠금 암호를 입력하세요")).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "save_shared_store_settings")).toBe(false);
    await user.type(screen.getByTestId("shared-passphrase"), "owner passphrase");
    await user.click(screen.getByTestId("shared-save"));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "save_shared_store_settings")?.args).toEqual({ url: "postgres://clerk@nas:5432/subdesk", every: "off", direction: "from_server", password: "pw-clerk", forgetPassword: false, passphrase: "owner passphrase" }),
    );
    // Neither secret stays in the form; the desk now receives instead of copying.
    await waitFor(() => expect(screen.getByTestId("shared-passphrase")).toHaveValue(""));
    const receive = await screen.findByTestId("shared-refresh");
    expect(screen.queryByTestId("shared-copy")).toBeNull();
    expect(screen.queryByTestId("shared-restore")).toBeNull();
    await user.click(receive);
    expect(await screen.findByText("서버의 사본을 받았습니다: 고객 1,204명, 결제 52,311건.")).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "refresh_from_shared_store")).toBe(true);
    await waitFor(() => expect(screen.getByTestId("shared-last-copy")).not.toHaveTextContent("없음"));
  });

  it("does not offer a writable desk the server's copy", async () => {
    backend(COPIED);
    renderScreen(<SharedStoreSection />);
    const user = userEvent.setup();
    expect(await screen.findByText(/서버의 사본은 읽기 전용 프로필에서만 볼 수 있습니다/)).toBeInTheDocument();
    expect(screen.queryByTestId("shared-passphrase")).toBeNull();
    await user.click(screen.getByTestId("shared-direction"));
    const option = await screen.findByRole("option", { name: "서버의 사본 보기 (읽기 전용)", hidden: true });
    expect(option).toHaveAttribute("data-combobox-disabled", "true");
  });

  it("tells on every screen how old the copy is, and that it is the last one when the server is away", async () => {
    backend(COPIED);
    const now = 1_795_000_000;
    const copy = { as_of: now - 3 * 3600, refreshed_at: now - 3000 };
    const view = renderScreen(<ReadingCopyAlert reading={{ copy, last_attempt_at: null, last_error: null, refreshing: false, now }} />);
    expect(await screen.findByTestId("reading-copy-as-of")).toHaveTextContent(/기준 \(3시간 전\) · 읽기 전용/);
    view.unmount();
    renderScreen(
      <ReadingCopyAlert
        reading={{ copy, last_attempt_at: now - 60, last_error: { code: "shared_store_unreachable", message: "did not answer", details: null }, refreshing: false, now }}
      />,
    );
    const away = await screen.findByTestId("reading-copy-away");
    expect(away).toHaveTextContent("서버에서 받지 못해 마지막 사본");
    expect(away).toHaveTextContent("3시간 전");
    expect(away).not.toHaveTextContent("shared_store_unreachable");
  });
});
