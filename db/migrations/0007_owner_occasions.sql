CREATE TABLE "deal_owner_facts" (
	"owner_id" text PRIMARY KEY NOT NULL,
	"deals" integer NOT NULL,
	"stamp" numeric NOT NULL,
	"built_at" timestamp with time zone NOT NULL,
	"advance_days" integer NOT NULL,
	"outcome_days" integer NOT NULL,
	"path" text NOT NULL,
	"time_zone" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deal_owner_occasions" (
	"owner_id" text NOT NULL,
	"behaviour" text NOT NULL,
	"present" boolean NOT NULL,
	"day" integer NOT NULL,
	"n" integer NOT NULL,
	"advanced" integer NOT NULL,
	"won" integer NOT NULL,
	CONSTRAINT "deal_owner_occasions_owner_id_behaviour_present_day_pk" PRIMARY KEY("owner_id","behaviour","present","day")
);
--> statement-breakpoint
ALTER TABLE "deal_occasions" ADD COLUMN "settles_at" timestamp with time zone GENERATED ALWAYS AS (greatest(at, coalesce(decided_at, at))) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "atom_events_opportunity_idx" ON "atom_events" USING btree ("opportunity_id","atom_id","kind","person_id","at");--> statement-breakpoint
CREATE INDEX "deal_occasions_settles_idx" ON "deal_occasions" USING btree ("settles_at");--> statement-breakpoint
CREATE INDEX "deal_occasions_at_idx" ON "deal_occasions" USING btree ("at");