CREATE TYPE "public"."action_kind" AS ENUM('quote_sent', 'proposal_sent', 'material_sent', 'meeting_scheduled', 'contract_sent', 'objection_handled', 'follow_up', 'next_step_agreed', 'price_inquiry', 'objection_raised', 'competitor_mentioned', 'buying_signal', 'deal_won', 'deal_lost', 'document_viewed');--> statement-breakpoint
CREATE TYPE "public"."deal_status" AS ENUM('open', 'won', 'lost');--> statement-breakpoint
CREATE TYPE "public"."person_role" AS ENUM('rep', 'manager', 'admin');--> statement-breakpoint
CREATE TYPE "public"."platform" AS ENUM('local', 'wecom', 'feishu', 'dingtalk');--> statement-breakpoint
CREATE TYPE "public"."speaker_role" AS ENUM('rep', 'manager', 'admin', 'customer');--> statement-breakpoint
CREATE TABLE "deal_confirmations" (
	"id" text PRIMARY KEY NOT NULL,
	"opportunity_id" text NOT NULL,
	"kind" text NOT NULL,
	"from_stage" text,
	"to_stage" text,
	"action_id" text,
	"message_id" text,
	"person_id" text NOT NULL,
	"status" text NOT NULL,
	"answer" text,
	"answered_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "deal_corrections" (
	"id" text PRIMARY KEY NOT NULL,
	"opportunity_id" text NOT NULL,
	"field" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"by_person_id" text NOT NULL,
	"via" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "document_links" (
	"id" text PRIMARY KEY NOT NULL,
	"document_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"conversation_id" text,
	"opportunity_id" text,
	"created_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "document_page_reads" (
	"view_id" text NOT NULL,
	"page" integer NOT NULL,
	"seconds" double precision DEFAULT 0 NOT NULL,
	"visits" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "document_page_reads_view_id_page_pk" PRIMARY KEY("view_id","page")
);
--> statement-breakpoint
CREATE TABLE "document_views" (
	"id" text PRIMARY KEY NOT NULL,
	"link_id" text NOT NULL,
	"session_id" text NOT NULL,
	"fingerprint_hash" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"downloads" integer DEFAULT 0 NOT NULL,
	"forwarded" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"file_name" text NOT NULL,
	"mime" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"kind" text NOT NULL,
	"page_count" integer NOT NULL,
	"page_titles" jsonb NOT NULL,
	"fingerprint_salt" text NOT NULL,
	"uploaded_by" text,
	"conversation_id" text,
	"opportunity_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identities" ALTER COLUMN "platform" SET DATA TYPE "public"."platform" USING "platform"::"public"."platform";--> statement-breakpoint
ALTER TABLE "people" ALTER COLUMN "role" SET DATA TYPE "public"."person_role" USING "role"::"public"."person_role";--> statement-breakpoint
ALTER TABLE "conversations" ALTER COLUMN "platform" SET DATA TYPE "public"."platform" USING "platform"::"public"."platform";--> statement-breakpoint
ALTER TABLE "opportunities" ALTER COLUMN "name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "stage_changes" ALTER COLUMN "message_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "actions" ALTER COLUMN "kind" SET DATA TYPE "public"."action_kind" USING "kind"::"public"."action_kind";--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "platform" SET DATA TYPE "public"."platform" USING "platform"::"public"."platform";--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "role" SET DATA TYPE "public"."speaker_role" USING "role"::"public"."speaker_role";--> statement-breakpoint
ALTER TABLE "deliveries" ALTER COLUMN "platform" SET DATA TYPE "public"."platform" USING "platform"::"public"."platform";--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "named_by" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "stage_at" timestamp with time zone;--> statement-breakpoint
-- Hand-edited: rows from before this migration get a stage time, status and name from what they had.
UPDATE "opportunities" SET "stage_at" = "updated_at";--> statement-breakpoint
ALTER TABLE "opportunities" ALTER COLUMN "stage_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "status" "deal_status" DEFAULT 'open' NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "closed_at" timestamp with time zone;--> statement-breakpoint
UPDATE "opportunities" SET "status" = CASE "stage" WHEN 'won' THEN 'won'::"deal_status" WHEN 'lost' THEN 'lost'::"deal_status" ELSE 'open'::"deal_status" END, "closed_at" = CASE WHEN "stage" IN ('won', 'lost') THEN "updated_at" END;--> statement-breakpoint
UPDATE "opportunities" SET "name" = NULL WHERE "name" LIKE '未命名商机 %';--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "value_terms" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "customer_messages" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "buying_signals" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "reply_hours_sum" real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "reply_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "awaiting_reply_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "last_customer_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "last_rep_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "contact_name" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "contacts" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "touches" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "touches_day" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "meeting_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "meeting_type" text;--> statement-breakpoint
ALTER TABLE "stage_changes" ADD COLUMN "source" text DEFAULT 'auto' NOT NULL;--> statement-breakpoint
ALTER TABLE "stage_changes" ADD COLUMN "by_person_id" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "direct" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "messages" SET "direct" = true FROM "conversations" c WHERE c."id" = "messages"."conversation_id" AND c."direct";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "slot" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "analysis_error" text;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "not_before" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "timers" ADD COLUMN "silent" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "atom_events" ADD COLUMN "opportunity_id" text;--> statement-breakpoint
-- Atoms are reloaded from ATOMS_FILE at start: the old column layout is not carried over.
DELETE FROM "atoms";--> statement-breakpoint
ALTER TABLE "atoms" ADD COLUMN "definition" jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "atoms" ADD COLUMN "enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "atoms" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "deal_confirmations" ADD CONSTRAINT "deal_confirmations_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_corrections" ADD CONSTRAINT "deal_corrections_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_links" ADD CONSTRAINT "document_links_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_page_reads" ADD CONSTRAINT "document_page_reads_view_id_document_views_id_fk" FOREIGN KEY ("view_id") REFERENCES "public"."document_views"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_views" ADD CONSTRAINT "document_views_link_id_document_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."document_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deal_confirmations_opportunity_idx" ON "deal_confirmations" USING btree ("opportunity_id","status");--> statement-breakpoint
CREATE INDEX "deal_confirmations_person_idx" ON "deal_confirmations" USING btree ("person_id","status","created_at");--> statement-breakpoint
CREATE INDEX "deal_corrections_opportunity_idx" ON "deal_corrections" USING btree ("opportunity_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "document_links_token_uq" ON "document_links" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "document_links_document_idx" ON "document_links" USING btree ("document_id");--> statement-breakpoint
CREATE INDEX "document_links_opportunity_idx" ON "document_links" USING btree ("opportunity_id");--> statement-breakpoint
CREATE UNIQUE INDEX "document_views_session_uq" ON "document_views" USING btree ("link_id","session_id");--> statement-breakpoint
CREATE INDEX "document_views_link_idx" ON "document_views" USING btree ("link_id","opened_at");--> statement-breakpoint
CREATE INDEX "documents_opportunity_idx" ON "documents" USING btree ("opportunity_id","created_at");--> statement-breakpoint
CREATE INDEX "documents_conversation_sha_idx" ON "documents" USING btree ("conversation_id","sha256");--> statement-breakpoint
CREATE INDEX "opportunities_stage_idx" ON "opportunities" USING btree ("status","stage");--> statement-breakpoint
CREATE INDEX "opportunities_crm_idx" ON "opportunities" USING btree ("crm_id");--> statement-breakpoint
CREATE INDEX "messages_pending_slot_idx" ON "messages" USING btree ("slot","sent_at") WHERE "messages"."analyzed_at" is null;--> statement-breakpoint
CREATE INDEX "messages_pending_conversation_idx" ON "messages" USING btree ("conversation_id","sent_at") WHERE "messages"."analyzed_at" is null;--> statement-breakpoint
CREATE INDEX "compliance_at_idx" ON "compliance_records" USING btree ("at");--> statement-breakpoint
CREATE INDEX "deliveries_sent_idx" ON "deliveries" USING btree ("platform","sent_at");--> statement-breakpoint
CREATE INDEX "nudges_opportunity_idx" ON "nudges" USING btree ("opportunity_id","created_at");--> statement-breakpoint
CREATE INDEX "timers_opportunity_idx" ON "timers" USING btree ("opportunity_id","rule_id");--> statement-breakpoint
ALTER TABLE "atoms" DROP COLUMN "title";--> statement-breakpoint
ALTER TABLE "atoms" DROP COLUMN "topic";--> statement-breakpoint
ALTER TABLE "atoms" DROP COLUMN "keywords";--> statement-breakpoint
ALTER TABLE "atoms" DROP COLUMN "trigger";--> statement-breakpoint
ALTER TABLE "atoms" DROP COLUMN "stages";--> statement-breakpoint
ALTER TABLE "atoms" DROP COLUMN "talk_tracks";--> statement-breakpoint
ALTER TABLE "atoms" DROP COLUMN "evidence";--> statement-breakpoint
ALTER TABLE "atoms" DROP COLUMN "risks";