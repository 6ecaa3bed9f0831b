#!/usr/bin/env node
import { createProgram } from '../dist/cli.js';

await createProgram().parseAsync(process.argv);
