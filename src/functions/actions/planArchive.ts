/** Lambda entry point of the export workflow's `planArchive` Task (ACTION_HANDLER_ENTRIES.planArchive); see ebsTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { EXPORT_TASK_FUNCTIONS } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return EXPORT_TASK_FUNCTIONS.planArchive(state, dependencies);
}
