import { Aws, CfnCondition, Fn, Stack, Token } from 'aws-cdk-lib';
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
 * no `$or`, so the synthesized pattern is replaced by the data verbatim. A rule for events AWS delivers in
 * one Region only (`onlyInRegion`) is left off the default bus of stacks in other Regions, and in a Region-agnostic template
 * (the StackSet's member template) it is created under a condition on the Region it is deployed to.
 */
export function patternRule(scope: Construct, id: string, props: PatternRuleProps): events.Rule | undefined {
  // Only where AWS delivers: on the default bus. A custom bus receives forwarded events in its own Region.
  const only = props.eventBus ? undefined : props.rule.onlyInRegion;
  const region = Stack.of(scope).region;
  if (only && !Token.isUnresolved(region) && region !== only) return undefined;
  const rule = new events.Rule(scope, id, {
    description: `Vaultpilot: ${props.rule.description}`,
    eventBus: props.eventBus,
    eventPattern: { source: ['placeholder'] },
    targets: [...props.targets],
  });
  const cfnRule = rule.node.defaultChild as events.CfnRule;
  cfnRule.addPropertyOverride('EventPattern', props.rule.pattern);
  if (only && Token.isUnresolved(region)) {
    cfnRule.cfnOptions.condition = new CfnCondition(scope, `${id}-InRegion`, {
      expression: Fn.conditionEquals(Aws.REGION, only),
    });
  }
  return rule;
}
