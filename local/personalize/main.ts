/**
 * `npm run emulator`: the Personalize emulator on its own. Configured by PERSONALIZE_PORT (default 8089),
 * PERSONALIZE_S3_DIR (default: the current directory, so
 * `s3://data/interactions.csv` reads the sample data) and PERSONALIZE_STATE_DIR (default: state in memory only).
 */
import { resolve } from 'node:path';
import { startPersonalizeEmulator } from './index';
import { errorMessage } from '../../lambda/shared/service-errors';

async function main(): Promise<void> {
  const port = Number(process.env.PERSONALIZE_PORT ?? 8089);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PERSONALIZE_PORT must be a port number, got ${process.env.PERSONALIZE_PORT}`);
  }
  const s3Dir = resolve(process.env.PERSONALIZE_S3_DIR ?? '.');
  const stateDir = process.env.PERSONALIZE_STATE_DIR ? resolve(process.env.PERSONALIZE_STATE_DIR) : undefined;
  const emulator = await startPersonalizeEmulator({ port, s3Dir, stateDir });
  console.log(`Personalize emulator listening on ${emulator.endpoint}`);
  console.log(`  S3 directory: ${s3Dir} (s3://bucket/key is ${s3Dir}/bucket/key)`);
  console.log(`  State: ${stateDir ?? 'in memory (set PERSONALIZE_STATE_DIR to keep it across restarts)'}`);
  console.log('Point any AWS SDK program at it with:');
  console.log(`  export AWS_ENDPOINT_URL_PERSONALIZE=${emulator.endpoint}`);
  console.log(`  export AWS_ENDPOINT_URL_PERSONALIZE_EVENTS=${emulator.endpoint}`);
  console.log(`  export AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME=${emulator.endpoint}`);
  console.log('  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local');
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});
