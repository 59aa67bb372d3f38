// Every query key and every invalidation, in one place. A key starts with the active
// profile's id, so one profile's rows can never be shown under another's; the few answers
// that belong to the app itself (status, settings, the profile list) start with APP.
import { infiniteQueryOptions, queryOptions, type InfiniteData, type QueryClient, type QueryKey } from "@tanstack/react-query";
import type { i18n as I18n } from "i18next";
import { commands, type Payment, type AuditQuery, type CustomerQuery, type DatePreset, type JournalQuery, type PaymentQuery, type ScheduleQuery } from "../bindings";
import { call } from "./ipc";
import type { Page } from "./usePaged";
import type { Positions } from "./usePositioned";

/** The first element of the app's own keys (no profile id looks like it). */
export const APP = "@app";

/** The query parts of a list, without the cursor (the page is the query's own business). */
export type ListQuery<Q> = Omit<Q, "cursor">;

export const keys = {
  app: () => [APP] as const,
  status: () => [APP, "status"] as const,
  settings: () => [APP, "settings"] as const,
  profiles: () => [APP, "profiles"] as const,

  profile: (p: string) => [p] as const,
  overview: (p: string) => [p, "overview"] as const,
  /** Under `overview`: whatever makes the overview stale makes the dashboard's figures stale. */
  dashboard: (p: string, preset: DatePreset, zone: string) => [p, "overview", "dashboard", preset, zone] as const,
  customers: (p: string, q?: ListQuery<CustomerQuery>) => (q ? ([p, "customers", q] as const) : ([p, "customers"] as const)),
  customerTags: (p: string) => [p, "customerTags"] as const,
  customer: (p: string, uid?: string) => (uid === undefined ? ([p, "customer"] as const) : ([p, "customer", uid] as const)),
  /** PortOne's latest for one customer: its own root, so saving a note never asks PortOne. */
  customerRefresh: (p: string, uid: string) => [p, "customerRefresh", uid] as const,
  payments: (p: string, q?: ListQuery<PaymentQuery>) => (q ? ([p, "payments", q] as const) : ([p, "payments"] as const)),
  /** Under `payments`: whatever makes the list stale makes its totals and choices stale. */
  paymentTotals: (p: string, q: ListQuery<PaymentQuery>) => [p, "payments", "totals", q] as const,
  paymentFacets: (p: string) => [p, "payments", "facets"] as const,
  /** Under `payments`: a list read by position, its window (null: the store as it is now) and its pages. */
  paymentWindow: (p: string, q: ListQuery<PaymentQuery>, snapshot: number | null) => [p, "payments", "window", q, snapshot] as const,
  paymentsAt: (p: string, q: ListQuery<PaymentQuery>, snapshot: number, page: number) => [p, "payments", "at", q, snapshot, page] as const,
  /** What i'mport says is left of a payment, and the tax-free part a refund of `amount` may carry. */
  refundSplit: (p: string, impUid: string, amount: number | null) => [p, "payment", impUid, "split", amount] as const,
  /** Calendar arithmetic in Rust: a named period, or typed days, in a zone. */
  dateRange: (preset: DatePreset, zone: string) => [APP, "dateRange", preset, zone] as const,
  dayRange: (first: string | null, last: string | null, zone: string) => [APP, "dayRange", first, last, zone] as const,
  /** How a failed payment is charged again (its order id is kept for the drawer's life). */
  retryPlan: (p: string, impUid: string) => [p, "retryPlan", impUid] as const,
  payment: (p: string, impUid?: string) => (impUid === undefined ? ([p, "payment"] as const) : ([p, "payment", impUid] as const)),
  /** The triage queue and its count: under one root, stale whenever money or the registry changes. */
  triage: (p: string) => [p, "triage"] as const,
  triageCount: (p: string) => [p, "triage", "count"] as const,
  schedules: (p: string, q?: ListQuery<ScheduleQuery>) => (q ? ([p, "schedules", q] as const) : ([p, "schedules"] as const)),
  // Under the schedules' root, so whatever changes schedules makes these stale too.
  scheduleTotals: (p: string, q: ListQuery<ScheduleQuery>) => [p, "schedules", "totals", q] as const,
  schedulePgs: (p: string) => [p, "schedules", "pgs"] as const,
  schedule: (p: string, merchantUid: string) => [p, "schedules", "one", merchantUid] as const,
  scheduleCalendar: (p: string, month: string, q: ListQuery<ScheduleQuery>) => [p, "schedules", "calendar", month, q] as const,
  scheduleForecast: (p: string) => [p, "schedules", "forecast"] as const,
  /** What a key still has waiting at i'mport (asked there when the delete dialog opens). */
  keyLiveSchedules: (p: string, uid: string) => [p, "schedules", "live", uid] as const,
  journal: (p: string, q?: JournalQuery) => (q ? ([p, "journal", q] as const) : ([p, "journal"] as const)),
  backups: (p: string) => [p, "backups"] as const,
  /** The backup folder's settings and schedule, and its list, under the backups' root. */
  backupSetup: (p: string) => [p, "backups", "setup"] as const,
  folderBackups: (p: string) => [p, "backups", "folder"] as const,
  /** The shared store's settings and schedule: a copy is a kind of backup. */
  sharedSetup: (p: string) => [p, "backups", "shared"] as const,
  /** The audit log: every change adds to it, so every change asks it again. */
  audit: (p: string, q?: AuditQuery) => (q ? ([p, "audit", q] as const) : ([p, "audit"] as const)),
  pgChannels: (p: string) => [p, "pgChannels"] as const,
  testCards: (p: string) => [p, "testCards"] as const,
  keyForm: (p: string) => [p, "keyForm"] as const,
  /** The core's money limits (the same for every profile, asked per profile like all data). */
  moneyRules: (p: string) => [p, "moneyRules"] as const,
  /** i'mport's VAT of a taxable amount, from the core. */
  amounts: (p: string, amount: string, taxFree: string) => [p, "amounts", amount, taxFree] as const,
  /** One opening of a charge form: the order id Rust gave that intent. */
  orderIntent: (p: string, opening: number) => [p, "orderIntent", opening] as const,
  /** Plans, a plan's page and a customer's subscriptions: the engine changes them all. */
  plans: (p: string) => [p, "plans"] as const,
  plan: (p: string, code: string) => [p, "plans", "one", code] as const,
  planRules: (p: string) => [p, "plans", "rules"] as const,
  customerSubscriptions: (p: string, uid: string) => [p, "plans", "customer", uid] as const,
  engineStatus: (p: string) => [p, "engineStatus"] as const,
  /** Bulk runs and a run's page: money moves change them. */
  runs: (p: string) => [p, "runs"] as const,
  run: (p: string, runId: string) => [p, "runs", "one", runId] as const,
};

/**
 * While a list's query changes (a filter, an order) the rows of the previous query stay
 * until the new ones arrive, so the table does not flash empty; never across profiles.
 */
function sameProfile<T>(profile: string) {
  return (previous: T | undefined, previousQuery: { queryKey: QueryKey } | undefined) => (previousQuery?.queryKey[0] === profile ? previous : undefined);
}

/** A keyset-paged store list: each page's `next_cursor` is the next page's cursor. */
function pagedList<T, K extends QueryKey>(p: string, queryKey: K, fetch: (cursor: string | null) => Promise<Page<T>>) {
  return infiniteQueryOptions<Page<T>, Error, InfiniteData<Page<T>, string | null>, K, string | null>({
    queryKey,
    queryFn: ({ pageParam }) => call(fetch(pageParam)),
    initialPageParam: null,
    getNextPageParam: (last) => last.next_cursor,
    placeholderData: sameProfile(p),
  });
}

// ---- money rules, from the core

export const moneyRulesQuery = (p: string) =>
  queryOptions({ queryKey: keys.moneyRules(p), queryFn: () => call(commands.moneyRules()), staleTime: Infinity });

/** A form's typed amount and tax-free part as Rust reads them (whole won or nothing), with the VAT i'mport derives. */
export const amountsQuery = (p: string, amount: string, taxFree: string) =>
  queryOptions({ queryKey: keys.amounts(p, amount, taxFree), queryFn: () => call(commands.readAmounts(amount, taxFree)), staleTime: Infinity });

// ---- the app's own answers

export const statusQuery = () =>
  queryOptions({
    queryKey: keys.status(),
    queryFn: () => call(commands.appStatus()),
    // A large store is shown at once and checked just after: asked again until the check
    // has answered, so a damaged file reaches the shell's alert within a second.
    // A reading desk's copy is replaced behind the screen: asked every few seconds, so its
    // age and a refresh that failed show, and a new copy reaches the screens (AppContext).
    refetchInterval: (q) => (q.state.data?.integrity_pending ? INTEGRITY_POLL_MS : q.state.data?.reading ? READING_POLL_MS : false),
  });
const INTEGRITY_POLL_MS = 1000;
const READING_POLL_MS = 10_000;

/** The settings, with the language applied before any screen renders in the wrong one. */
export const settingsQuery = (i18n: I18n) =>
  queryOptions({
    queryKey: keys.settings(),
    queryFn: async () => {
      const settings = await call(commands.getSettings());
      await i18n.changeLanguage(settings.language);
      return settings;
    },
  });

export const profilesQuery = () => queryOptions({ queryKey: keys.profiles(), queryFn: () => call(commands.listProfiles()) });

// ---- the active profile's answers

/** The queue is refreshed every half minute while the app is open (a sync or a plan run may add to it). */
export const TRIAGE_REFRESH_MS = 30_000;
export const triageQuery = (p: string) =>
  queryOptions({ queryKey: keys.triage(p), queryFn: () => call(commands.triageList()), refetchInterval: TRIAGE_REFRESH_MS });
export const triageCountQuery = (p: string) =>
  queryOptions({ queryKey: keys.triageCount(p), queryFn: () => call(commands.triageCount()), refetchInterval: TRIAGE_REFRESH_MS });

export const overviewQuery = (p: string) => queryOptions({ queryKey: keys.overview(p), queryFn: () => call(commands.overview()) });

/**
 * A period's figures and series, each with the list filter it counts; "today" moves on with the clock.
 * Rust counts days in the profile's zone; `zone` is in the key so a changed zone asks again.
 */
export const dashboardQuery = (p: string, preset: DatePreset, zone: string) =>
  queryOptions({
    queryKey: keys.dashboard(p, preset, zone),
    queryFn: () => call(commands.dashboard(preset)),
    placeholderData: sameProfile(p),
    refetchInterval: 60_000,
  });

export const journalQuery = (p: string, q: JournalQuery) => queryOptions({ queryKey: keys.journal(p, q), queryFn: () => call(commands.journal(q)) });

/** The audit log a page at a time (keyset on the entry id, newest first). */
export const auditPages = (p: string, q: Omit<AuditQuery, "before_id">) =>
  infiniteQueryOptions({
    queryKey: keys.audit(p, { ...q, before_id: null }),
    queryFn: ({ pageParam }) => call(commands.auditLog({ ...q, before_id: pageParam })),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.next_cursor,
    placeholderData: sameProfile(p),
  });

export const customerPages = (p: string, q: ListQuery<CustomerQuery>) => pagedList(p, keys.customers(p, q), (cursor) => commands.listCustomers({ ...q, cursor }));

export const customerTagsQuery = (p: string) => queryOptions({ queryKey: keys.customerTags(p), queryFn: () => call(commands.customerTags()) });

export const customerQuery = (p: string, uid: string) => queryOptions({ queryKey: keys.customer(p, uid), queryFn: () => call(commands.customerDetail(uid)) });

/**
 * Asks PortOne for the customer's latest (payments, the key's presence) each time the page
 * opens, and puts the answer where the page reads the customer from.
 */
export const customerRefreshQuery = (client: QueryClient, p: string, uid: string) =>
  queryOptions({
    queryKey: keys.customerRefresh(p, uid),
    queryFn: async () => {
      const detail = await call(commands.refreshCustomer(uid));
      client.setQueryData(keys.customer(p, uid), detail);
      return detail;
    },
  });

export const paymentPages = (p: string, q: ListQuery<PaymentQuery>) => pagedList(p, keys.payments(p, q), (cursor) => commands.listPayments({ ...q, cursor }));

/**
 * The payment list read by position (no search text): its window and the page that starts at
 * row `page * limit` of the rows stored at `snapshot`. Pages out of view are dropped from the
 * cache soon (a list of a million rows is not kept in memory as it scrolls by).
 */
export const paymentPositions = (p: string, q: ListQuery<PaymentQuery>): Positions<Payment> => ({
  windowKey: (snapshot) => keys.paymentWindow(p, q, snapshot),
  fetchWindow: (snapshot) => call(commands.paymentWindow({ ...q, cursor: null }, snapshot)),
  pageKey: (snapshot, page) => keys.paymentsAt(p, { ...q, limit: POSITION_PAGE }, snapshot, page),
  fetchPage: (snapshot, page) => call(commands.listPaymentsAt({ ...q, limit: POSITION_PAGE, cursor: null }, snapshot, page * POSITION_PAGE)),
  pageSize: POSITION_PAGE,
  openWindow: () => call(commands.openPaymentWindow({ ...q, limit: POSITION_PAGE, cursor: null })).then((o) => ({ window: o.window, firstPage: o.first_page })),
});

/**
 * The rows of a page read by position: about a screen and the rows drawn either side of it,
 * so a jump asks for one or two small pages (at 200 rows a page, a jump carried 400 rows
 * over IPC and parsed them to draw 40).
 */
export const POSITION_PAGE = 50;

/**
 * The count and sums of every payment the filter matches (not just the loaded pages). A
 * count over a million rows takes the better part of a second: a filter's totals are kept
 * for half a minute when the list is opened again (whatever changes payments here asks again
 * at once; the background refresh's arrivals show within that time).
 */
export const TOTALS_STALE_MS = 30_000;
export const paymentTotalsQuery = (p: string, q: ListQuery<PaymentQuery>) =>
  queryOptions({ queryKey: keys.paymentTotals(p, q), queryFn: () => call(commands.paymentTotals({ ...q, cursor: null, limit: null })), placeholderData: sameProfile(p), staleTime: TOTALS_STALE_MS });

/**
 * The filters' choices: every PG, method and card company stored payments name. Reading
 * them walks the whole table (seconds at a million payments, on the cores the list and its
 * search need), so they are kept for a while; whatever changes payments (a sync, a refund:
 * the `payments` root) asks again at once.
 */
export const FACETS_STALE_MS = 10 * 60_000;
export const paymentFacetsQuery = (p: string) => queryOptions({ queryKey: keys.paymentFacets(p), queryFn: () => call(commands.paymentFacets()), staleTime: FACETS_STALE_MS, gcTime: FACETS_STALE_MS });

export const refundSplitQuery = (p: string, impUid: string, amount: number | null) =>
  queryOptions({ queryKey: keys.refundSplit(p, impUid, amount), queryFn: () => call(commands.refundSplit(impUid, amount)), placeholderData: (prev) => prev });

/**
 * A period as it stands now in the profile's zone: asked again each minute, so "today" moves on at
 * midnight. `zone` (the profile's) is in the key only, so a changed zone asks again.
 */
export const dateRangeQuery = (preset: DatePreset, zone: string) =>
  queryOptions({ queryKey: keys.dateRange(preset, zone), queryFn: () => call(commands.dateRange(preset)), staleTime: 60_000, refetchInterval: 60_000 });

export const dayRangeQuery = (first: string | null, last: string | null, zone: string) =>
  queryOptions({ queryKey: keys.dayRange(first, last, zone), queryFn: () => call(commands.dayRange(first, last)), staleTime: Infinity, retry: false });

/** Never refreshed and dropped when the drawer closes: a new order id Rust gives is the intent's for life. */
export const retryPlanQuery = (p: string, impUid: string) =>
  queryOptions({ queryKey: keys.retryPlan(p, impUid), queryFn: () => call(commands.retryPreview(impUid)), staleTime: Infinity, gcTime: 0, retry: false });

export const paymentQuery = (p: string, impUid: string) => queryOptions({ queryKey: keys.payment(p, impUid), queryFn: () => call(commands.paymentDetail(impUid)) });

export const schedulePages = (p: string, q: ListQuery<ScheduleQuery>) => pagedList(p, keys.schedules(p, q), (cursor) => commands.listSchedules({ ...q, cursor }));

export const scheduleTotalsQuery = (p: string, q: ListQuery<ScheduleQuery>) =>
  queryOptions({ queryKey: keys.scheduleTotals(p, q), queryFn: () => call(commands.scheduleTotals({ ...q, cursor: null })), placeholderData: sameProfile(p) });

export const schedulePgsQuery = (p: string) => queryOptions({ queryKey: keys.schedulePgs(p), queryFn: () => call(commands.schedulePgs()) });

export const scheduleQuery = (p: string, merchantUid: string) =>
  queryOptions({ queryKey: keys.schedule(p, merchantUid), queryFn: () => call(commands.scheduleDetail(merchantUid)) });

export const scheduleCalendarQuery = (p: string, month: string, q: ListQuery<ScheduleQuery>) =>
  queryOptions({ queryKey: keys.scheduleCalendar(p, month, q), queryFn: () => call(commands.scheduleCalendar(month, { ...q, cursor: null })), placeholderData: sameProfile(p) });

export const scheduleForecastQuery = (p: string) => queryOptions({ queryKey: keys.scheduleForecast(p), queryFn: () => call(commands.scheduleForecast()) });

// ---- plans and subscriptions

export const plansQuery = (p: string) => queryOptions({ queryKey: keys.plans(p), queryFn: () => call(commands.listPlans()) });
export const planQuery = (p: string, code: string) => queryOptions({ queryKey: keys.plan(p, code), queryFn: () => call(commands.planDetail(code)) });
export const planRulesQuery = (p: string) => queryOptions({ queryKey: keys.planRules(p), queryFn: () => call(commands.planRules()), staleTime: Infinity });
export const customerSubscriptionsQuery = (p: string, uid: string) =>
  queryOptions({ queryKey: keys.customerSubscriptions(p, uid), queryFn: () => call(commands.customerSubscriptions(uid)) });
/** The plan engine's progress and last result, asked every few seconds for the status bar. */
export const engineStatusQuery = (p: string) => queryOptions({ queryKey: keys.engineStatus(p), queryFn: () => call(commands.planEngineStatus()), refetchInterval: 3000 });

// ---- bulk runs

/** How often a run being executed is asked again (its lines are written as they finish). */
export const RUN_POLL_MS = 1000;
export const runsQuery = (p: string) =>
  queryOptions({
    queryKey: keys.runs(p),
    queryFn: () => call(commands.listRuns()),
    refetchInterval: (q) => (q.state.data?.some((r) => r.summary.info.state === "running" && !r.interrupted) ? RUN_POLL_MS : false),
  });
export const runQuery = (p: string, runId: string) =>
  queryOptions({
    queryKey: keys.run(p, runId),
    queryFn: () => call(commands.runDetail(runId)),
    refetchInterval: (q) => {
      const d = q.state.data;
      return d && (d.running_here || (d.detail.row.summary.info.state === "running" && !d.detail.row.interrupted)) ? RUN_POLL_MS : false;
    },
  });

export const keyLiveSchedulesQuery = (p: string, uid: string) =>
  queryOptions({ queryKey: keys.keyLiveSchedules(p, uid), queryFn: () => call(commands.keyLiveSchedules(uid)), staleTime: 0, gcTime: 0 });

export const backupsQuery = (p: string) => queryOptions({ queryKey: keys.backups(p), queryFn: () => call(commands.listBackups()) });

export const backupSetupQuery = (p: string) => queryOptions({ queryKey: keys.backupSetup(p), queryFn: () => call(commands.backupSetup()) });

export const sharedSetupQuery = (p: string) => queryOptions({ queryKey: keys.sharedSetup(p), queryFn: () => call(commands.sharedStoreSetup()) });

export const folderBackupsQuery = (p: string) => queryOptions({ queryKey: keys.folderBackups(p), queryFn: () => call(commands.listFolderBackups()) });

export const pgChannelsQuery = (p: string) => queryOptions({ queryKey: keys.pgChannels(p), queryFn: () => call(commands.pgChannels()) });

export const testCardsQuery = (p: string) => queryOptions({ queryKey: keys.testCards(p), queryFn: () => call(commands.sandboxTestCards()) });

/** What a charge of this key needs (KSNET's kind of goods); under the customer's key, so a change of it asks again. */
export const chargeNeedsQuery = (p: string, uid: string) =>
  queryOptions({ queryKey: [...keys.customer(p, uid), "chargeNeeds"] as const, queryFn: () => call(commands.chargeNeeds(uid)) });

export const keyFormQuery = (p: string) => queryOptions({ queryKey: keys.keyForm(p), queryFn: () => call(commands.keyForm()) });

/**
 * The order id of one opening of a charge form. Rust makes a new one per call, so this is
 * never refreshed (stale never, dropped when the form closes) and the form keeps the first
 * answer for the intent's life: even a refetch could not change the order a retry sends.
 */
export const orderIntentQuery = (p: string, opening: number) =>
  queryOptions({ queryKey: keys.orderIntent(p, opening), queryFn: () => call(commands.newOrderId()), staleTime: Infinity, gcTime: 0 });

// ---- what a change makes stale (only what is on screen is asked again at once)

export type Change =
  /** A customer or key was added, changed, verified or deleted. */
  | "customers"
  /** Money moved or was settled: a charge, refund, reconciliation or a decided conflict. */
  | "money"
  /** The store was filled from PortOne, or replaced: everything of the profile. */
  | "everything"
  | "backups";

export function invalidate(client: QueryClient, p: string, change: Change, customerUid?: string): Promise<void> {
  const roots: QueryKey[] = {
    customers: [keys.customers(p), keys.customerTags(p), customerUid ? keys.customer(p, customerUid) : keys.customer(p), keys.overview(p), keys.audit(p), keys.triage(p)],
    money: [keys.payments(p), keys.payment(p), keys.journal(p), keys.schedules(p), keys.plans(p), keys.runs(p), customerUid ? keys.customer(p, customerUid) : keys.customer(p), keys.overview(p), keys.audit(p), keys.triage(p)],
    everything: [keys.profile(p)],
    backups: [keys.backups(p), keys.audit(p)],
  }[change];
  return Promise.all(roots.map((queryKey) => client.invalidateQueries({ queryKey }))).then(() => undefined);
}
