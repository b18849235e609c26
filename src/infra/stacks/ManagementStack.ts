import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MANAGEMENT_FORWARDED_RULES, ORGANIZATIONS_EVENTS_REGION } from '../../core/eventPatterns.js';
import { ForwardToCentralBus } from '../constructs/ForwardToCentralBus.js';

export { ORGANIZATIONS_EVENTS_REGION };

export interface ManagementStackProps extends StackProps {
  /** ARN of the central custom bus. */
  readonly centralBusArn: string;
}

/**
 * The management account in us-east-1: forwards Organizations policy changes (and effective-policy
 * validation results, which the member StackSet cannot cover here) to the central bus. The
 * rule matches by API name, not by policy type, so DeletePolicy (which carries no type) is forwarded
 * and the router recognises backup policies by the ids it has seen.
 */
export class ManagementStack extends Stack {
  constructor(scope: Construct, id: string, props: ManagementStackProps) {
    super(scope, id, props);
    new ForwardToCentralBus(this, 'Forwarding', {
      centralBusArn: props.centralBusArn,
      rules: MANAGEMENT_FORWARDED_RULES,
      undeliveredAlarmName: 'management-undelivered-events',
      undeliveredAlarmDescription: 'Organizations events the management account could not forward to the central bus',
    });
  }
}
