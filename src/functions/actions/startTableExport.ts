/** Lambda entry point of the export workflow's `startTableExport` Task (ACTION_HANDLER_ENTRIES.startTableExport); see dynamoDbTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { EXPORT_TASK_FUNCTIONS } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return EXPORT_TASK_FUNCTIONS.startTableExport(state, dependencies);
}
