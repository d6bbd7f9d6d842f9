#!/usr/bin/env node
// The `kfkd` command. The workspace runs its TypeScript sources directly through
// tsx's loader, so there is no build step between a checkout and a working CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
