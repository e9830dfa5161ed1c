-- message_queue keeps no primary key: its rows are written once with their message and deleted
-- by the claim by ctid (db/queries/analysis.ts), so the key was an index entry per message that
-- no lookup used.
ALTER TABLE "message_queue" DROP CONSTRAINT "message_queue_pkey";
