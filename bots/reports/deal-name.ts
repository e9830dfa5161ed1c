/** A deal's name as reports show it: one not named yet reads as such, never as a chat id. */
import { sql } from 'drizzle-orm';
import { opportunities } from '../../db/schema/index.ts';

export const UNNAMED_DEAL_LABEL = '待命名客户';

export const dealNameColumn = sql<string>`coalesce(${opportunities.name}, ${UNNAMED_DEAL_LABEL})`;
