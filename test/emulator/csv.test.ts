/**
 * CSV as RFC 4180 writes it, read the same by the emulator's dataset import (a real import job over HTTP,
 * its rows read back from the state directory it persisted them to) and by the small readers (the sample
 * data, the demo page's catalogue, the sample-data summary): quoted line breaks, a byte-order mark, CRLF line
 * ends, quoted commas and "" escapes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateSchemaCommand,
  DescribeDatasetImportJobCommand,
} from '@aws-sdk/client-personalize';
import { describeSampleData } from '../../data/generate';
import { INTERACTIONS_SCHEMA, ITEMS_SCHEMA } from '../../lib/contract/personalize-schemas';
import { buildCatalogue } from '../../lib/demo-page/build';
import { CsvSyntaxError, readCsv } from '../../local/personalize/csv';
import { readSampleData } from '../../local/personalize/model/sampleData';
import type { DatasetRows } from '../../local/personalize/store';
import { settle, startHarness, writeS3Object, type Harness } from './harness';

const BOM = '\uFEFF';

/** Items: a genre list with a line break in a quoted field, a quoted comma, a "" escape; CRLF and a BOM. */
const ITEMS_CSV =
  `${BOM}ITEM_ID,GENRE,YEAR\r\n` +
  `"i1","Drama|Film\r\nNoir",1999\r\n` +
  `i2,"Action, Adventure",2001\r\n` +
  `"i""3",Comedy,2003\r\n`;

/** Interactions: a quoted line break, a quoted comma and a "" escape in ids; LF line ends. */
const INTERACTIONS_CSV =
  'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\n' +
  '"u,1",i1,watch,1700000000\n' +
  '"u\n2","i""3",click,1700000100\n' +
  '\n' +
  'u3,"i2",watch,1700000200\n';

const EXPECTED_ITEMS = [
  { itemId: 'i1', genres: ['Drama', 'Film\r\nNoir'], year: '1999' },
  { itemId: 'i2', genres: ['Action, Adventure'], year: '2001' },
  { itemId: 'i"3', genres: ['Comedy'], year: '2003' },
];

const EXPECTED_INTERACTIONS = [
  { userId: 'u,1', itemId: 'i1', eventType: 'watch', timestamp: 1700000000 },
  { userId: 'u\n2', itemId: 'i"3', eventType: 'click', timestamp: 1700000100 },
  { userId: 'u3', itemId: 'i2', eventType: 'watch', timestamp: 1700000200 },
];

describe('CSV through the emulator dataset import job', () => {
  let h: Harness;
  let interactionsDatasetArn: string;
  let itemsDatasetArn: string;
  let jobs = 0;

  beforeAll(async () => {
    h = await startHarness();
    const { datasetGroupArn = '' } = await h.personalize.send(new CreateDatasetGroupCommand({ name: 'csv' }));
    await settle(h, 'datasetGroup', datasetGroupArn);
    const dataset = async (datasetType: 'Interactions' | 'Items', schema: object): Promise<string> => {
      const { schemaArn } = await h.personalize.send(
        new CreateSchemaCommand({ name: `csv-${datasetType}`, schema: JSON.stringify(schema) }),
      );
      const { datasetArn = '' } = await h.personalize.send(
        new CreateDatasetCommand({ name: datasetType, datasetGroupArn, datasetType, schemaArn }),
      );
      await settle(h, 'dataset', datasetArn);
      return datasetArn;
    };
    interactionsDatasetArn = await dataset('Interactions', INTERACTIONS_SCHEMA);
    itemsDatasetArn = await dataset('Items', ITEMS_SCHEMA);
  });
  afterAll(() => h.close());

  async function importCsv(datasetArn: string, key: string, csv: string) {
    const { datasetImportJobArn = '' } = await h.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: `csv-${++jobs}`,
        datasetArn,
        dataSource: { dataLocation: writeS3Object(h, key, csv) },
      }),
    );
    await settle(h, 'importJob', datasetImportJobArn);
    return (await h.personalize.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn })))
      .datasetImportJob;
  }

  /** The rows the emulator stored for a dataset, as written to its state directory. */
  function storedRows(datasetArn: string): DatasetRows | undefined {
    const dir = join(h.stateDir, 'datasets');
    for (const file of readdirSync(dir)) {
      const stored = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        datasetArn: string;
        rows: DatasetRows;
      };
      if (stored.datasetArn === datasetArn) return stored.rows;
    }
    return undefined;
  }

  test('imports items with a BOM, CRLF line ends, a quoted line break, a quoted comma and a "" escape', async () => {
    const job = await importCsv(itemsDatasetArn, 'csv/items.csv', ITEMS_CSV);
    expect(job?.failureReason).toBeUndefined();
    expect(job?.status).toBe('ACTIVE');
    expect(storedRows(itemsDatasetArn)?.items).toEqual(EXPECTED_ITEMS);
  });

  test('imports interactions whose ids hold a line break, a comma and a quote, skipping a blank line', async () => {
    const job = await importCsv(interactionsDatasetArn, 'csv/interactions.csv', INTERACTIONS_CSV);
    expect(job?.status).toBe('ACTIVE');
    expect(storedRows(interactionsDatasetArn)?.interactions).toEqual(EXPECTED_INTERACTIONS);
  });

  test('counts a quoted line break as a line: a bad value after one is reported on its own line', async () => {
    const job = await importCsv(
      interactionsDatasetArn,
      'csv/bad-after-break.csv',
      'USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\r\n"u\r\n1",i1,watch,1700000000\r\nu2,i2,watch,soon\r\n',
    );
    expect(job?.status).toBe('CREATE FAILED');
    expect(job?.failureReason).toMatch(/bad-after-break\.csv line 4, column TIMESTAMP: "soon" is not a long/);
  });

  test('a quoted field never closed fails the job, naming the file and the line it opens on', async () => {
    const job = await importCsv(
      itemsDatasetArn,
      'csv/unclosed.csv',
      'ITEM_ID,GENRE,YEAR\ni1,Drama,1999\ni2,"Drama,2001\ni3,Comedy,2003\n',
    );
    expect(job?.status).toBe('CREATE FAILED');
    expect(job?.failureReason).toMatch(
      /Invalid CSV at s3:\/\/test-bucket\/csv\/unclosed\.csv line 3: .*not closed/,
    );
  });

  test('an empty file fails the job: there is no header line', async () => {
    const job = await importCsv(itemsDatasetArn, 'csv/empty.csv', BOM);
    expect(job?.status).toBe('CREATE FAILED');
    expect(job?.failureReason).toMatch(/empty\.csv line 1: the file has no header line/);
  });
});

describe('CSV through the small readers', () => {
  test('readCsv: fields and the line each record starts on', () => {
    expect(readCsv(ITEMS_CSV)).toEqual([
      { fields: ['ITEM_ID', 'GENRE', 'YEAR'], line: 1 },
      { fields: ['i1', 'Drama|Film\r\nNoir', '1999'], line: 2 },
      { fields: ['i2', 'Action, Adventure', '2001'], line: 4 },
      { fields: ['i"3', 'Comedy', '2003'], line: 5 },
    ]);
    expect(readCsv(INTERACTIONS_CSV).map((r) => r.line)).toEqual([1, 2, 3, 6]);
    expect(readCsv('A,B\r\n1,2\n3,4').map((r) => r.fields)).toEqual([
      ['A', 'B'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  test('readCsv: a quote inside an unquoted field is a syntax error at its line', () => {
    const read = () => readCsv('A,B\n1,2\n3,4 "inches"\n');
    expect(read).toThrow(CsvSyntaxError);
    expect(read).toThrow(/^line 3: a quote inside an unquoted field/);
  });

  test('the sample-data reader (model tests, metrics)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'csv-sample-'));
    try {
      writeFileSync(join(dir, 'items.csv'), ITEMS_CSV);
      writeFileSync(join(dir, 'interactions.csv'), INTERACTIONS_CSV);
      expect(readSampleData(dir)).toEqual({ items: EXPECTED_ITEMS, interactions: EXPECTED_INTERACTIONS });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the demo page's catalogue", () => {
    expect(buildCatalogue(ITEMS_CSV, INTERACTIONS_CSV)).toEqual({
      items: {
        i1: { genres: ['Drama', 'Film\r\nNoir'], year: 1999 },
        i2: { genres: ['Action, Adventure'], year: 2001 },
        'i"3': { genres: ['Comedy'], year: 2003 },
      },
      users: ['u\n2', 'u,1', 'u3'].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
    });
  });

  test('the sample-data summary', () => {
    expect(describeSampleData({ interactionsCsv: INTERACTIONS_CSV, itemsCsv: ITEMS_CSV })).toMatchObject({
      interactions: 3,
      users: 3,
      items: 3,
      itemsWithInteractions: 3,
      watch: 2,
      click: 1,
    });
  });
});
