DROP INDEX "conversations_opportunity_idx";--> statement-breakpoint
DROP INDEX "conversations_owner_idx";--> statement-breakpoint
DROP INDEX "opportunities_crm_idx";--> statement-breakpoint
DROP INDEX "actions_document_view_uq";--> statement-breakpoint
CREATE INDEX "conversations_opportunity_idx" ON "conversations" USING btree ("opportunity_id") WHERE "conversations"."opportunity_id" is not null;--> statement-breakpoint
CREATE INDEX "conversations_owner_idx" ON "conversations" USING btree ("owner_id") WHERE "conversations"."owner_id" is not null;--> statement-breakpoint
CREATE INDEX "opportunities_crm_idx" ON "opportunities" USING btree ("crm_id") WHERE "opportunities"."crm_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "actions_document_view_uq" ON "actions" USING btree ("document_view_id") WHERE "actions"."document_view_id" is not null;