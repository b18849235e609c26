/** Lambda entry point of the export workflow's `cleanUp` Task (ACTION_HANDLER_ENTRIES.cleanUp); see exportTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { cleanUp } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return cleanUp(state, dependencies);
}
