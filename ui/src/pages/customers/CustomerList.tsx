import { ActionIcon, Button, Checkbox, Group, Menu, MultiSelect, Select, Stack, Text } from "@mantine/core";
import { IconColumns, IconFileImport, IconPlus, IconRepeat, IconSearch, IconUsers } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import type { Customer, CustomerQuery, CustomerSort, CustomerSortField, KeyStatus } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { ExportMenu, ExportStatus, useExport } from "../../components/ExportMenu";
import { SearchInput } from "../../components/SearchInput";
import { EmptyState } from "../../layout/EmptyState";
import { PageHeader } from "../../layout/PageHeader";
import { CUSTOMER_EXPORT_IDS, exportColumns } from "../../lib/exportColumns";
import { formatDate } from "../../lib/format";
import { loadPref, savePref } from "../../lib/prefs";
import { customerPages, customerTagsQuery, type ListQuery } from "../../lib/queries";
import { usePaged } from "../../lib/usePaged";
import { CellText } from "../../layout/CellText";
import { type ColumnSort, VirtualTable } from "../../layout/VirtualTable";
import { SubscribeManyModal } from "../plans/SubscribeManyModal";
import { ImportModal } from "./ImportModal";
import { KeyStatusBadge } from "./KeyStatusBadge";

export const COLUMNS = ["customer_uid", "name", "tel", "email", "card", "pg", "status", "issued", "verified", "tags"] as const;
type Column = (typeof COLUMNS)[number];
const DEFAULT_COLUMNS: Column[] = ["name", "customer_uid", "card", "pg", "status", "issued"];
const WIDTHS: Record<Column, string> = {
  customer_uid: "minmax(180px, 1.4fr)",
  name: "minmax(100px, 1fr)",
  tel: "minmax(120px, 1fr)",
  email: "minmax(160px, 1.3fr)",
  card: "minmax(150px, 1.2fr)",
  pg: "minmax(90px, 0.8fr)",
  status: "110px",
  issued: "110px",
  verified: "110px",
  tags: "minmax(100px, 1fr)",
};
/** The columns the store can order by (each named as its sort field), and the direction a first press picks. */
type SortColumn = Column & CustomerSortField;
const FIRST_DIRECTION: Record<SortColumn, "asc" | "desc"> = {
  customer_uid: "asc",
  name: "asc",
  pg: "asc",
  status: "asc",
  issued: "desc",
  verified: "desc",
};

function isSortColumn(key: string): key is SortColumn {
  return key in FIRST_DIRECTION;
}

function isSort(v: unknown): v is ColumnSort | null {
  if (v === null) return true;
  if (typeof v !== "object") return false;
  const s = v as Partial<ColumnSort>;
  return typeof s.key === "string" && isSortColumn(s.key) && (s.direction === "asc" || s.direction === "desc");
}

/** A header press: its first direction, then the other, then back to no column order. */
export function nextSort(current: ColumnSort | null, key: string): ColumnSort | null {
  if (!isSortColumn(key)) return current;
  const first = FIRST_DIRECTION[key];
  if (current?.key !== key) return { key, direction: first };
  if (current.direction === first) return { key, direction: first === "asc" ? "desc" : "asc" };
  return null;
}

function toQuerySort(s: ColumnSort | null): CustomerSort | null {
  return s && isSortColumn(s.key) ? { field: s.key, direction: s.direction } : null;
}

const KEY_STATUSES: KeyStatus[] = ["active", "unverified", "unknown", "deleted"];
const PAGE = 200;

function isColumns(v: unknown): v is Column[] {
  return Array.isArray(v) && v.length > 0 && v.every((c) => (COLUMNS as readonly string[]).includes(c as string));
}

function cell(c: Customer, col: Column, tz: string, lang: "ko" | "en", t: (k: string) => string) {
  switch (col) {
    case "customer_uid":
      return <CellText mono>{c.customer_uid}</CellText>;
    case "name":
      return <CellText>{c.customer_name ?? "—"}</CellText>;
    case "tel":
      return <CellText>{c.customer_tel ?? "—"}</CellText>;
    case "email":
      return <CellText>{c.customer_email ?? "—"}</CellText>;
    case "card":
      return (
        <CellText>
          {[c.card_name, c.card_last4 ? `·${c.card_last4}` : null].filter(Boolean).join(" ") || "—"}
        </CellText>
      );
    case "pg":
      return <CellText>{c.pg_provider ?? "—"}</CellText>;
    case "status":
      return <KeyStatusBadge status={c.key_status} />;
    case "issued":
      return <CellText>{formatDate(c.issued_at, tz, lang)}</CellText>;
    case "verified":
      return <CellText>{c.last_verified_at ? formatDate(c.last_verified_at, tz, lang) : t("customers.detail.never")}</CellText>;
    case "tags":
      return <CellText>{c.tags.join(", ")}</CellText>;
  }
}

export function CustomerList() {
  const { t } = useTranslation();
  const { zone, lang, profileId } = useApp();
  const navigate = useNavigate();
  // The list follows every key: Rust answers a search at once, and an answer to an earlier
  // text never replaces a newer one (each text is a query of its own).
  const [text, setText] = useState("");
  const [statuses, setStatuses] = useState<KeyStatus[]>([]);
  const [pg, setPg] = useState<string | null>(null);
  const [tags, setTags] = useState<string[]>([]);
  const [columns, setColumns] = useState<Column[]>(() => loadPref("customers.columns", DEFAULT_COLUMNS, isColumns));
  const [sort, setSort] = useState<ColumnSort | null>(() => loadPref("customers.sort", null, isSort));
  // `?import=<customer_uid>` (the PG guide's "try it on the sandbox") opens Import with it.
  const [search, setSearch] = useSearchParams();
  const handedOver = search.get("import") ?? "";
  const [importing, setImporting] = useState(handedOver !== "");
  // Rows chosen for a subscribe-many (by customer_uid), kept across filters and pages.
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [subscribing, setSubscribing] = useState(false);
  const toggle = (uid: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(uid)) next.delete(uid);
      else next.add(uid);
      return next;
    });
  // The typed text counts at once: the table (not the empty store's welcome) shows while the
  // search is answered.
  const filtersActive = text.trim() !== "" || statuses.length > 0 || pg !== null || tags.length > 0;

  const query = useMemo<ListQuery<CustomerQuery>>(
    () => ({ text: text.trim() || null, key_status: statuses, pg_provider: pg, tags, sort: toQuerySort(sort), limit: PAGE }),
    [text, statuses, pg, tags, sort],
  );
  const { rows, loading, loadMore, listVersion, error, refetch } = usePaged(customerPages(profileId, query));
  const allTags = useQuery(customerTagsQuery(profileId)).data ?? [];

  const sortBy = (key: string) => {
    const next = nextSort(sort, key);
    setSort(next);
    savePref("customers.sort", next);
  };
  const setColumnsSaved = (next: Column[]) => {
    if (next.length === 0) return;
    setColumns(next);
    savePref("customers.columns", next);
    // An order by a hidden column would be invisible: drop it with the column.
    if (sort && !next.includes(sort.key as Column)) {
      setSort(null);
      savePref("customers.sort", null);
    }
  };
  const pgOptions = ["nice", "nice_v2", "kcp", "html5_inicis", "daou", "ksnet", "tosspayments", "welcome", "settle", "kcp_billing", "kakaopay", "danal_tpay", "danal", "jtnet", "kicc", "payco", "chai", "mobilians", "naverpay"];
  const empty = !loading && rows.length === 0 && !error;
  // The current filter and order, with the columns chosen on screen and their labels.
  const exporter = useExport(
    { kind: "customers", query },
    exportColumns(
      columns.map((col) => ({ key: col, header: t(`customers.col.${col}`) })),
      CUSTOMER_EXPORT_IDS,
    ),
  );

  return (
    <Stack h="calc(100vh - 52px - 32px - 2 * var(--mantine-spacing-lg))" gap="sm">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <PageHeader title={t("customers.title")} description={t("customers.description")} />
        <Group gap="xs" wrap="nowrap">
          {selected.size > 0 && (
            <Button variant="light" leftSection={<IconRepeat size={16} />} onClick={() => setSubscribing(true)} data-testid="subscribe-selected">
              {t("plans.many.open", { count: selected.size })}
            </Button>
          )}
          <ExportMenu exporter={exporter} testId="export-customers" />
          <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={() => setImporting(true)} data-testid="open-import">
            {t("customers.import")}
          </Button>
          <Button leftSection={<IconPlus size={16} />} onClick={() => void navigate("/customers/new")} data-testid="open-issue-key">
            {t("customers.issueKey")}
          </Button>
        </Group>
      </Group>

      <ExportStatus exporter={exporter} testId="export-customers" />
      <Group gap="xs" wrap="nowrap" align="flex-end">
        <SearchInput
          flex={1}
          leftSection={<IconSearch size={16} />}
          placeholder={t("customers.searchPlaceholder")}
          onSearch={setText}
          data-testid="customer-search"
          aria-label={t("customers.searchPlaceholder")}
        />
        <MultiSelect
          w={220}
          placeholder={t("customers.filterStatus")}
          aria-label={t("customers.filterStatus")}
          data={KEY_STATUSES.map((s) => ({ value: s, label: t(`customers.status.${s}`) }))}
          value={statuses}
          onChange={(v) => setStatuses(v as KeyStatus[])}
          clearable
        />
        <Select w={150} placeholder={t("customers.allPgs")} aria-label={t("customers.filterPg")} data={pgOptions} value={pg} onChange={setPg} clearable searchable />
        <MultiSelect
          w={180}
          placeholder={t("customers.filterTags")}
          aria-label={t("customers.filterTags")}
          data={allTags.map((tc) => ({ value: tc.tag, label: `${tc.tag} (${tc.count})` }))}
          value={tags}
          onChange={setTags}
          clearable
          searchable
        />
        <Menu closeOnItemClick={false} position="bottom-end">
          <Menu.Target>
            <ActionIcon variant="default" size="lg" aria-label={t("customers.columns")} data-testid="column-chooser">
              <IconColumns size={18} />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>{t("customers.columns")}</Menu.Label>
            {COLUMNS.map((c) => (
              <Menu.Item key={c}>
                <Checkbox
                  label={t(`customers.col.${c}`)}
                  checked={columns.includes(c)}
                  onChange={(e) =>
                    setColumnsSaved(e.currentTarget.checked ? COLUMNS.filter((x) => x === c || columns.includes(x)) : columns.filter((x) => x !== c))
                  }
                />
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
      </Group>

      {error && <ErrorAlert error={error} onRetry={() => void refetch()} retrying={loading} testId="customers-error" />}

      {empty && !filtersActive ? (
        <EmptyState icon={IconUsers} title={t("customers.emptyTitle")} body={t("customers.emptyBody")} />
      ) : (
        <VirtualTable<Customer>
          testId="customer"
          rows={rows}
          rowKey={(c) => c.customer_uid}
          columns={[
            {
              key: "select",
              header: "",
              width: "36px",
              render: (c: Customer) => (
                // A click on the box chooses the row; it does not open the customer.
                <div onClick={(e) => e.stopPropagation()}>
                  <Checkbox size="xs" aria-label={t("customers.select", { name: c.customer_name ?? c.customer_uid })} checked={selected.has(c.customer_uid)} onChange={() => toggle(c.customer_uid)} data-testid="customer-select" />
                </div>
              ),
            },
            ...columns.map((col) => ({
              key: col,
              header: t(`customers.col.${col}`),
              width: WIDTHS[col],
              sortable: isSortColumn(col),
              render: (c: Customer) => cell(c, col, zone, lang, t),
            })),
          ]}
          sort={sort}
          onSort={sortBy}
          onOpen={(c) => void navigate(`/customers/${encodeURIComponent(c.customer_uid)}`)}
          onNearEnd={loadMore}
          listVersion={listVersion}
          loading={loading}
          empty={
            <Text ta="center" c="dimmed" size="sm">
              {t("customers.noMatch")}
            </Text>
          }
          footer={
            <Text size="xs" c="dimmed" data-testid="customer-count">
              {t("customers.loaded", { count: rows.length })}
            </Text>
          }
        />
      )}
      <ImportModal
        opened={importing}
        onClose={() => {
          setImporting(false);
          // Handed over once: a later visit starts with the list.
          if (handedOver) setSearch({}, { replace: true });
        }}
        initialText={handedOver}
      />
      {subscribing && (
        <SubscribeManyModal
          customerUids={[...selected]}
          onClose={() => {
            setSubscribing(false);
            setSelected(new Set());
          }}
        />
      )}
    </Stack>
  );
}
