-- Schema version 9: plans are edited and archived from the app, and a subscription has a
-- start, an amount of its own, a pause and a cancellation at the end of its period.
-- Columns only (no CHECK changes), so no table is rebuilt.
ALTER TABLE plans ADD COLUMN archived_at INTEGER;
-- start_at: no period before it (the plan's own start otherwise); amount: charged instead
-- of the plan's; paused_at: collection paused (nothing registered, future schedules
-- revoked); cancel_at: cancelled by the engine once this time has come.
ALTER TABLE subscriptions ADD COLUMN start_at INTEGER;
ALTER TABLE subscriptions ADD COLUMN amount INTEGER;
ALTER TABLE subscriptions ADD COLUMN paused_at INTEGER;
ALTER TABLE subscriptions ADD COLUMN cancel_at INTEGER;
