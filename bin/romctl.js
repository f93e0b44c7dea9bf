#!/usr/bin/env node
import module from 'node:module';

// Node >= 22.1 keeps compiled code between runs; a short command is mostly start-up (no-op on Node 20)
module.enableCompileCache?.();

const { main } = await import('../dist/cli/main.js');

// `romctl … | head` closes stdout early: that is not an error worth a message.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv);
