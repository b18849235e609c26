import { Aws, CustomResource, Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type NetworkMode, networkSubnetPrefix } from '../../core/config/actionsSchema.js';
import { InfraError } from '../InfraError.js';
import { CLOUDFORMATION_RESPONSE_SOURCE } from './cloudFormationResponseSource.js';

/**
 * The interface endpoints of `isolated` mode (service names `com.amazonaws.<region>.<name>`), and why: only what the
 * functions in the VPC call. S3 goes through the free gateway endpoint; the functions' credentials come from their
 * environment (no STS call); their logs and metrics (EMF) are shipped by Lambda, and their code and image are pulled
 * by Lambda, all outside the VPC; the archive key is used by S3 on their behalf (no KMS call).
 */
export const ISOLATED_INTERFACE_ENDPOINTS = {
  ebs: 'EBS direct APIs: ListSnapshotBlocks, ListChangedBlocks, GetSnapshotBlock (planArchive and the shards)',
} as const;

/** The EBS direct API actions the EBS endpoint lets through (the block-archive functions' reads). */
export const EBS_ENDPOINT_ACTIONS = ['ebs:ListSnapshotBlocks', 'ebs:ListChangedBlocks', 'ebs:GetSnapshotBlock'];
/** The S3 actions the gateway endpoint lets through, on the listed buckets only. */
export const S3_ENDPOINT_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:ListBucket',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

/** The permissions Lambda needs to attach a function to the VPC (those of AWSLambdaVPCAccessExecutionRole, minus logs). */
export const LAMBDA_VPC_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

export interface ActionsNetworkProps {
  readonly mode: Exclude<NetworkMode, 'none'>;
  /** The VPC range, e.g. `10.42.0.0/22`. */
  readonly cidr: string;
  /** Availability Zones (1–3). */
  readonly azs: number;
  /** `nat` mode: NAT gateways (1 to `azs`). */
  readonly natGateways: number;
  /** Key of the flow-log and lookup log groups (its policy admits CloudWatch Logs). */
  readonly logKey: kms.IKey;
  /** The buckets the functions reach through the S3 gateway endpoint (names or tokens): nothing else in S3. */
  readonly bucketNames: readonly string[];
}

/**
 * Inline custom resource: the id of the AWS-managed S3 prefix list of this Region (the functions' security group
 * admits S3 through the gateway endpoint by it; CloudFormation cannot look it up, and the template is Region-agnostic).
 */
export const S3_PREFIX_LIST_HANDLER_SOURCE = `
const https = require('node:https');
const ec2 = require('@aws-sdk/client-ec2');
${CLOUDFORMATION_RESPONSE_SOURCE}
exports.handler = async (event) => {
  let body;
  try {
    let id = event.PhysicalResourceId || 'none';
    if (event.RequestType !== 'Delete') {
      const region = process.env.AWS_REGION;
      const names = ['com.amazonaws.' + region + '.s3', 'cn.com.amazonaws.' + region + '.s3'];
      const out = await new ec2.EC2Client({}).send(new ec2.DescribeManagedPrefixListsCommand({
        Filters: [{ Name: 'prefix-list-name', Values: names }] }));
      const list = (out.PrefixLists || [])[0];
      if (!list || !list.PrefixListId) throw new Error('no managed prefix list ' + names.join(' or '));
      id = list.PrefixListId;
    }
    body = { Status: 'SUCCESS', PhysicalResourceId: id, Data: { PrefixListId: id } };
  } catch (e) {
    console.log(JSON.stringify({ error: String(e) }));
    body = { Status: 'FAILED', Reason: String(e).slice(0, 500), PhysicalResourceId: event.PhysicalResourceId || 'none' };
  }
  await respond(event, { ...body, StackId: event.StackId, RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId });
};
`;

/**
 * The network of the EBS block-archive functions (`actions.network`): a VPC of private subnets, one per AZ.
 *
 * - `isolated`: no internet gateway, no NAT; an S3 gateway endpoint whose policy admits only `bucketNames`, and the
 *   ISOLATED_INTERFACE_ENDPOINTS with private DNS in an endpoint security group that admits 443 from the functions
 *   only. The functions' security group allows egress on 443 to that group and to the S3 prefix list, nothing else.
 * - `nat`: public subnets with `natGateways` NAT gateways; the functions' security group allows egress on 443 to
 *   anywhere; the S3 gateway endpoint (same policy) keeps the archive traffic off the NAT gateways.
 *
 * Both: VPC flow logs (all traffic) to a log group encrypted with `logKey`; the default security group is left as EC2
 * makes it and used by nothing.
 */
export class ActionsNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** The security group of the functions in the VPC. */
  readonly securityGroup: ec2.SecurityGroup;
  /** The interface endpoints' security group (isolated mode). */
  readonly endpointSecurityGroup?: ec2.SecurityGroup;
  readonly subnets: ec2.SubnetSelection;
  readonly flowLogGroup: logs.LogGroup;
  readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  readonly interfaceEndpoints: Readonly<Record<string, ec2.InterfaceVpcEndpoint>>;

  constructor(scope: Construct, id: string, props: ActionsNetworkProps) {
    super(scope, id);
    const isolated = props.mode === 'isolated';
    const prefix = Number(props.cidr.split('/')[1]);
    const subnetPrefix = networkSubnetPrefix(prefix, props.mode, props.azs);
    if (!Number.isInteger(prefix) || subnetPrefix > 28 || props.azs < 1 || props.azs > 3) {
      throw new InfraError(`ActionsNetwork: ${props.cidr} cannot hold the subnets of ${props.azs} AZs (${props.mode})`);
    }
    if (!isolated && (props.natGateways < 1 || props.natGateways > props.azs)) {
      throw new InfraError(`ActionsNetwork: ${props.natGateways} NAT gateways for ${props.azs} AZs`);
    }
    // The template is Region-agnostic: the first AZs of whichever Region it is deployed in.
    const availabilityZones = Array.from({ length: props.azs }, (_, i) => Fn.select(i, Fn.getAzs()));
    const privateType = isolated ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      availabilityZones,
      natGateways: isolated ? 0 : props.natGateways,
      createInternetGateway: !isolated,
      // The default security group is used by nothing here; restricting it takes a custom resource (an asset).
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'Private', subnetType: privateType, cidrMask: subnetPrefix },
        ...(isolated ? [] : [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: subnetPrefix }]),
      ],
    });
    this.subnets = { subnetType: privateType };

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    const bucketArns = props.bucketNames.flatMap((name) => [
      `arn:${Aws.PARTITION}:s3:::${name}`,
      `arn:${Aws.PARTITION}:s3:::${name}/*`,
    ]);
    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [this.subnets],
    });
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheListedBuckets',
        principals: [new iam.AnyPrincipal()],
        actions: S3_ENDPOINT_ACTIONS,
        resources: bucketArns,
        conditions: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
      }),
    );

    this.securityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: isolated
        ? 'Vaultpilot EBS archive functions: HTTPS to the VPC endpoints and to S3 only'
        : 'Vaultpilot EBS archive functions: HTTPS out (NAT), no ingress',
      allowAllOutbound: false,
    });
    const endpoints: Record<string, ec2.InterfaceVpcEndpoint> = {};
    if (isolated) {
      const endpointGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'Vaultpilot VPC interface endpoints: HTTPS from the EBS archive functions only',
        allowAllOutbound: false,
      });
      this.endpointSecurityGroup = endpointGroup;
      endpointGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(443), 'HTTPS from the EBS archive functions');
      this.securityGroup.addEgressRule(endpointGroup, ec2.Port.tcp(443), 'HTTPS to the VPC interface endpoints');
      this.securityGroup.addEgressRule(
        ec2.Peer.prefixList(this.s3PrefixListId(props.logKey)),
        ec2.Port.tcp(443),
        'HTTPS to S3 through the gateway endpoint',
      );
      endpoints.ebs = this.vpc.addInterfaceEndpoint('Ebs', {
        service: ec2.InterfaceVpcEndpointAwsService.EBS_DIRECT,
        subnets: this.subnets,
        privateDnsEnabled: true,
        securityGroups: [endpointGroup],
        open: false,
      });
      endpoints.ebs.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadSnapshotsOfThisAccount',
          principals: [new iam.AnyPrincipal()],
          actions: EBS_ENDPOINT_ACTIONS,
          resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}::snapshot/*`],
          conditions: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
        }),
      );
    } else {
      this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS out through the NAT gateways');
    }
    this.interfaceEndpoints = endpoints;
  }

  /** The S3 managed prefix list of the Region, looked up at deployment by a small inline custom resource. */
  private s3PrefixListId(logKey: kms.IKey): string {
    const scope = new Construct(this, 'S3PrefixList');
    const logGroup = new logs.LogGroup(scope, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Vaultpilot: looks up the S3 prefix list of the Region for the actions VPC',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }));
    const fn = new lambda.Function(scope, 'Function', {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(S3_PREFIX_LIST_HANDLER_SOURCE),
      timeout: Duration.minutes(1),
      role,
      logGroup,
      description: 'Vaultpilot: the S3 prefix list id of the Region (actions VPC security group)',
    });
    fn.node.addDependency(logGroup);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeManagedPrefixLists supports no resource-level permissions; the function only reads.',
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Inline code for nodejs22.x, whose bundled AWS SDK v3 it relies on; it runs only when the stack changes.',
    });
    const lookup = new CustomResource(scope, 'Lookup', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::S3PrefixList',
    });
    return lookup.getAttString('PrefixListId');
  }
}
