/**
 * The closed vocabularies of the schema as PostgreSQL enums: a value outside the catalogue is
 * refused by the database, not only by TypeScript. Stages are not here: a team configures its own
 * funnel, so a stage is text checked against the playbook.
 */
import { pgEnum } from 'drizzle-orm/pg-core';
import { PLATFORMS, STORED_ACTION_KINDS } from '../../core/types.ts';

export const platformEnum = pgEnum('platform', PLATFORMS);
export const personRoleEnum = pgEnum('person_role', ['rep', 'manager', 'admin']);
export const speakerRoleEnum = pgEnum('speaker_role', ['rep', 'manager', 'admin', 'customer']);
/** The analyzer's 14 actions, plus the actions that come from elsewhere than a message's text. */
export { STORED_ACTION_KINDS, type StoredActionKind } from '../../core/types.ts';
export const actionKindEnum = pgEnum('action_kind', STORED_ACTION_KINDS);
export const dealStatusEnum = pgEnum('deal_status', ['open', 'won', 'lost']);
