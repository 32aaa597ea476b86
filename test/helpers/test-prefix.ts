import { randomBytes } from 'node:crypto';

/** A Redis key prefix of its own for one test file, so parallel files and other users of this Redis never meet. */
export function testPrefix(name: string): string {
  return `test-${name}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
