-- A nudge's delivery no longer repeats the nudge's card: its message is null, and the card is
-- built from the nudge's title and body when it is sent or read (about 1.5 KB a nudge).
ALTER TABLE "deliveries" ALTER COLUMN "message" DROP NOT NULL;
