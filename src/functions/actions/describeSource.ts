/** Lambda entry point of the export workflow's `describeSource` Task (ACTION_HANDLER_ENTRIES.describeSource); see exportTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { describeSource } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return describeSource(state, dependencies);
}
