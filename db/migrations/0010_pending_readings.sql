CREATE TABLE "pending_readings" (
	"id" text PRIMARY KEY NOT NULL,
	"event" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "pending_readings_created_idx" ON "pending_readings" USING btree ("created_at","id");