-- Schema version 6: each audit entry names the person's account on the computer (the OS
-- user) beside the profile, so a shared desk can tell who did what. Entries written
-- before this have none; their hashes stay as they were (the OS user is part of the
-- hash only when there is one). The action and time get an index for the audit screen.
ALTER TABLE audit_log ADD COLUMN os_user TEXT;
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_at ON audit_log (at, id);
