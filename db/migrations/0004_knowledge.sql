CREATE TABLE "atom_versions" (
	"atom_id" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"enabled" boolean NOT NULL,
	"person_id" text,
	"via" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "atom_versions_atom_id_version_pk" PRIMARY KEY("atom_id","version")
);
--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "source" text DEFAULT 'file' NOT NULL;--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "source" text DEFAULT 'file' NOT NULL;--> statement-breakpoint
ALTER TABLE "atoms" ADD COLUMN "source" text DEFAULT 'file' NOT NULL;