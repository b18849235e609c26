import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import type { RulePattern } from '../../core/eventPatterns.js';

export interface PatternRuleProps {
  /** The rule, as data from src/core/eventPatterns.ts. */
  readonly rule: RulePattern;
  /** @default the account's default bus */
  readonly eventBus?: events.IEventBus;
  readonly targets: readonly events.IRuleTarget[];
}

/**
 * An EventBridge rule whose pattern is exactly the data the tests evaluate. The typed CDK pattern has
 * no `$or`, so the synthesized pattern is replaced by the data verbatim.
 */
export function patternRule(scope: Construct, id: string, props: PatternRuleProps): events.Rule {
  const rule = new events.Rule(scope, id, {
    description: `Vaultpilot: ${props.rule.description}`,
    eventBus: props.eventBus,
    eventPattern: { source: ['placeholder'] },
    targets: [...props.targets],
  });
  (rule.node.defaultChild as events.CfnRule).addPropertyOverride('EventPattern', props.rule.pattern);
  return rule;
}
