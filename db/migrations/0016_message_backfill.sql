-- A message imported as history (`dealwise import-archive`) is the past whatever its age: the
-- analysis updates the deal but nudges nobody. Messages stored before cannot be told apart: they
-- stay false.
ALTER TABLE "messages" ADD COLUMN "backfill" boolean DEFAULT false NOT NULL;
