/**
 * The process edge every container worker shares: runs one job with an AbortSignal that SIGTERM (Batch/ECS
 * stopping the task) and SIGINT fire, prints one JSON line (`{"ok":true,…summary}` or `{"ok":false,"error":…}`),
 * and returns the exit code of WORKER_EXIT_CODES.
 */
import { WORKER_EXIT_CODES } from '../core/deployment/contract.js';
import { WorkerError } from './WorkerError.js';

export async function runWorkerJob(job: (signal: AbortSignal) => Promise<object>): Promise<number> {
  const controller = new AbortController();
  let stoppedBy: string | undefined;
  const stop = (name: NodeJS.Signals) => {
    stoppedBy = name;
    controller.abort(new WorkerError(`stopped by ${name}`, WORKER_EXIT_CODES.stopped));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    const summary = await job(controller.signal);
    process.stdout.write(`${JSON.stringify({ ok: true, ...summary })}\n`);
    return WORKER_EXIT_CODES.ok;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = stoppedBy
      ? WORKER_EXIT_CODES.stopped
      : error instanceof WorkerError
        ? error.exitCode
        : WORKER_EXIT_CODES.failed;
    process.stdout.write(`${JSON.stringify({ ok: false, error: stoppedBy ? `stopped by ${stoppedBy}` : message })}\n`);
    return code;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
