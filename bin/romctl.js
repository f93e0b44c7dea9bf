#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// `romctl … | head` closes stdout early: that is not an error worth a message.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv);
