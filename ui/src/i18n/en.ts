import type { Messages } from "./ko";

// Same keys as ko.ts: the type below makes a missing key a compile error, and a test
// checks both directions at run time too.
type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

const en: Shape<Messages> = {
  app: { name: "Subdesk", tagline: "Recurring billing" },
  nav: {
    dashboard: "Dashboard",
    customers: "Customers",
    charges: "Charges",
    schedules: "Schedules",
    payments: "Payments",
    pgGuide: "PG guide",
    settings: "Settings",
  },
  mode: { sandbox: "Sandbox", test: "Test", live: "Live" },
  status: {
    profile: "Profile",
    sandboxAt: "Sandbox at {{url}}",
    sandboxDown: "The sandbox is not running",
    version: "Version {{version}}",
    liveWarning: "This profile moves real money",
  },
  common: {
    loading: "Loading…",
    retry: "Try again",
    close: "Close",
  },
  dashboard: {
    title: "Dashboard",
    description: "Your connected account and today's work at a glance.",
    sandboxTitle: "You are practising in the sandbox",
    sandboxBody:
      "A built-in i'mport-compatible server that lets you use all of Subdesk with no account. Nothing reaches a card company, and test cards reproduce approvals and declines.",
    liveTitle: "Live profile",
    liveBody: "Charges and refunds on this profile reach your customers' real cards.",
    testTitle: "Test profile",
    testBody: "Requests go to i'mport test channels. Test charges are cancelled automatically every day.",
    connection: "Connection",
    apiAddress: "API address",
    timeZone: "Time zone",
    nextStepsTitle: "Getting started",
    nextSteps1: "In Customers, issue a billing key from a customer's card, or import customer_uids issued on your website.",
    nextSteps2: "Charge a key now or register scheduled charges.",
    nextSteps3: "In Payments, look up payments, refund, reconcile and export.",
  },
  customers: {
    title: "Customers",
    description: "Customers with a billing key. i'mport cannot list billing keys, so Subdesk keeps the registry itself.",
    emptyTitle: "No customers yet",
    emptyBody:
      "Customers appear here when you issue a billing key over the REST API from their card, or import customer_uids issued through your website's payment window, pasted or from a CSV file.",
  },
  charges: {
    title: "Charges",
    description: "Charge a billing key now, or many customers at once. Every request is recorded before it is sent, so no charge happens twice.",
    emptyTitle: "No charges yet",
    emptyBody:
      "Charge a customer with “Charge now” on their page, or run a bulk charge for a plan's period or a CSV of customer_uids and amounts; each request and its outcome appears here.",
  },
  schedules: {
    title: "Schedules",
    description: "Scheduled charges registered with i'mport, and recurring plans.",
    emptyTitle: "Nothing scheduled",
    emptyBody:
      "Register a scheduled charge on a customer's key, or put a customer on a recurring plan, and the upcoming charges appear here. A sync also brings in schedules already registered with i'mport.",
  },
  payments: {
    title: "Payments",
    description: "Look up paid, failed and cancelled payments; refund, reconcile and export.",
    emptyTitle: "No payments yet",
    emptyBody:
      "A sync with i'mport brings in the last year of payments. Charges made in Subdesk appear at once.",
  },
  pgGuide: {
    title: "PG guide",
    description: "How each PG issues billing keys, what it needs, and its integration docs.",
    methodWindow: "Payment window",
    methodRest: "REST API",
    pgParam: "pg value",
    requiredFields: "Required fields",
    docs: "Integration docs",
    docsKo: "Korean docs",
    docsEn: "English docs",
    testGuide: "Test-mode guide",
    restIssue: "REST issuance",
    windowIssue: "Window issuance",
    yes: "Yes",
    no: "No",
    unknown: "Unclear",
    count: "{{count}} entries",
  },
  settings: {
    title: "Settings",
    description: "Language, time zone and diagnostics.",
    language: "Language",
    languageHelp: "The language of the interface. Kept for the next start.",
    korean: "한국어",
    english: "English",
    timeZone: "Time zone",
    timeZoneHelp: "The zone payment times are shown in. Stored times are UTC; only the display changes.",
    diagnostics: "Diagnostics",
    diagnosticsHelp: "Copies versions, paths, profiles and the recent log for a support request. Secrets and card data are never included.",
    copyDiagnostics: "Copy diagnostics",
    copied: "Diagnostics copied to the clipboard",
    copyFailed: "Could not copy to the clipboard. Copy the text below by hand.",
    saved: "Saved",
    about: "About",
    dataDir: "Data folder",
  },
  errors: {
    unknown: "Something went wrong: {{message}}",
    invalid_input: "Check the input: {{message}}",
    internal: "Internal error: {{message}}",
    settings_unavailable: "The settings file cannot be used. Check disk space and permissions.",
    link_not_allowed: "This link cannot be opened. Subdesk opens only https links to documentation sites it knows.",
    sandbox_unavailable: "The built-in sandbox is not running. Try restarting the app.",
    profile_not_found: "The profile was not found.",
  },
};

export default en;
