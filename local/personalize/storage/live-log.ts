import { closeSync, fstatSync, openSync, readSync, truncateSync } from 'node:fs';

const CHUNK_BYTES = 4 << 20;
const NEWLINE = 0x0a;

/**
 * The lines of a file, read a chunk at a time: the file is never held as one string, so a log of any
 * size loads (a string is limited to about 512 MiB). A last line without its newline is not returned.
 */
export function* linesOf(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry = Buffer.alloc(0);
    for (let read = readSync(fd, chunk, 0, CHUNK_BYTES, null); read > 0;) {
      const data =
        carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, read)]) : chunk.subarray(0, read);
      let start = 0;
      for (let end = data.indexOf(NEWLINE, start); end >= 0; end = data.indexOf(NEWLINE, start)) {
        yield data.toString('utf8', start, end);
        start = end + 1;
      }
      // The rest is the start of a line the next chunk ends: copied, as the chunk buffer is reused.
      carry = Buffer.from(data.subarray(start));
      read = readSync(fd, chunk, 0, CHUNK_BYTES, null);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A crash can tear the last line, which was never acknowledged: cut the file after its last newline so
 * new appends start on a line of their own. Reads only the file's tail.
 */
export function dropTornLastLine(file: string): void {
  const fd = openSync(file, 'r');
  let keep: number;
  try {
    const size = fstatSync(fd).size;
    keep = size;
    const block = Buffer.allocUnsafe(64 << 10);
    for (let end = size; end > 0; end -= block.length) {
      const start = Math.max(0, end - block.length);
      readSync(fd, block, 0, end - start, start);
      const newline = block.subarray(0, end - start).lastIndexOf(NEWLINE);
      if (end === size && newline === end - start - 1) return;
      if (newline >= 0) {
        keep = start + newline + 1;
        break;
      }
      keep = start;
    }
  } finally {
    closeSync(fd);
  }
  truncateSync(file, keep);
}
