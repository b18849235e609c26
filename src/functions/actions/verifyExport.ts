/** Lambda entry point of the export workflow's `verifyExport` Task (ACTION_HANDLER_ENTRIES.verifyExport); see exportTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { verifyExport } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return verifyExport(state, dependencies);
}
