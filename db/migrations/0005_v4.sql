CREATE TABLE "message_queue" (
	"message_id" text PRIMARY KEY NOT NULL,
	"slot" smallint NOT NULL,
	"direct" boolean NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deal_facts" (
	"opportunity_id" text PRIMARY KEY NOT NULL,
	"status" "deal_status" NOT NULL,
	"closed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	"path" text NOT NULL,
	"time_zone" text NOT NULL,
	"computed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deal_occasions" (
	"opportunity_id" text NOT NULL,
	"behaviour" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"present" boolean NOT NULL,
	"decided_at" timestamp with time zone,
	"advanced_at" timestamp with time zone,
	CONSTRAINT "deal_occasions_opportunity_id_behaviour_pk" PRIMARY KEY("opportunity_id","behaviour")
);
--> statement-breakpoint
CREATE TABLE "deal_stage_spans" (
	"opportunity_id" text NOT NULL,
	"stage" text NOT NULL,
	"stay" double precision NOT NULL,
	"to_close" double precision NOT NULL,
	CONSTRAINT "deal_stage_spans_opportunity_id_stage_pk" PRIMARY KEY("opportunity_id","stage")
);
--> statement-breakpoint
DROP INDEX "messages_pending_slot_idx";--> statement-breakpoint
DROP INDEX "messages_pending_conversation_idx";--> statement-breakpoint
DROP INDEX "messages_unanalyzed_idx";--> statement-breakpoint
ALTER TABLE "deal_facts" ADD CONSTRAINT "deal_facts_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_occasions" ADD CONSTRAINT "deal_occasions_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_stage_spans" ADD CONSTRAINT "deal_stage_spans_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "message_queue_slot_idx" ON "message_queue" USING btree ("slot","sent_at","received_at","message_id") WHERE not "message_queue"."direct";--> statement-breakpoint
CREATE INDEX "message_queue_direct_idx" ON "message_queue" USING btree ("received_at","message_id") WHERE "message_queue"."direct";--> statement-breakpoint
CREATE INDEX "deal_stage_spans_stage_idx" ON "deal_stage_spans" USING btree ("stage");