/** Where the test suites find the repo's config files and the services. */
import { fileURLToPath } from 'node:url';

const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

export const CATALOG_FILES = { orgFile: repo('config/org.yaml'), playbookFile: repo('config/playbooks.yaml'), atomsFile: repo('config/atoms.yaml') };
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const PG_TEMPLATE = 'dealwise_template';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
