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
ALTER TABLE "document_links" ADD CONSTRAINT "document_links_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_page_reads" ADD CONSTRAINT "document_page_reads_view_id_document_views_id_fk" FOREIGN KEY ("view_id") REFERENCES "public"."document_views"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_views" ADD CONSTRAINT "document_views_link_id_document_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."document_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "document_links_token_uq" ON "document_links" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "document_links_document_idx" ON "document_links" USING btree ("document_id");--> statement-breakpoint
CREATE INDEX "document_links_opportunity_idx" ON "document_links" USING btree ("opportunity_id");--> statement-breakpoint
CREATE UNIQUE INDEX "document_views_session_uq" ON "document_views" USING btree ("link_id","session_id");--> statement-breakpoint
CREATE INDEX "document_views_link_idx" ON "document_views" USING btree ("link_id","opened_at");--> statement-breakpoint
CREATE INDEX "documents_opportunity_idx" ON "documents" USING btree ("opportunity_id","created_at");--> statement-breakpoint
CREATE INDEX "documents_conversation_sha_idx" ON "documents" USING btree ("conversation_id","sha256");