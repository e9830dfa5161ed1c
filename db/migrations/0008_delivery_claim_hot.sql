-- Custom (drizzle-kit cannot express either): a delivery being sent is 'pending' with its
-- claimed_at set, no longer 'sending', so the send's claim changes no indexed column; and
-- deliveries leaves half of each new page free, so that claim is a HOT update (no new entry in
-- any of the four indexes) on the row's own page, where the rest of a ~1.75 KB row is not
-- written to the WAL again. Rows a sender held keep their claim (retaken when its lease ends).
UPDATE "deliveries" SET "status" = 'pending' WHERE "status" = 'sending';--> statement-breakpoint
ALTER TABLE "deliveries" SET (fillfactor = 50);
