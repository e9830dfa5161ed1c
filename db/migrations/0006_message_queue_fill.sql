-- Custom (drizzle-kit cannot express either): the messages still to analyse or answer go into
-- message_queue, and messages leaves half of each new page free, so that setting a message's
-- analyzed_at (once, soon after it is stored) is a HOT update: no index entry written again.
INSERT INTO "message_queue" ("message_id", "slot", "direct", "sent_at", "received_at")
SELECT "id", "slot", "direct", "sent_at", "received_at" FROM "messages" WHERE "analyzed_at" IS NULL
ON CONFLICT DO NOTHING;--> statement-breakpoint
ALTER TABLE "messages" SET (fillfactor = 50);
