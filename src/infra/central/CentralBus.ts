import { Duration, type Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';

export interface CentralBusProps {
  /** Only principals of this organization may put events on the bus. */
  readonly organizationId: string;
  readonly eventBusName: string;
}

/** The organization-only custom bus members forward to, archived for 30 days for replay. */
export class CentralBus {
  readonly bus: events.EventBus;

  constructor(stack: Stack, props: CentralBusProps) {
    this.bus = new events.EventBus(stack, 'Bus', { eventBusName: props.eventBusName, description: 'Vaultpilot' });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowOrganizationToPutEvents',
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    // Everything that reaches the bus is archived for 30 days: after a router fix, events can be replayed.
    this.bus.archive('Archive', {
      description: 'Vaultpilot: every event on the central bus, for replay',
      eventPattern: { source: events.Match.prefix('') },
      retention: Duration.days(30),
    });
  }
}
