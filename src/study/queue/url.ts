// --queue URLs: checked before anything is written, and shown without their password
import { PairbenchError } from '../../errors.js';

// the URL with its password hidden, for messages
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}

export function checkQueueUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PairbenchError('bad_argument', `--queue: '${url}' is not a URL; expected redis://host:port[/db] or rediss://host:port[/db]`, { field: '--queue' });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new PairbenchError('bad_argument', `--queue: ${u.protocol}// is not a Redis URL; expected redis://host:port[/db] or rediss://host:port[/db]`, { field: '--queue' });
  }
  return u;
}

