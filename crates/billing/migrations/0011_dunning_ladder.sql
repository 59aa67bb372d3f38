-- Schema version 10 (plans' dunning, yearly plans, first charges, re-subscribing):
-- columns only, so no table is rebuilt.
-- retry_ladder: the days after a failed period at which it is tried again, e.g. '1,3,5,7'
-- (NULL on older plans: retry_max attempts every retry_after_days days, as before).
-- dunning_end: what happens to the subscription once the ladder is spent or a hard
-- decline stops it: 'keep' (the next periods are charged as usual), 'pause', 'cancel'.
ALTER TABLE plans ADD COLUMN retry_ladder TEXT;
ALTER TABLE plans ADD COLUMN dunning_end TEXT NOT NULL DEFAULT 'keep'
    CHECK (dunning_end IN ('keep', 'pause', 'cancel'));
-- Yearly plans: interval_kind 'monthly' on day interval_value, in this month (1-12) once
-- a year. NULL: every month.
ALTER TABLE plans ADD COLUMN yearly_month INTEGER;
-- 1: subscribing charges the current period at once.
ALTER TABLE plans ADD COLUMN first_charge INTEGER NOT NULL DEFAULT 0;
-- How many subscriptions of the same customer to the same plan came before this one: a
-- re-subscription's periods get order ids of their own (`…-s<n>`), since i'mport never
-- takes a revoked schedule's order id again.
ALTER TABLE subscriptions ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
