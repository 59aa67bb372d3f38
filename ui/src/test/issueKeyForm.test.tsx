import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { IssueKeyInput, KeyForm, RestPgRule } from "../bindings";
import i18n from "../i18n";
import { IssueKeyForm } from "../pages/customers/IssueKeyForm";
import { SETTINGS, appStatus, customer, profile, readAmounts } from "./fixtures";
import { renderScreen } from "./render";

/** A PG's rules as Rust's `rest_pg_rules` gives them; the test says what differs. */
function rule(pg_provider: string, over: Partial<RestPgRule> = {}): RestPgRule {
  return {
    pg_provider,
    birth_required: true,
    pwd_2digit_required: true,
    customer_name_required: false,
    customer_id_required: false,
    first_charge_keeps_key: true,
    key_only: true,
    dummy_birth: null,
    product_type_required: false,
    first_charge_requires: [],
    guide_entry: null,
    ...over,
  };
}

function keyForm(pg: string, r: RestPgRule): KeyForm {
  const [pg_provider, pg_id] = pg.split(".");
  return {
    channels: [{ pg, pg_provider: pg_provider ?? pg, pg_id: pg_id ?? "", channel_name: "채널", sandbox: false, channel_key: `channel-key-${pg_provider ?? pg}` }],
    rules: [r],
    suggested_customer_uid: "cus_1",
  };
}

interface Sent {
  issued: IssueKeyInput[];
  charged: { input: IssueKeyInput; charge: { amount: number; name: string } }[];
}

function mockApp(form: KeyForm, language: "ko" | "en" = "ko", refuse?: (input: IssueKeyInput) => unknown): Sent {
  const sent: Sent = { issued: [], charged: [] };
  mockIPC((cmd, args) => {
    if (cmd === "get_settings") return { ...SETTINGS, language };
    if (cmd === "app_status") return appStatus(profile("p", "Sandbox"));
    if (cmd === "key_form") return form;
    if (cmd === "money_rules") return { order_name_max_chars: 40, max_amount: 100_000_000, installment_min_amount: 50_000, installment_max_months: 36 };
    if (cmd === "issue_key") {
      const input = (args as { input: IssueKeyInput }).input;
      sent.issued.push(input);
      const refused = refuse?.(input);
      if (refused) throw refused;
      throw { code: "internal", message: "not in this test", details: null };
    }
    if (cmd === "issue_key_with_charge") {
      sent.charged.push(args as Sent["charged"][number]);
      throw { code: "internal", message: "not in this test", details: null };
    }
    if (cmd === "read_amounts") return readAmounts(args);
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return sent;
}

async function typeCard() {
  await userEvent.type(await screen.findByTestId("issue-card-number"), "4242424242424242");
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("Settlebank: a key only with a first charge", () => {
  it("turns the first charge on for good, says why, and sends the key with its charge", async () => {
    const sent = mockApp(keyForm("settle.nxca_jt_il", rule("settle", { key_only: false, birth_required: false, pwd_2digit_required: false, dummy_birth: "123456" })));
    renderScreen(<IssueKeyForm />);
    const toggle = await screen.findByTestId("issue-with-charge");
    expect(toggle).toBeChecked();
    expect(toggle).toBeDisabled();
    expect(document.body.textContent).toContain("첫 결제와 함께만 빌링키를 발급합니다");
    // The dummy birth the manual gives is offered, not required.
    expect(screen.getByTestId("issue-birth")).toHaveAttribute("placeholder", "123456");
    await typeCard();
    await userEvent.type(screen.getByTestId("issue-charge-amount"), "1000");
    await userEvent.type(screen.getByTestId("issue-charge-name"), "첫 결제");
    await userEvent.click(screen.getByTestId("issue-submit"));
    await waitFor(() => expect(sent.charged).toHaveLength(1));
    expect(sent.issued).toHaveLength(0);
    expect(sent.charged[0]?.charge).toMatchObject({ amount: 1000, name: "첫 결제" });
  });

  it("leaves the first charge optional on a PG that issues keys alone", async () => {
    const sent = mockApp(keyForm("nice.nictest04m", rule("nice")));
    renderScreen(<IssueKeyForm />);
    const toggle = await screen.findByTestId("issue-with-charge");
    expect(toggle).not.toBeChecked();
    expect(toggle).not.toBeDisabled();
    await typeCard();
    await userEvent.click(screen.getByTestId("issue-submit"));
    await waitFor(() => expect(sent.issued).toHaveLength(1));
    expect(sent.charged).toHaveLength(0);
    // The channel's key goes with pg.
    expect(sent.issued[0]).toMatchObject({ pg: "nice.nictest04m", channel_key: "channel-key-nice" });
  });
});

describe("KSNET: the kind of goods", () => {
  it("asks for it when Rust's rule says, shows Rust's refusal under it, and sends the choice", async () => {
    const sent = mockApp(keyForm("ksnet.2999199999", rule("ksnet", { product_type_required: true, first_charge_keeps_key: false })), "ko", (input) =>
      input.product_type ? null : { code: "invalid_form", message: "nothing was sent", details: { problems: [{ field: "product_type", code: "required" }] } },
    );
    renderScreen(<IssueKeyForm />);
    const select = await screen.findByTestId("issue-product-type");
    expect(select.closest(".mantine-InputWrapper-root")?.textContent).toContain("KSNET");
    await typeCard();
    await userEvent.click(screen.getByTestId("issue-submit"));
    await waitFor(() => expect(select.closest(".mantine-InputWrapper-root")?.textContent).toContain("필수 항목입니다"));
    expect(sent.issued[0]?.product_type).toBeNull();
    await userEvent.click(select);
    await userEvent.click(await screen.findByRole("option", { name: "디지털 상품·서비스 (digital)", hidden: true }));
    await userEvent.click(screen.getByTestId("issue-submit"));
    await waitFor(() => expect(sent.issued).toHaveLength(2));
    expect(sent.issued[1]?.product_type).toBe("digital");
  });

  it("does not ask on a PG that does not need it", async () => {
    mockApp(keyForm("nice.nictest04m", rule("nice")));
    renderScreen(<IssueKeyForm />);
    await screen.findByTestId("issue-card-number");
    expect(screen.queryByTestId("issue-product-type")).toBeNull();
  });
});

describe("KG INICIS: the holder for a key with a first charge", () => {
  const inicis = () => keyForm("html5_inicis.INIBillTst", rule("html5_inicis", { first_charge_requires: ["customer_name", "customer_email", "customer_tel"] }));
  const wrapper = (id: string) => screen.getByTestId(id).closest(".mantine-InputWrapper-root")?.textContent ?? "";

  it("marks name, e-mail and phone required with the reason once the first charge is on", async () => {
    const sent = mockApp(inicis());
    renderScreen(<IssueKeyForm />);
    await screen.findByTestId("issue-with-charge");
    // A key alone: optional.
    expect(wrapper("issue-email")).toContain("선택");
    expect(screen.getByTestId("issue-email").closest(".mantine-InputWrapper-root")?.querySelector(".mantine-InputWrapper-required")).toBeNull();
    await userEvent.click(screen.getByTestId("issue-with-charge"));
    for (const id of ["issue-name", "issue-email", "issue-tel"]) {
      expect(wrapper(id), id).toContain("첫 결제와 함께 발급하려면 필요합니다");
      expect(screen.getByTestId(id).closest(".mantine-InputWrapper-root")?.querySelector(".mantine-InputWrapper-required"), id).not.toBeNull();
    }
    expect(sent.charged).toHaveLength(0);
  });

  it("puts Rust's reason under each missing holder field", async () => {
    const problems = ["customer_name", "customer_email", "customer_tel"].map((field) => ({ field, code: "required_for_first_charge" }));
    const sent = mockApp(inicis());
    mockIPC((cmd, args) => {
      if (cmd === "issue_key_with_charge") {
        sent.charged.push(args as Sent["charged"][number]);
        throw { code: "invalid_form", message: "nothing was sent", details: { problems } };
      }
      if (cmd === "get_settings") return { ...SETTINGS, language: "ko" };
      if (cmd === "app_status") return appStatus(profile("p", "Sandbox"));
      if (cmd === "key_form") return inicis();
      if (cmd === "money_rules") return { order_name_max_chars: 40, max_amount: 100_000_000, installment_min_amount: 50_000, installment_max_months: 36 };
      if (cmd === "read_amounts") return readAmounts(args);
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    renderScreen(<IssueKeyForm />);
    await userEvent.click(await screen.findByTestId("issue-with-charge"));
    await typeCard();
    await userEvent.type(screen.getByTestId("issue-charge-amount"), "1000");
    await userEvent.type(screen.getByTestId("issue-charge-name"), "첫 결제");
    await userEvent.click(screen.getByTestId("issue-submit"));
    await waitFor(() => expect(wrapper("issue-tel")).toContain("KG이니시스는 첫 결제와 함께 발급할 때 이 항목이 필요합니다"));
    expect(wrapper("issue-name")).toContain("KG이니시스는");
    expect(wrapper("issue-email")).toContain("KG이니시스는");
    expect(sent.charged).toHaveLength(1);
  });
});

/** The KCP form, whose issuance is refused with `refusal` until "replace" is asked; what was sent. */
function refusedUnlessReplaced(refusal: unknown): IssueKeyInput[] {
  const sent: IssueKeyInput[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "get_settings") return { ...SETTINGS, language: "ko" };
    if (cmd === "app_status") return appStatus(profile("p", "Sandbox"));
    if (cmd === "key_form") return keyForm("kcp.T0000", rule("kcp"));
    if (cmd === "money_rules") return { order_name_max_chars: 40, max_amount: 100_000_000, installment_min_amount: 50_000, installment_max_months: 36 };
    if (cmd === "issue_key") {
      const input = (args as { input: IssueKeyInput }).input;
      sent.push(input);
      if (!input.replace) throw refusal;
      return { ...customer("cus_1", "김민준"), pg_provider: "kcp" };
    }
    if (cmd === "read_amounts") return readAmounts(args);
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return sent;
}

describe("a customer_uid that already has a key", () => {
  it("shows the key it would replace and issues only after an explicit replace", async () => {
    const refusal = {
      code: "key_replaces_existing",
      message: "already has a key",
      details: { customer_uid: "cus_1", pg_provider: "nice", pg_id: "nictest04m", card_name: "신한카드", card_number: "4242-42**-****-4242" },
    };
    const sent = refusedUnlessReplaced(refusal);
    renderScreen(<IssueKeyForm />);
    await typeCard();
    await userEvent.click(screen.getByTestId("issue-submit"));
    const key = await screen.findByTestId("issue-replace-key");
    expect(key.textContent).toContain("4242-42**-****-4242");
    expect(key.textContent).toContain("nice · nictest04m");
    expect(document.body.textContent).toContain("해지하지 않습니다");
    // Keeping the key sends nothing more.
    await userEvent.click(screen.getByTestId("issue-replace-cancel"));
    await waitFor(() => expect(screen.queryByTestId("issue-replace-key")).toBeNull());
    expect(sent).toHaveLength(1);
    await userEvent.click(screen.getByTestId("issue-submit"));
    await userEvent.click(await screen.findByTestId("issue-replace-confirm"));
    await screen.findByTestId("issue-success");
    expect(sent.map((s) => s.replace)).toEqual([false, false, true]);
  });

  it("asks the same when i'mport would not say whether a key exists, showing its answer", async () => {
    const sent = refusedUnlessReplaced({ code: "key_presence_unknown", message: "unknown", details: { customer_uid: "cus_1", message: "권한이 없습니다" } });
    renderScreen(<IssueKeyForm />);
    await typeCard();
    await userEvent.click(screen.getByTestId("issue-submit"));
    const key = await screen.findByTestId("issue-replace-key");
    expect(key.textContent).toBe("권한이 없습니다");
    expect(document.body.textContent).toContain("기존 빌링키가 있는지 확인되지 않았습니다");
    await userEvent.click(screen.getByTestId("issue-replace-confirm"));
    await screen.findByTestId("issue-success");
    expect(sent.map((s) => s.replace)).toEqual([false, true]);
  });
});
