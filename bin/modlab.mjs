#!/usr/bin/env node
// Entry point: loads the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { cli } = await import('../cli/main.ts');
process.exitCode = await cli(process.argv.slice(2));
