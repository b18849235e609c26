/** Lambda entry point of the export workflow's `recordOutcome` Task (ACTION_HANDLER_ENTRIES.recordOutcome); see exportTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { recordOutcome } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return recordOutcome(state, dependencies);
}
