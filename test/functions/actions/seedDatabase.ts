/** Moved to sandbox/actions/seedDatabase.ts (the demo uses it too); kept as a re-export for the tests that import it here. */
export * from '../../../sandbox/actions/seedDatabase.js';
