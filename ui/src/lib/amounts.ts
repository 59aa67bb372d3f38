// A form's typed amounts as Rust reads them. The rule for what a person may type as won
// ("12000", "12,000", "₩12,000", "12000원") is the core's (billing's parse_amount, which
// the CLI's arguments and CSV cells use too); a form shows and sends only what Rust read.
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import type { AmountsRead } from "../bindings";
import { amountsQuery } from "./queries";

export interface TypedAmounts {
  /** The amount as read for the text on screen; null while unread or not whole won. */
  won: number | null;
  /** The tax-free part (0 when empty); null while unread or not whole won. */
  free: number | null;
  /** The VAT i'mport derives; null until both are read. */
  vat: number | null;
  /** The current text read now (from cache when already read): what a submit sends. */
  read: () => Promise<AmountsRead>;
}

export function useTypedAmounts(profileId: string, amount: string, taxFree: string, enabled: boolean): TypedAmounts {
  const client = useQueryClient();
  const query = amountsQuery(profileId, amount, taxFree);
  // While a new keystroke is being read, the last reading stays on screen (no flicker);
  // a submit never uses it: `read` waits for the text as it is.
  const answer = useQuery({ ...query, enabled, placeholderData: keepPreviousData });
  return {
    won: answer.data?.amount ?? null,
    free: answer.data?.tax_free ?? null,
    vat: answer.data?.vat ?? null,
    read: () => client.fetchQuery(query),
  };
}
