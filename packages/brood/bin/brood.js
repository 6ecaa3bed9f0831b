#!/usr/bin/env node
import { createProgram } from '../dist/cli.bundle.js';

await createProgram(process.argv).parseAsync(process.argv);
