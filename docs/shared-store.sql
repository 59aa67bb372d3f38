-- A shared store for Subdesk on PostgreSQL 14 or newer: run as the server's administrator
-- (psql -U postgres -f docs/shared-store.sql), with the two passwords changed.
--
-- subdesk_desk: the desks that copy their store into it (`store migrate --to`) and own
-- its tables. subdesk_clerk: a desk that only reads (restores with `store migrate --from`)
-- and that the server itself keeps from writing, whatever the app is asked to do.

CREATE ROLE subdesk_desk LOGIN PASSWORD 'change-me-desk';
CREATE ROLE subdesk_clerk LOGIN PASSWORD 'change-me-clerk';
CREATE DATABASE subdesk OWNER subdesk_desk;
\connect subdesk
-- PostgreSQL 15 gives no one but the owner the right to create in `public`; 14 gives
-- everyone. Either way only the desk role creates the tables.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CREATE, USAGE ON SCHEMA public TO subdesk_desk;
GRANT USAGE ON SCHEMA public TO subdesk_clerk;
-- The clerk reads every table the desks create, now and later, and writes none.
ALTER DEFAULT PRIVILEGES FOR ROLE subdesk_desk IN SCHEMA public GRANT SELECT ON TABLES TO subdesk_clerk;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO subdesk_clerk;
