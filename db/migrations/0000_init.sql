CREATE TABLE "identities" (
	"platform" text NOT NULL,
	"user_id" text NOT NULL,
	"person_id" text NOT NULL,
	CONSTRAINT "identities_platform_user_id_pk" PRIMARY KEY("platform","user_id")
);
--> statement-breakpoint
CREATE TABLE "people" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"team_id" text,
	"manages" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"chat_id" text NOT NULL,
	"chat_type" text NOT NULL,
	"direct" boolean DEFAULT false NOT NULL,
	"title" text,
	"opportunity_id" text,
	"owner_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "opportunities" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"owner_id" text,
	"stage" text NOT NULL,
	"amount" double precision,
	"value_score" integer DEFAULT 0 NOT NULL,
	"crm_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stage_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"opportunity_id" text NOT NULL,
	"from_stage" text NOT NULL,
	"to_stage" text NOT NULL,
	"action_id" text,
	"message_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "actions" (
	"id" text PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"opportunity_id" text,
	"person_id" text,
	"kind" text NOT NULL,
	"confidence" real NOT NULL,
	"attrs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"platform_message_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"sender_id" text NOT NULL,
	"sender_name" text,
	"person_id" text,
	"role" text NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"analyzed_at" timestamp with time zone,
	"raw" jsonb
);
--> statement-breakpoint
CREATE TABLE "compliance_records" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"subject_key" text NOT NULL,
	"person_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"opportunity_id" text,
	"message_id" text NOT NULL,
	"detail" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"idempotency_key" text NOT NULL,
	"nudge_id" text,
	"platform" text NOT NULL,
	"to" jsonb NOT NULL,
	"message" jsonb NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"claimed_at" timestamp with time zone,
	"last_error" text,
	"platform_message_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "nudges" (
	"id" text PRIMARY KEY NOT NULL,
	"idempotency_key" text NOT NULL,
	"person_id" text NOT NULL,
	"opportunity_id" text,
	"conversation_id" text,
	"rule_id" text NOT NULL,
	"action_id" text,
	"timer_id" text,
	"message_id" text,
	"atom_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"feedback" text,
	"feedback_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "timers" (
	"id" text PRIMARY KEY NOT NULL,
	"rule_id" text NOT NULL,
	"opportunity_id" text,
	"conversation_id" text NOT NULL,
	"rep_id" text,
	"trigger_message_id" text NOT NULL,
	"trigger_at" timestamp with time zone NOT NULL,
	"expect" jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"nudge_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"fired_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"resolved_by_message_id" text
);
--> statement-breakpoint
CREATE TABLE "atom_events" (
	"id" text PRIMARY KEY NOT NULL,
	"atom_id" text NOT NULL,
	"person_id" text NOT NULL,
	"nudge_id" text,
	"kind" text NOT NULL,
	"detail" jsonb,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "atoms" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"topic" text NOT NULL,
	"keywords" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"trigger" jsonb,
	"stages" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"talk_tracks" jsonb NOT NULL,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"risks" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "playbook_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"definition" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identities" ADD CONSTRAINT "identities_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_owner_id_people_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunities" ADD CONSTRAINT "opportunities_owner_id_people_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stage_changes" ADD CONSTRAINT "stage_changes_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "identities_person_idx" ON "identities" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "conversations_opportunity_idx" ON "conversations" USING btree ("opportunity_id");--> statement-breakpoint
CREATE INDEX "conversations_owner_idx" ON "conversations" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "opportunities_owner_idx" ON "opportunities" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "stage_changes_opportunity_idx" ON "stage_changes" USING btree ("opportunity_id","at");--> statement-breakpoint
CREATE INDEX "stage_changes_at_idx" ON "stage_changes" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "actions_message_kind_uq" ON "actions" USING btree ("message_id","kind");--> statement-breakpoint
CREATE INDEX "actions_opportunity_idx" ON "actions" USING btree ("opportunity_id","at");--> statement-breakpoint
CREATE INDEX "actions_person_idx" ON "actions" USING btree ("person_id","at");--> statement-breakpoint
CREATE INDEX "actions_conversation_idx" ON "actions" USING btree ("conversation_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_platform_id_uq" ON "messages" USING btree ("platform","platform_message_id");--> statement-breakpoint
CREATE INDEX "messages_conversation_idx" ON "messages" USING btree ("conversation_id","sent_at");--> statement-breakpoint
CREATE INDEX "messages_unanalyzed_idx" ON "messages" USING btree ("received_at") WHERE "messages"."analyzed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "compliance_subject_uq" ON "compliance_records" USING btree ("kind","subject_key");--> statement-breakpoint
CREATE INDEX "compliance_person_idx" ON "compliance_records" USING btree ("person_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_idempotency_uq" ON "deliveries" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "deliveries_status_idx" ON "deliveries" USING btree ("status","platform");--> statement-breakpoint
CREATE UNIQUE INDEX "nudges_idempotency_uq" ON "nudges" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "nudges_person_idx" ON "nudges" USING btree ("person_id","created_at");--> statement-breakpoint
CREATE INDEX "nudges_conversation_idx" ON "nudges" USING btree ("conversation_id","rule_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "timers_rule_trigger_uq" ON "timers" USING btree ("rule_id","trigger_message_id");--> statement-breakpoint
CREATE INDEX "timers_conversation_idx" ON "timers" USING btree ("conversation_id","status");--> statement-breakpoint
CREATE INDEX "timers_status_nudge_idx" ON "timers" USING btree ("status","nudge_at");--> statement-breakpoint
CREATE INDEX "timers_rep_due_idx" ON "timers" USING btree ("rep_id","due_at");--> statement-breakpoint
CREATE INDEX "atom_events_atom_idx" ON "atom_events" USING btree ("atom_id","kind","at");--> statement-breakpoint
CREATE INDEX "atom_events_person_idx" ON "atom_events" USING btree ("person_id","kind","at");--> statement-breakpoint
CREATE INDEX "atom_events_nudge_idx" ON "atom_events" USING btree ("nudge_id");