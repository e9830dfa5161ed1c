ALTER TABLE "actions" ALTER COLUMN "message_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "document_opens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "document_view_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "actions_document_view_uq" ON "actions" USING btree ("document_view_id");