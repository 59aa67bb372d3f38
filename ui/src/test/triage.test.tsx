import { MantineProvider } from "@mantine/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import { TRIAGE_PAGE } from "../pages/Triage";
import type { ChargeResult, TriageEntry, TriageKind } from "../bindings";
import i18n from "../i18n";
import { theme } from "../theme";
import { appStatus, profile, SETTINGS } from "./fixtures";

function entry(key: string, kind: TriageKind, extra: Partial<TriageEntry> = {}): TriageEntry {
  return {
    key,
    kind,
    at: 1_795_000_000,
    customer_uid: "cus_1",
    customer_name: "김민준",
    customer_tel: "010-1234-5678",
    customer_email: null,
    card_name: "신한카드",
    card_number: "4242-****-****-4242",
    card_expiry: null,
    merchant_uid: "sd-01HX",
    journal_id: 1,
    imp_uid: null,
    amount: 9_900,
    name: "11월 이용료",
    reason: "잔액 부족",
    decline: null,
    source: "manual",
    actions: ["retry", "check"],
    ...extra,
  };
}

/** A Rust side holding a queue: resolving removes an entry, a retry answers as given. */
function backend(initial: TriageEntry[], opts: { mode?: "sandbox" | "live"; retry?: ChargeResult; lang?: "ko" | "en" } = {}) {
  let queue = [...initial];
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "app_status":
        return appStatus(profile("sandbox", "Sandbox", opts.mode ?? "sandbox"));
      case "get_settings":
        return { ...SETTINGS, language: opts.lang ?? "ko" };
      case "triage_list":
        return queue;
      case "triage_count":
        return { total: queue.length, by_kind: [] };
      case "triage_resolve": {
        const key = (args as { key: string }).key;
        const found = queue.find((e) => e.key === key);
        queue = queue.filter((e) => e.key !== key);
        return found;
      }
      case "triage_retry":
        if (opts.retry) queue = queue.filter((e) => e.key !== (args as { key: string }).key);
        return opts.retry;
      default:
        throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    }
  });
  return calls;
}

async function openTriage() {
  render(
    <MantineProvider theme={theme}>
      <App Router={MemoryRouter} />
    </MantineProvider>,
  );
  const nav = await screen.findByTestId("nav-triage");
  await userEvent.click(nav);
  await waitFor(() => expect(screen.getByTestId("page-title")).toHaveTextContent(i18n.t("triage.title")));
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("the triage page", () => {
  it("shows each entry with its kind and count in the navigation; mark resolved removes it and the count drops", async () => {
    const calls = backend([
      entry("charge:1:1", "failed_charge"),
      entry("expiry:cus_2:2026-12", "card_expiring", { customer_uid: "cus_2", customer_name: "이서연", card_expiry: "2026-12", amount: null, name: null, reason: null, merchant_uid: null, actions: ["check"] }),
    ]);
    await openTriage();
    expect(screen.getByTestId("nav-triage")).toHaveTextContent("확인 필요");
    await waitFor(() => expect(screen.getByTestId("nav-triage-count")).toHaveTextContent("2"));
    const cards = await screen.findAllByTestId("triage-entry");
    expect(cards).toHaveLength(2);
    const [charge, expiring] = cards;
    if (!charge || !expiring) throw new Error("two entries expected");
    expect(within(charge).getByTestId("triage-kind")).toHaveTextContent("결제 실패");
    expect(charge).toHaveTextContent("₩9,900");
    expect(charge).toHaveTextContent("잔액 부족");
    expect(within(charge).getByTestId("triage-retry")).toBeInTheDocument();
    expect(within(expiring).getByTestId("triage-kind")).toHaveTextContent("카드 만료 임박");
    expect(expiring).toHaveTextContent("2026-12");
    // An expiring card is not charged from here.
    expect(within(expiring).queryByTestId("triage-retry")).toBeNull();

    await userEvent.click(within(charge).getByTestId("triage-resolve"));
    await userEvent.type(await screen.findByTestId("triage-note"), "고객과 통화함");
    await userEvent.click(screen.getByTestId("triage-resolve-yes"));
    await waitFor(() => expect(screen.getAllByTestId("triage-entry")).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId("nav-triage-count")).toHaveTextContent("1"));
    expect(calls.filter((c) => c.cmd === "triage_resolve").map((c) => c.args)).toEqual([{ key: "charge:1:1", note: "고객과 통화함" }]);
  });

  it("draws a long queue a page at a time: the first page, then more on each click", async () => {
    const many = Array.from({ length: TRIAGE_PAGE * 2 + 7 }, (_, i) => entry(`charge:${i}:1`, "failed_charge"));
    backend(many);
    await openTriage();
    await waitFor(() => expect(screen.getAllByTestId("triage-entry")).toHaveLength(TRIAGE_PAGE));
    expect(screen.getByTestId("triage-more")).toHaveTextContent(`더 보기 (${TRIAGE_PAGE + 7}건 남음)`);
    await userEvent.click(screen.getByTestId("triage-more"));
    await waitFor(() => expect(screen.getAllByTestId("triage-entry")).toHaveLength(TRIAGE_PAGE * 2));
    await userEvent.click(screen.getByTestId("triage-more"));
    await waitFor(() => expect(screen.getAllByTestId("triage-entry")).toHaveLength(TRIAGE_PAGE * 2 + 7));
    expect(screen.queryByTestId("triage-more")).toBeNull();
  });

  it("retries the same order; a live profile confirms the exact total first", async () => {
    const calls = backend([entry("charge:1:1", "failed_charge")], {
      mode: "live",
      retry: { journal_id: 1, merchant_uid: "sd-01HX", status: "paid", amount: 9_900, imp_uid: "imp_1", fail_reason: null, replayed: false },
    });
    await openTriage();
    await userEvent.click(await screen.findByTestId("triage-retry"));
    // Nothing is sent until the person confirms the total.
    expect(await screen.findByTestId("live-confirm")).toBeInTheDocument();
    const confirm = await screen.findByRole("button", { name: i18n.t("money.live.confirm") });
    expect(screen.getByRole("dialog")).toHaveTextContent("₩9,900");
    expect(calls.some((c) => c.cmd === "triage_retry")).toBe(false);
    await userEvent.click(confirm);
    await waitFor(() => expect(calls.filter((c) => c.cmd === "triage_retry").map((c) => c.args)).toEqual([{ key: "charge:1:1", confirmedTotal: 9_900 }]));
    await waitFor(() => expect(screen.queryByTestId("nav-triage-count")).toBeNull());
  });

  it("reads in English too, with nothing untranslated", async () => {
    await i18n.changeLanguage("en");
    backend([entry("journal:3:unknown:1", "unknown_outcome", { actions: ["check"], reason: "api_timeout" })], { lang: "en" });
    await openTriage();
    expect(screen.getByTestId("nav-triage")).toHaveTextContent("Needs attention");
    const card = await screen.findByTestId("triage-entry");
    expect(within(card).getByTestId("triage-kind")).toHaveTextContent("Outcome unknown");
    expect(card).not.toHaveTextContent("api_timeout");
    expect(within(card).getByTestId("triage-check")).toHaveTextContent("Check now");
    expect(within(card).getByTestId("triage-copy-tel")).toHaveTextContent("Copy phone");
  });
});
