#!/usr/bin/env node
// The `dealwise` command: registers tsx so the TypeScript sources run as they are, then hands
// over to the command registry in bots/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../bots/cli/main.ts', import.meta.url).href);
