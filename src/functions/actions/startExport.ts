/** Lambda entry point of the export workflow's `startExport` Task (ACTION_HANDLER_ENTRIES.startExport); see exportTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { startExport } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return startExport(state, dependencies);
}
