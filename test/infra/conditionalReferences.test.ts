import { describe, expect, it } from 'vitest';
import { synthesizeFixtureApp } from './fixtureApp.js';

type Resource = { Type: string; Condition?: string; Properties?: unknown };

/** Every logical id a value refers to with Ref or Fn::GetAtt. */
function referencesIn(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencesIn(v, out);
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') out.add(record.Ref);
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') out.add(getAtt[0]);
    // Fn::If guards what it references by its own condition: those references are fine.
    for (const [key, v] of Object.entries(record)) if (key !== 'Fn::If') referencesIn(v, out);
  }
  return out;
}

describe('templates with conditional resources', () => {
  const built = synthesizeFixtureApp();
  const stacks = [built.central, built.monitoring, built.digest, built.management, built.member, built.memberStackSet];

  // A resource that refers to one created only under a condition fails to deploy where the condition is false
  // (seen: the forwarding dead-letter queue's policy naming the us-east-1-only rule in every Region).
  it('never refer to a resource that may not exist from one that always does', () => {
    const problems: string[] = [];
    for (const stack of stacks) {
      const resources = built.template(stack).toJSON().Resources as Record<string, Resource>;
      for (const [id, resource] of Object.entries(resources)) {
        for (const target of referencesIn(resource.Properties)) {
          const condition = resources[target]?.Condition;
          if (condition && resource.Condition !== condition) {
            problems.push(`${stack.stackName}/${id} refers to ${target}, which exists only when ${condition}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
