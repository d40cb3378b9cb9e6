// First import: the factories set the test environment before any SDK client is created.
import { SOLUTION_ARN, apiEvent, lambdaContext, unexpectedError } from './factories';
import { expect } from '@jest/globals';
import { CreateSolutionVersionCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/createSolutionVersion';

const personalize = mockClient(PersonalizeClient);

/** Runs `work` at log level INFO and answers the lines written to stdout, parsed. */
async function logLinesOf(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  process.env.LOG_LEVEL = 'INFO';
  try {
    await work();
  } finally {
    process.env.LOG_LEVEL = 'SILENT';
    write.mockRestore();
  }
  return written
    .join('')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeEach(() => personalize.reset());

describe('structured logging', () => {
  it('writes one JSON line per log with level, message and the invocation’s request id', async () => {
    personalize.on(CreateSolutionVersionCommand).resolves({});

    const lines = await logLinesOf(() =>
      handler(
        apiEvent({ path: '/solutionVersion', body: { solutionArn: SOLUTION_ARN, version: 'v1' } }),
        lambdaContext('req-42'),
      ),
    );

    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'Request handled',
        requestId: 'req-42',
        statusCode: 200,
        path: '/solutionVersion',
      }),
    ]);
  });

  it('logs an unexpected error with its stack, which the response never carries', async () => {
    personalize.on(CreateSolutionVersionCommand).rejects(unexpectedError());

    const lines = await logLinesOf(() =>
      handler(
        apiEvent({ path: '/solutionVersion', body: { solutionArn: SOLUTION_ARN, version: 'v1' } }),
        lambdaContext('req-43'),
      ),
    );

    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      requestId: 'req-43',
      error: {
        name: 'Error',
        message: expect.stringContaining('ECONNREFUSED'),
        stack: expect.stringContaining('/var/task'),
      },
    });
  });

  it('keeps request ids apart when requests overlap in one process (local mode)', async () => {
    personalize
      .on(CreateSolutionVersionCommand)
      .callsFake(() => new Promise((resolve) => setTimeout(() => resolve({}), 5)));
    const request = (id: string) =>
      handler(
        apiEvent({ path: '/solutionVersion', body: { solutionArn: SOLUTION_ARN, version: id } }),
        lambdaContext(id),
      );

    const lines = await logLinesOf(() => Promise.all([request('a'), request('b')]));

    expect(lines.map((line) => line.requestId).sort()).toEqual(['a', 'b']);
  });
});
