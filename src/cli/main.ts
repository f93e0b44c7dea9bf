import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { ExitCode, RomctlError } from '../errors.js';
import { CommandRunner, type CliIo } from './context.js';
import { registerScatter } from './commands/scatter.js';
import { registerPreloader } from './commands/preloader.js';
import { registerDa } from './commands/da.js';
import { registerExplain } from './commands/explain.js';
import { registerCheck } from './commands/check.js';
import { registerSearch } from './commands/search.js';
import { registerInfo } from './commands/info.js';
import { registerRegistry } from './commands/registry.js';
import { registerDetect } from './commands/detect.js';
import { registerDoctor } from './commands/doctor.js';
import { registerProbe } from './commands/probe.js';
import { registerSim } from './commands/sim.js';
import { registerCache } from './commands/cache.js';
import { registerFlash } from './commands/flash.js';
import { registerBackup } from './commands/backup.js';
import { registerFetch } from './commands/fetch.js';
import { registerServeDemo } from './commands/serve-demo.js';
import { registerCompletion } from './commands/completion.js';

const packageJson = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Command modules are small: each registers its options and imports its heavy code only when it runs. */
function buildProgram(runner: CommandRunner): Command {
  const program = new Command('romctl')
    .description('Keeps MediaTek phones from being bricked by the wrong firmware.')
    .version(packageJson.version, '-V, --version', 'print the version')
    .option('--json', 'machine-readable output (JSON Schemas in schemas/)')
    .option('-q, --quiet', 'no progress or notes on stderr')
    .option('--no-color', 'no colour (also when NO_COLOR is set or output is not a terminal)')
    .option('-v, --verbose', 'with an error: the details behind its one line')
    .configureOutput({
      writeOut: (text) => void runner.io.stdout.write(text),
      writeErr: (text) => void runner.io.stderr.write(text),
      // commander's usage errors as one line, like every other error
      outputError: (text, write) =>
        write(`romctl: ${text.replace(/^error: /, '').trim()} — run romctl --help for usage\n`),
    })
    .exitOverride()
    .helpCommand(false)
    .addHelpText(
      'after',
      `
Exit codes: 0 ok (warnings allowed), 1 refused, 2 bad input or usage, 3 download/integrity failure,
            4 device or protocol failure, 70 internal error (a bug: please report it).
Set ROMCTL_DEBUG=1 to see the stack trace behind an error.`,
    );
  registerScatter(program, runner);
  registerPreloader(program, runner);
  registerDa(program, runner);
  registerExplain(program, runner);
  registerCheck(program, runner);
  registerSearch(program, runner);
  registerInfo(program, runner);
  registerRegistry(program, runner);
  registerDetect(program, runner);
  registerDoctor(program, runner);
  registerProbe(program, runner);
  registerSim(program, runner);
  registerCache(program, runner);
  registerFlash(program, runner);
  registerBackup(program, runner);
  registerFetch(program, runner);
  registerServeDemo(program, runner);
  registerCompletion(program, runner);
  program
    .command('help [command]')
    .description('the help of a command')
    .action((name: string | undefined) => {
      if (name === undefined) return program.outputHelp();
      const command = program.commands.find((c) => c.name() === name || c.aliases().includes(name));
      if (!command) {
        throw new RomctlError(`no command '${name}'`, {
          hint: `the commands are: ${program.commands.map((c) => c.name()).join(', ')}`,
        });
      }
      command.outputHelp();
    });
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(
  argv: readonly string[] = process.argv,
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const runner = new CommandRunner(io);
  try {
    await buildProgram(runner).parseAsync([...argv]);
    return runner.exitCode;
  } catch (error) {
    return reportError(error, io, globalFlags(argv));
  }
}

/** the global flags as typed, read directly: the error may come before or from commander's parsing */
function globalFlags(argv: readonly string[]): { json: boolean; verbose: boolean } {
  const flags = argv.slice(2, argv.includes('--') ? argv.indexOf('--') : undefined);
  return { json: flags.includes('--json'), verbose: flags.includes('--verbose') || flags.includes('-v') };
}

function reportError(error: unknown, io: CliIo, flags: { json: boolean; verbose: boolean }): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message (or the help / version text)
    const code = error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
    if (code !== ExitCode.ok && flags.json)
      printJsonError(io, { message: error.message.replace(/^error: /, ''), exitCode: code, details: [] });
    return code;
  }
  const debug = io.env.ROMCTL_DEBUG === '1';
  if (error instanceof RomctlError) {
    io.stderr.write(`romctl: ${error.oneLine()}\n`);
    const details = [...error.details, ...causes(error)];
    if (flags.verbose) for (const line of details) io.stderr.write(`  ${line}\n`);
    if (debug && error.stack) io.stderr.write(`${error.stack}\n`);
    if (flags.json) {
      printJsonError(io, {
        message: error.message,
        exitCode: error.exitCode,
        ...(error.where === undefined ? {} : { where: error.where }),
        ...(error.hint === undefined ? {} : { hint: error.hint }),
        details,
      });
    }
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(
    `romctl: internal error: ${message.split('\n')[0]} — this is a bug in romctl; ` +
      `run again with ROMCTL_DEBUG=1 and report what it prints\n`,
  );
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  if (flags.json) printJsonError(io, { message, exitCode: ExitCode.internal, details: [] });
  return ExitCode.internal;
}

/** the messages of the errors behind this one (a system call, a parser), outermost first */
function causes(error: Error): string[] {
  const found: string[] = [];
  for (let cause = error.cause; cause instanceof Error && found.length < 5; cause = cause.cause)
    found.push(`caused by: ${cause.message}`);
  return found;
}

/** with --json, a failure is JSON on stdout too (error.schema.json), so a script never parses stderr */
function printJsonError(io: CliIo, error: Record<string, unknown>): void {
  io.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
}
