/** The one drizzle schema (PostgreSQL dialect) shared by PGlite and PostgreSQL. */
export * from './enums.ts';
export * from './directory.ts';
export * from './deals.ts';
export * from './messages.ts';
export * from './coaching.ts';
export * from './knowledge.ts';
export * from './documents.ts';
export * from './console.ts';
export * from './deal-events.ts';
export * from './webhooks.ts';
export * from './report-facts.ts';
