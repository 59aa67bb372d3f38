import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import type { PgChannelView, TestCardView } from "../bindings";
import i18n from "../i18n";
import { entryName, findEntry, PG_GUIDE, PG_GUIDE_KO } from "../lib/pgGuide";
import { theme } from "../theme";

type Lang = "ko" | "en";
type Mode = "sandbox" | "test" | "live";

const CHANNELS: PgChannelView[] = [
  { pg_provider: "nice", pg_id: "nictest04m", kind: "api_payment", channel_name: "나이스 정기결제", sandbox: false, rest_issue: "key", guide_entry: "nice-api" },
  { pg_provider: "settle", pg_id: "nxca_jt_il", kind: "api_payment", channel_name: "헥토파이낸셜 빌링", sandbox: false, rest_issue: "first_charge_only", guide_entry: "settlebank-api" },
  { pg_provider: "kakaopay", pg_id: "TCSUBSCRIP", kind: "payment", channel_name: "카카오페이 정기결제", sandbox: false, rest_issue: null, guide_entry: null },
  { pg_provider: "kcp_billing", pg_id: "BA001", kind: "payment", channel_name: "KCP 빌링 결제창", sandbox: true, rest_issue: null, guide_entry: null },
  { pg_provider: "kcp", pg_id: "T0000", kind: "payment", channel_name: "KCP 일반결제", sandbox: false, rest_issue: null, guide_entry: null },
  { pg_provider: "danal", pg_id: "A010002002", kind: "certification", channel_name: "다날 본인인증", sandbox: false, rest_issue: null, guide_entry: null },
];

const CARDS: TestCardView[] = [
  { number: "4242-4242-4242-4242", behaviour: "approve", fail_reason: null, card_name: "신한카드", description_ko: "항상 승인", description_en: "Always approves" },
  {
    number: "9410-0000-0000-0013",
    behaviour: "decline",
    fail_reason: "[3011] 잔액부족 - 결제 가능 잔액이 부족합니다.",
    card_name: "국민카드",
    description_ko: "결제 시 잔액 부족으로 거절",
    description_en: "Charges decline: insufficient balance",
  },
];

function mockBackend(opts: { lang?: Lang; mode?: Mode; channels?: () => PgChannelView[] } = {}) {
  const calls: { cmd: string; args: unknown }[] = [];
  const mode = opts.mode ?? "sandbox";
  const profile = { id: "p", name: mode === "sandbox" ? "Sandbox" : "My shop", mode, base_url: "http://127.0.0.1:41234", time_zone: "Asia/Seoul", read_only: false };
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "app_status":
        return {
          version: "0.1.0",
          active_profile: profile,
          profiles: [profile],
          sandbox_url: null,
          session_error: null,
          lock: { enabled: false, locked: false, settings: { open_live_profile: true, move_money: true, mutate: false } },
        };
      case "list_profiles":
        return [];
      case "get_settings":
        return { language: opts.lang ?? "ko", time_zones: ["Asia/Seoul"] };
      case "pg_channels":
        return (opts.channels ?? (() => CHANNELS))();
      case "sandbox_test_cards":
        return CARDS;
      case "new_customer_uid":
        return "cus_20261202_0123456789";
      case "new_order_id":
        return "sd_20261202_0123456789";
      // Rust's verdict stands in for the registry's rule (tested in Rust).
      case "customer_uid_problem":
        return (args as { uid: string }).uid.includes('"') ? "bad_chars" : null;
      case "open_practice_window":
        return null;
      case "open_external":
        throw { code: "link_not_allowed", message: "refused", details: null };
      default:
        throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    }
  });
  return calls;
}

function renderAt(path: string) {
  const Router = ({ children }: { children: ReactNode }) => <MemoryRouter initialEntries={[path]}>{children}</MemoryRouter>;
  return render(
    <MantineProvider theme={theme}>
      <Notifications />
      <App Router={Router} />
    </MantineProvider>,
  );
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("PG guide list", () => {
  it("lists the 16 entries grouped by method, in Korean", async () => {
    mockBackend();
    renderAt("/pg-guide");
    expect(await screen.findByTestId("page-title")).toHaveTextContent("PG 가이드");
    for (const e of PG_GUIDE) expect(screen.getByTestId(`pg-entry-${e.id}`)).toHaveTextContent(entryName(e, "ko"));
    expect(within(screen.getByTestId("pg-group-rest")).getAllByTestId(/^pg-entry-/)).toHaveLength(5);
    expect(within(screen.getByTestId("pg-group-window")).getAllByTestId(/^pg-entry-/)).toHaveLength(11);
    expect(screen.getByTestId("pg-entry-kcp-window")).toHaveTextContent("kcp_billing");
    expect(screen.getByTestId("pg-entry-settlebank-api")).toHaveTextContent("첫 결제와 함께만 발급");
  });

  it("marks each entry with the active profile's channels", async () => {
    mockBackend();
    renderAt("/pg-guide");
    await waitFor(() => expect(screen.getByTestId("mark-nice-api")).toHaveAttribute("data-mark", "ready"));
    expect(screen.getByTestId("mark-settlebank-api")).toHaveAttribute("data-mark", "ready");
    expect(screen.getByTestId("mark-kakaopay-window")).toHaveAttribute("data-mark", "ready");
    expect(screen.getByTestId("mark-kcp-window")).toHaveAttribute("data-mark", "ready");
    expect(screen.getByTestId("mark-kcp-api")).toHaveAttribute("data-mark", "missing");
    expect(screen.getByTestId("mark-danal-phone-window")).toHaveAttribute("data-mark", "missing");
  });

  it("classifies the profile's channels in the readiness view", async () => {
    mockBackend();
    renderAt("/pg-guide");
    const view = await screen.findByTestId("readiness");
    await within(view).findByTestId("readiness-summary");
    expect(within(view).getByTestId("readiness-summary")).toHaveTextContent("채널 6개 중 4개");
    // The sixteen guide rows: configured on this account or not.
    expect(within(view).getByTestId("guide-coverage-summary")).toHaveTextContent("16가지 중 4가지");
    expect(within(view).getByTestId("coverage-settlebank-api")).toHaveAttribute("data-configured", "true");
    expect(within(view).getByTestId("coverage-jtnet-api")).toHaveAttribute("data-configured", "false");
    const kind = (id: string) => within(view).getByTestId(`readiness-row-${id}`).getAttribute("data-readiness");
    expect(kind("nice.nictest04m")).toBe("rest");
    expect(kind("settle.nxca_jt_il")).toBe("rest_first_charge");
    expect(kind("kakaopay.TCSUBSCRIP")).toBe("window");
    expect(kind("kcp_billing.BA001")).toBe("window");
    expect(kind("kcp.T0000")).toBe("none");
    expect(kind("danal.A010002002")).toBe("none");
    expect(within(view).getByTestId("readiness-row-settle.nxca_jt_il")).toHaveTextContent("REST, 첫 결제와 함께만");
    expect(within(view).getByTestId("readiness-row-kcp.T0000")).toHaveTextContent("빌링키 채널 아님");
    expect(within(view).getByTestId("readiness-row-kcp_billing.BA001")).toHaveTextContent("테스트 채널");
  });

  it("shows a profile without credentials as a translated error with a retry", async () => {
    let fail = true;
    const calls = mockBackend({
      mode: "live",
      channels: () => {
        if (fail) throw { code: "credentials_missing", message: "no key", details: null };
        return CHANNELS;
      },
    });
    renderAt("/pg-guide");
    expect(await screen.findByTestId("readiness-error")).toHaveTextContent("이 프로필에 API 키가 없습니다");
    expect(screen.getByTestId("mark-nice-api")).toHaveAttribute("data-mark", "error");
    expect(screen.getAllByTestId(/^pg-entry-/)).toHaveLength(16);
    fail = false;
    await userEvent.click(within(screen.getByTestId("readiness-error")).getByRole("button"));
    await waitFor(() => expect(screen.getByTestId("mark-nice-api")).toHaveAttribute("data-mark", "ready"));
    expect(calls.filter((c) => c.cmd === "pg_channels")).toHaveLength(2);
  });

  it("shows the sandbox's test cards on the sandbox profile", async () => {
    mockBackend({ mode: "sandbox" });
    renderAt("/pg-guide");
    const table = await screen.findByTestId("test-cards");
    const row = await within(table).findByTestId("test-card-9410-0000-0000-0013");
    expect(row).toHaveTextContent("9410-0000-0000-0013");
    expect(row).toHaveTextContent("결제 거절");
    expect(row).toHaveTextContent("[3011] 잔액부족");
    expect(row).toHaveTextContent("결제 시 잔액 부족으로 거절");
  });

  it("shows test card descriptions in English", async () => {
    mockBackend({ mode: "sandbox", lang: "en" });
    renderAt("/pg-guide");
    const row = await screen.findByTestId("test-card-9410-0000-0000-0013");
    expect(row).toHaveTextContent("Charges decline: insufficient balance");
    expect(row).toHaveTextContent("Charges decline");
  });

  it("hides test cards on test and live profiles and never asks for them", async () => {
    for (const mode of ["test", "live"] as const) {
      const calls = mockBackend({ mode });
      const { unmount } = renderAt("/pg-guide");
      await screen.findByTestId("readiness-summary");
      expect(screen.queryByTestId("test-cards")).not.toBeInTheDocument();
      expect(calls.map((c) => c.cmd)).not.toContain("sandbox_test_cards");
      unmount();
    }
  });

  it("opens an entry's page from the list", async () => {
    mockBackend();
    renderAt("/pg-guide");
    await userEvent.click(await screen.findByTestId("pg-entry-chai-window"));
    expect(await screen.findByTestId("pg-detail-title")).toHaveTextContent("차이");
  });
});

describe("PG guide entry page", () => {
  it("renders in Korean with the Korean notes and conditional texts", async () => {
    mockBackend();
    renderAt("/pg-guide/danal-card-window");
    expect(await screen.findByTestId("pg-detail-title")).toHaveTextContent("다날(카드)");
    const ko = PG_GUIDE_KO["danal-card-window"];
    const notes = screen.getByTestId("pg-notes");
    expect(notes).toHaveTextContent(ko?.notes[2] ?? "missing");
    expect(notes).not.toHaveTextContent("verification charge");
    expect(screen.getByTestId("pg-test-mode")).toHaveTextContent(ko?.notes[6] ?? "missing");
    expect(screen.getByTestId("pg-conditional")).toHaveTextContent(ko?.conditional_fields.pay_method ?? "missing");
    expect(screen.getByTestId("pg-param")).toHaveTextContent("danal_tpay.{MID}");
    expect(screen.getByTestId("pg-amount")).toHaveTextContent("amount를 0으로 보내면");
    expect(screen.getByTestId("pg-method")).toHaveTextContent("카드 정보 보안 부담");
  });

  it("renders in English with the English notes", async () => {
    mockBackend({ lang: "en" });
    renderAt("/pg-guide/danal-card-window");
    expect(await screen.findByTestId("pg-detail-title")).toHaveTextContent("Danal (credit card)");
    const e = findEntry("danal-card-window");
    expect(screen.getByTestId("pg-notes")).toHaveTextContent(e?.notes[2] ?? "missing");
    expect(screen.getByTestId("pg-notes")).not.toHaveTextContent("인증 결제");
    expect(screen.getByTestId("pg-amount")).toHaveTextContent("Send amount 0 to issue only the billing key");
  });

  it("every entry page renders in both languages", async () => {
    for (const lang of ["ko", "en"] as const) {
      for (const e of PG_GUIDE) {
        mockBackend({ lang });
        const { unmount } = renderAt(`/pg-guide/${e.id}`);
        expect(await screen.findByTestId("pg-detail-title")).toHaveTextContent(entryName(e, lang));
        expect(screen.getByTestId("pg-docs")).toBeInTheDocument();
        if (e.method === "window") expect(screen.getByTestId("snippet-code")).toHaveTextContent(`pg: "${e.pg_param}"`);
        else expect(screen.queryByTestId("snippet-code")).not.toBeInTheDocument();
        unmount();
      }
    }
  }, 60_000);

  it("REST entries show both key-only and key + charge fields", async () => {
    mockBackend();
    renderAt("/pg-guide/nice-api");
    const fields = await screen.findByTestId("pg-fields");
    expect(fields).toHaveTextContent("빌링키 + 첫 결제");
    expect(fields).toHaveTextContent("pwd_2digit");
    expect(screen.getByTestId("pg-method")).toHaveTextContent("별도의 키인(비인증) 결제 계약");
  });

  it("opens documentation links through Rust and shows a refusal as a translated error", async () => {
    const calls = mockBackend();
    renderAt("/pg-guide/kcp-window");
    await screen.findByTestId("pg-detail-title");
    await userEvent.click(within(screen.getByTestId("pg-docs")).getByText("국문 연동 문서"));
    await waitFor(() => expect(calls.map((c) => c.cmd)).toContain("open_external"));
    expect(calls.find((c) => c.cmd === "open_external")?.args).toEqual({ url: findEntry("kcp-window")?.doc_url_ko });
    expect(await screen.findByText(/이 링크는 열 수 없습니다/)).toBeInTheDocument();
  });

  it("builds the snippet from the inputs and validates them inline", async () => {
    mockBackend();
    renderAt("/pg-guide/naverpay-window");
    const code = await screen.findByTestId("snippet-code");
    // The ids are Rust's.
    await waitFor(() => expect(code).toHaveTextContent('customer_uid: "cus_20261202_0123456789"'));
    expect(screen.getByTestId("snippet-copy")).toBeDisabled();
    expect(screen.getByText("가맹점 식별코드를 입력하세요.")).toBeInTheDocument();
    await userEvent.type(screen.getByTestId("snippet-imp"), "imp1234");
    expect(screen.getByText(/imp 뒤에 숫자 8자리/)).toBeInTheDocument();
    await userEvent.type(screen.getByTestId("snippet-imp"), "5678");
    await userEvent.type(screen.getByTestId("snippet-buyer-tel"), "010-1234-5678");
    await userEvent.clear(screen.getByTestId("snippet-redirect"));
    await userEvent.type(screen.getByTestId("snippet-redirect"), "https://shop.example.com/done");
    const uid = screen.getByTestId("snippet-customer-uid");
    await userEvent.clear(uid);
    await userEvent.type(uid, 'bad"uid');
    expect(await screen.findByText(/공백, 따옴표/)).toBeInTheDocument();
    expect(code).toHaveTextContent('customer_uid: "bad\\"uid"');
    await userEvent.clear(uid);
    await userEvent.type(uid, "cus_test_1");
    expect(code).toHaveTextContent('IMP.init("imp12345678")');
    expect(code).toHaveTextContent('pg: "naverpay"');
    expect(code).toHaveTextContent('buyer_tel: "010-1234-5678"');
    expect(code).toHaveTextContent('m_redirect_url: "https://shop.example.com/done"');
    expect(code).not.toHaveTextContent("pay_method");
    expect(screen.getByTestId("snippet-copy")).toBeEnabled();
    await userEvent.click(screen.getByTestId("snippet-naver-popup"));
    expect(code).not.toHaveTextContent("m_redirect_url");
    expect(code).toHaveTextContent("naverPopupMode: true");
  });

  it("uses {code}.{MID} once a MID is typed and requires a first amount for phone billing", async () => {
    mockBackend();
    renderAt("/pg-guide/danal-phone-window");
    const code = await screen.findByTestId("snippet-code");
    expect(code).toHaveTextContent('pay_method: "phone"');
    expect(code).toHaveTextContent("amount: 1000");
    await userEvent.type(screen.getByTestId("snippet-mid"), "A010002002");
    expect(code).toHaveTextContent('pg: "danal.A010002002"');
    await userEvent.clear(screen.getByTestId("snippet-amount"));
    await userEvent.type(screen.getByTestId("snippet-amount"), "0");
    expect(screen.getByText("이 PG는 0보다 큰 금액이 필요합니다.")).toBeInTheDocument();
  });

  it("selects the code for manual copy when the clipboard is refused", async () => {
    mockBackend();
    renderAt("/pg-guide/kakaopay-window");
    const code = await screen.findByTestId("snippet-code");
    await userEvent.type(screen.getByTestId("snippet-imp"), "imp12345678");
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: () => Promise.reject(new Error("denied")) },
    });
    await userEvent.click(screen.getByTestId("snippet-copy"));
    expect(await screen.findByTestId("snippet-copy-failed")).toBeInTheDocument();
    expect(window.getSelection()?.toString()).toContain("IMP.request_pay");
    expect(code).toHaveTextContent('pg: "kakaopay"');
  });

  it("opens the snippet's own parameters in the sandbox's practice window, then points to Import", async () => {
    const calls = mockBackend();
    renderAt("/pg-guide/kcp-window");
    const code = await screen.findByTestId("snippet-code");
    await waitFor(() => expect(code).toHaveTextContent('customer_uid: "cus_20261202_0123456789"'));
    const tryIt = screen.getByTestId("try-sandbox");
    expect(tryIt).toHaveTextContent("테스트 카드의 카드번호");
    // The redirect is still "https://": nothing opens until the snippet is right; the
    // merchant code is not needed (Rust adds the sandbox's).
    expect(screen.getByTestId("try-sandbox-open")).toBeDisabled();
    await userEvent.clear(screen.getByTestId("snippet-redirect"));
    await userEvent.type(screen.getByTestId("snippet-redirect"), "https://shop.example.com/done");
    await userEvent.click(screen.getByTestId("try-sandbox-open"));
    const opened = await screen.findByTestId("try-sandbox-opened");
    expect(opened).toHaveTextContent("cus_20261202_0123456789");
    const sent = calls.find((c) => c.cmd === "open_practice_window")?.args as { params: [string, string][] };
    expect(sent.params).toEqual([
      ["pg", "kcp_billing"],
      ["pay_method", "card"],
      ["merchant_uid", "sd_20261202_0123456789"],
      ["customer_uid", "cus_20261202_0123456789"],
      ["amount", "0"],
      ["name", "정기결제 카드 등록"],
      ["m_redirect_url", "https://shop.example.com/done"],
    ]);
    // The same values the code shows.
    for (const [name, value] of sent.params) expect(code).toHaveTextContent(name === "amount" ? `${name}: ${value}` : `${name}: "${value}"`);
    expect(screen.getByTestId("try-sandbox-import")).toHaveAttribute("href", "/customers?import=cus_20261202_0123456789");
  });

  it("tells phone-billing PGs that the window asks for a phone number", async () => {
    mockBackend({ lang: "en" });
    await i18n.changeLanguage("en");
    renderAt("/pg-guide/mobilians-phone-window");
    expect(await screen.findByTestId("try-sandbox")).toHaveTextContent("asks for a mobile number");
  });

  it("offers the practice window on the sandbox profile only", async () => {
    mockBackend({ mode: "test" });
    renderAt("/pg-guide/kcp-window");
    await screen.findByTestId("snippet-code");
    expect(screen.queryByTestId("try-sandbox")).not.toBeInTheDocument();
  });

  it("an unknown id says so", async () => {
    mockBackend();
    renderAt("/pg-guide/nope");
    expect(await screen.findByText("이 PG 항목을 찾을 수 없습니다.")).toBeInTheDocument();
  });
});
