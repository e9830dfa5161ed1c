CREATE TABLE "message_queue" (
	"message_id" text PRIMARY KEY NOT NULL,
	"slot" smallint NOT NULL,
	"direct" boolean NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
DROP INDEX "messages_pending_slot_idx";--> statement-breakpoint
DROP INDEX "messages_pending_conversation_idx";--> statement-breakpoint
DROP INDEX "messages_unanalyzed_idx";--> statement-breakpoint
CREATE INDEX "message_queue_slot_idx" ON "message_queue" USING btree ("slot","sent_at","received_at","message_id") WHERE not "message_queue"."direct";--> statement-breakpoint
CREATE INDEX "message_queue_direct_idx" ON "message_queue" USING btree ("received_at","message_id") WHERE "message_queue"."direct";