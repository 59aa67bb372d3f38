// The triage queue, in English. Same keys as triage.ko.ts.
import type { TriageMessages } from "./triage.ko";

const triage: TriageMessages = {
  title: "Needs attention",
  description: "Failed charges and schedules, requests whose outcome is not known yet, billing keys i'mport does not know and cards about to expire, in one place.",
  emptyTitle: "Nothing needs attention",
  emptyBody: "When a charge fails or an outcome needs checking, it shows here.",
  count: "{{count}}",
  kind: {
    failed_charge: "Charge failed",
    failed_schedule: "Schedule failed",
    unknown_outcome: "Outcome unknown",
    conflict: "Order id conflict",
    key_unknown: "Key unknown at i'mport",
    card_expiring: "Card expiring",
  },
  explain: {
    failed_charge: "The card company declined the charge.",
    failed_schedule: "The schedule ran at its time and the card company declined it.",
    unknown_outcome: "The request left but no answer came back. Check now looks the outcome up at i'mport.",
    conflict: "i'mport holds a payment under our order id that is not ours. Decide it on the Charges page.",
    key_unknown: "i'mport no longer knows this billing key. Ask the customer to register a card again.",
    card_expiring: "The card expires in {{month}}. Ask the customer to register a new card.",
  },
  col: { kind: "Kind", customer: "Customer", detail: "Details", at: "When", actions: "Actions" },
  card: "Card",
  reason: "Reason: {{reason}}",
  order: "Order id",
  actions: {
    retry: "Retry the same order",
    check: "Check now",
    copyTel: "Copy phone",
    copyEmail: "Copy email",
    resolve: "Mark resolved",
  },
  copied: "Copied: {{value}}",
  copyFailed: "Could not copy",
  resolveTitle: "Mark resolved",
  resolveBody: "This entry leaves the list. If the same problem happens again, it comes back. The audit log keeps the record.",
  note: "Note (optional)",
  notePlaceholder: "e.g. called the customer",
  cancel: "Cancel",
  resolveYes: "Mark resolved",
  resolved: "Marked resolved",
  checkedGone: "Checked: nothing left to do, so it left the list.",
  checkedStill: "Checked: it still needs attention.",
  retryPaid: "{{amount}} charged.",
  retryReplayed: "This order was already paid. Nothing was charged again.",
  retryDeclined: "Declined again: {{reason}}",
  retryUnknown: "Checking the outcome of the charge.",
};

export default triage;
