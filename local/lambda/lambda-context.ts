/** The Lambda context object local mode hands the unchanged handlers. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export function createLambdaContext(options: {
  readonly functionName: string;
  readonly region: string;
  readonly accountId?: string;
  readonly timeoutMs?: number;
  readonly memoryLimitInMB?: number;
  /** The invocation's id, when the context is rebuilt for it elsewhere (an invocation worker). @default a new one */
  readonly requestId?: string;
  /** When the invocation times out, in epoch ms (wins over `timeoutMs`). @default now + timeoutMs */
  readonly deadline?: number;
}): Context {
  const requestId = options.requestId ?? randomUUID();
  const deadline = options.deadline ?? Date.now() + (options.timeoutMs ?? 30_000);
  const accountId = options.accountId ?? '000000000000';
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported: handlers are async');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${accountId}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 256),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
