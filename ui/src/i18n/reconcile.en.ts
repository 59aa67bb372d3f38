import type ko from "./reconcile.ko";

// The reconciliation screen: a period's payments at i'mport and in the store, side by side.
const reconcile: typeof ko = {
  title: "Reconciliation",
  description: "A month, quarter or half-year of payments as i'mport records them and as this computer does, side by side: payments on one side only, status, amount or refund apart, and requests whose outcome is not known yet.",
  compare: "Compare",
  theirs: "i'mport",
  ours: "This computer",
  totals: "{{count, number}} payments · paid {{amount}} · refunded {{refunded}}",
  clean: "No differences: this period's payments match i'mport.",
  kind: {
    missing_here: "Not here",
    missing_there: "Not at i'mport",
    status: "Status differs",
    amount: "Amount differs",
    refunded: "Refund differs",
  },
  open: "{{count, number}} requests being checked",
  apply: "Match {{count, number}} to i'mport",
  applied: "{{count, number}} payments now read as i'mport records them.",
  rowApplied: "Matched",
  unchecked: "{{count, number}} payments i'mport did not list were too many to look up one by one. Sync payments first.",
  differences: "{{shown, number}} of {{total, number}} differences",
  refunded: "refunded {{amount}}",
  none: "None",
  col: { kind: "Difference", order: "Order id", customer: "Customer", ours: "This computer", theirs: "i'mport" },
  note: "Matching changes only this computer's records: nothing changes at i'mport and no money moves. Payments i'mport does not know are left as they are, for a person to look into.",
  background: {
    waiting: "While the app is open, the last {{days}} days of payments are checked every 15 minutes (late partial refunds included).",
    running: "Checking the last {{days}} days of payments…",
    done: "Last {{days}} days checked automatically: {{when}}, {{count, number}} updated",
    failed: "The automatic check of the last {{days}} days did not finish at {{when}}; it tries again in 15 minutes.",
  },
};

export default reconcile;
