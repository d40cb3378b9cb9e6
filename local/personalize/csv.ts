import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { parse, type Options } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';

/**
 * Local mode's and the data tools' CSV reader (RFC 4180, by csv-parse): commas separate fields, double
 * quotes enclose a field that may hold commas, quotes (doubled: `""`) and line breaks; a leading byte-order mark is dropped; lines
 * end in `\n` or `\r\n`, mixed in one file if need be. Blank lines (empty or only white space) are skipped.
 * Each record carries the line it starts on, for error messages. `readCsv` reads text already in memory,
 * `streamCsv` a file of any size.
 */
export interface CsvRecord {
  readonly fields: readonly string[];
  /** The line (from 1) the record starts on; a quoted line break inside it does not shift the next one. */
  readonly line: number;
}

/** A file that is not CSV: an unclosed quote, a quote inside an unquoted field. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/**
 * Numbers the records by their own content as csv-parse reads them (its own line count is off for `\r\n`
 * inside quotes): a record starts on the line after the previous one ends, plus the empty lines skipped
 * between them. Blank records (a line of white space) are dropped.
 */
class LineCounter {
  private nextLine = 1;
  private emptyLines = 0;

  readonly options: Options = {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n'],
    // csv-parse types on_record's result as a record of fields unless the parser has columns: the parsers
    // here yield CsvRecords (readCsv, streamCsv).
    on_record: (record, context) =>
      this.place(record, context.empty_lines) as unknown as string[] | undefined,
  };

  private place(fields: string[], emptyLines: number): CsvRecord | undefined {
    const line = this.nextLine + (emptyLines - this.emptyLines);
    this.emptyLines = emptyLines;
    this.nextLine = line + 1 + fields.reduce((breaks, field) => breaks + lineBreaks(field), 0);
    return fields.length === 1 && (fields[0] ?? '').trim() === '' ? undefined : { fields, line };
  }

  /** A parse error as a CsvSyntaxError, at the line the record it stopped in starts on; others as they are. */
  syntaxError(error: unknown): unknown {
    const code = (error as { code?: unknown } | null)?.code;
    const reason = typeof code === 'string' && Object.hasOwn(REASONS, code) ? REASONS[code] : undefined;
    return reason ? new CsvSyntaxError(this.nextLine, reason) : error;
  }
}

const REASONS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed (a quote inside a quoted field is written "")',
  INVALID_OPENING_QUOTE:
    'a quote inside an unquoted field (quote the whole field and double the quote: "a ""b"" c")',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field goes on after its closing quote',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a quoted field goes on after its closing quote',
};

function lineBreaks(field: string): number {
  return field.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/** The records of a CSV text held in memory (a small file: the sample data, a catalogue). */
export function readCsv(text: string | Buffer): CsvRecord[] {
  const lines = new LineCounter();
  try {
    return parseSync(text, lines.options) as unknown as CsvRecord[];
  } catch (error) {
    throw lines.syntaxError(error);
  }
}

/** The records of a CSV file, read as a stream (a dataset import may be far larger than memory wants). */
export async function* streamCsv(path: string): AsyncGenerator<CsvRecord> {
  const lines = new LineCounter();
  const parser = parse(lines.options);
  // pipeline destroys the parser with a read error (a missing file): the loop below then throws it.
  pipeline(createReadStream(path), parser, () => undefined);
  try {
    for await (const record of parser as AsyncIterable<CsvRecord>) yield record;
  } catch (error) {
    throw lines.syntaxError(error);
  }
}
