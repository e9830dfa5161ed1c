CREATE TABLE "webhook_nonces" (
	"key" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "webhook_nonces_expires_idx" ON "webhook_nonces" USING btree ("expires_at");