-- A deal keeps the kinds of key action its messages have shown, so a playbook rule can hold only
-- after one (the negotiation stage's silence rule: after a contract was sent) without reading the
-- deal's history. Deals that already have actions get theirs from the actions table, once.
ALTER TABLE "opportunities" ADD COLUMN "action_kinds" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
UPDATE "opportunities" o SET "action_kinds" = k.kinds
FROM (
  SELECT "opportunity_id", jsonb_agg(DISTINCT "kind"::text ORDER BY "kind"::text) AS kinds
  FROM "actions"
  WHERE "opportunity_id" IS NOT NULL AND "message_id" IS NOT NULL
  GROUP BY "opportunity_id"
) k
WHERE o."id" = k."opportunity_id";
