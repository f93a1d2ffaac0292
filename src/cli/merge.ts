// pairbench merge <dir>: a sharded study's runs files into runs.jsonl, then its summary and page
import { mergeShards } from '../study/merge.js';
import { reportCommand } from './study.js';

export async function mergeCommand(dir: string): Promise<void> {
  const m = await mergeShards(dir, (s) => process.stdout.write(s + '\n'));
  process.stdout.write(`merged ${m.shardFiles.length} shard file${m.shardFiles.length === 1 ? '' : 's'} into ${m.dir}/runs.jsonl: ${m.added} run${m.added === 1 ? '' : 's'} added, ${m.duplicates} duplicate${m.duplicates === 1 ? '' : 's'} skipped\n`);
  for (const c of m.conflicts) process.stderr.write(`pairbench merge: conflict: ${c}\n`);
  if (m.missing > 0) process.stdout.write(`${m.missing} planned run${m.missing === 1 ? ' is' : 's are'} in no file yet (a shard not finished?): merge again once it has\n`);
  await reportCommand(dir);
}
