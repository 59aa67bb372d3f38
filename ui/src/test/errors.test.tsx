import { MantineProvider } from "@mantine/core";
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ErrorAlert } from "../components/ErrorAlert";
import i18n from "../i18n";
import type { ShownError } from "../lib/errors";
import { call, CommandError } from "../lib/ipc";
import { createQueryClient } from "../lib/queryClient";
import { theme } from "../theme";

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

const unresolved: ShownError = { code: "charge_unresolved", message: "being checked", details: { merchant_uid: "sd-20261120-0001", field: "amount" } };

function renderAlert(error: unknown, onRetry?: () => void) {
  return render(
    <MantineProvider theme={theme}>
      <ErrorAlert error={error} onRetry={onRetry} testId="the-error" />
    </MantineProvider>,
  );
}

describe("the one error component", () => {
  it("says what Rust's code means in Korean, with the order to look up and a retry", async () => {
    const retry = vi.fn();
    renderAlert(new CommandError(unresolved), retry);
    const alert = screen.getByTestId("the-error");
    expect(alert).toHaveAttribute("data-code", "charge_unresolved");
    expect(alert).toHaveTextContent("이 결제는 결과를 확인 중입니다.");
    expect(alert).toHaveTextContent("주문번호: sd-20261120-0001");
    // The field is shown on the field, never here; Rust's English message is not the text.
    expect(alert).not.toHaveTextContent("amount");
    expect(alert).not.toHaveTextContent("being checked");
    await userEvent.click(screen.getByRole("button", { name: "다시 시도" }));
    expect(retry).toHaveBeenCalledTimes(1);
  });

  it("says the same in English when the app is in English", async () => {
    renderAlert(unresolved, () => {});
    await act(() => i18n.changeLanguage("en"));
    const alert = screen.getByTestId("the-error");
    expect(alert).toHaveTextContent("Order id: sd-20261120-0001");
    expect(alert).not.toHaveTextContent("주문번호");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
    expect(alert.textContent).toContain(i18n.t("errors.charge_unresolved"));
  });

  it("falls back to Rust's message for a code it has no text for, and offers no retry unasked", () => {
    renderAlert(new Error("socket closed"));
    expect(screen.getByTestId("the-error")).toHaveTextContent("알 수 없는 오류가 발생했습니다: socket closed");
    expect(screen.queryByRole("button")).toBeNull();
  });
});

describe("the command adapter", () => {
  it("gives the data of either answer shape and throws Rust's error as a CommandError", async () => {
    expect(await call(Promise.resolve(["a"]))).toEqual(["a"]);
    expect(await call(Promise.resolve({ status: "ok" as const, data: 7 }))).toBe(7);
    // A result of Rust's own with a `status` field is data, not a tagged answer.
    expect(await call(Promise.resolve({ status: "paid", journal_id: 1 }))).toEqual({ status: "paid", journal_id: 1 });
    await expect(call(Promise.reject(unresolved))).rejects.toMatchObject({ name: "CommandError", code: "charge_unresolved", details: unresolved.details });
    await expect(call(Promise.resolve({ status: "error" as const, error: unresolved }))).rejects.toBeInstanceOf(CommandError);
    await expect(call(Promise.reject(new TypeError("boom")))).rejects.toMatchObject({ code: "unknown", message: "boom" });
  });

  it("never asks again after an answer with a code, and once after something that never reached Rust", async () => {
    const client = createQueryClient();
    const refused = vi.fn(() => call(Promise.reject(unresolved)));
    await client.fetchQuery({ queryKey: ["p", "refused"], queryFn: refused, retryDelay: 0 }).catch(() => {});
    expect(refused).toHaveBeenCalledTimes(1);
    const lost = vi.fn(() => call(Promise.reject(new TypeError("lost"))));
    await client.fetchQuery({ queryKey: ["p", "lost"], queryFn: lost, retryDelay: 0 }).catch(() => {});
    expect(lost).toHaveBeenCalledTimes(2);
  });
});
