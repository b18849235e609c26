import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { BLOCK_ARCHIVE_TASKS } from '../../src/core/actions/exportWorkflow.js';
import type { ActionsConfig } from '../../src/core/config/actionsSchema.js';
import { requireConfig } from '../../src/core/config/parseConfig.js';
import { buildApp } from '../../src/infra/app.js';
import {
  ActionsNetwork,
  EBS_ENDPOINT_ACTIONS,
  ISOLATED_INTERFACE_ENDPOINTS,
  LAMBDA_VPC_ACTIONS,
} from '../../src/infra/constructs/ActionsNetwork.js';
import { checkTemplateSizes } from '../../src/infra/templateSizes.js';
import { ACTION_HANDLER_STUBS, projectRoot } from './fixtureApp.js';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

const EXAMPLE_PATH = join(projectRoot, 'examples/vaultpilot.config.yaml');
const example = requireConfig(readFileSync(EXAMPLE_PATH, 'utf8'), EXAMPLE_PATH);
const text = (value: unknown) => JSON.stringify(value);

/** The example configuration with `actions.network` set, cdk-nag on (a finding fails app.synth()). */
function memberWith(network: ActionsConfig['network']) {
  const config = { ...example, actions: { ...example.actions, network } };
  const built = buildApp(config, {
    outdir: mkdtempSync(join(tmpdir(), `vaultpilot-network-${network.mode}-`)),
    projectRoot,
    cloudFormationValidation: false,
    nag: true,
    actionHandlerEntries: ACTION_HANDLER_STUBS,
  });
  const assembly = built.app.synth();
  if (!built.actionsMember) throw new Error('no actions member stack');
  const json = assembly.getStackArtifact(built.actionsMember.artifactId).template as {
    Resources: Record<string, Resource>;
  };
  expect(JSON.parse(built.actionsMemberTemplateBody ?? '{}')).toEqual(json);
  return { template: Template.fromJSON(json), resources: json.Resources, assembly };
}

const ofType = (resources: Record<string, Resource>, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

/** The Lambda functions, split into those in a VPC and those not. */
function functionsByVpc(resources: Record<string, Resource>) {
  const fns = ofType(resources, 'AWS::Lambda::Function');
  return {
    inVpc: fns.filter(([, r]) => r.Properties.VpcConfig !== undefined).map(([id]) => id),
    outside: fns.filter(([, r]) => r.Properties.VpcConfig === undefined).map(([id]) => id),
  };
}

const EBS_FUNCTIONS = ['planArchive', ...BLOCK_ARCHIVE_TASKS];
const isEbsFunction = (id: string) => EBS_FUNCTIONS.some((task) => id.startsWith(`${task}Function`));

const isolated = memberWith({ mode: 'isolated', cidr: '10.42.0.0/22', azs: 2, natGateways: 1 });
const nat = memberWith({ mode: 'nat', cidr: '10.43.0.0/22', azs: 3, natGateways: 2 });

describe('actions.network: none (the default)', () => {
  it('creates no VPC and puts no function in one', () => {
    expect(example.actions.network.mode).toBe('none');
    const built = buildApp(example, {
      outdir: mkdtempSync(join(tmpdir(), 'vaultpilot-network-none-')),
      projectRoot,
      cloudFormationValidation: false,
      nag: false,
      actionHandlerEntries: ACTION_HANDLER_STUBS,
    });
    const resources = (JSON.parse(built.actionsMemberTemplateBody ?? '{}') as { Resources: Record<string, Resource> })
      .Resources;
    expect(Object.values(resources).filter((r) => r.Type.startsWith('AWS::EC2::'))).toEqual([]);
    expect(functionsByVpc(resources).inVpc).toEqual([]);
  });
});

describe('actions.network: isolated', () => {
  const { template, resources } = isolated;

  it('makes a VPC of private subnets only: no internet gateway, no NAT, no public address', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.42.0.0/22' });
    for (const type of ['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP', 'AWS::EC2::Route']) {
      template.resourceCountIs(type, 0);
    }
    const subnets = ofType(resources, 'AWS::EC2::Subnet').map(([, r]) => r.Properties);
    expect(subnets.map((s) => s.CidrBlock)).toEqual(['10.42.0.0/23', '10.42.2.0/23']);
    expect(subnets.map((s) => s.MapPublicIpOnLaunch)).toEqual([false, false]);
    expect(subnets.map((s) => s.AvailabilityZone)).toEqual(
      [0, 1].map((i) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] })),
    );
  });

  it('has exactly the S3 gateway endpoint and the listed interface endpoints, with private DNS and tight policies', () => {
    const endpoints = ofType(resources, 'AWS::EC2::VPCEndpoint').map(([, r]) => r.Properties);
    const service = (p: Record<string, unknown>) => text(p.ServiceName).replace(/.*"\.(\w+)"\]\]\}$/, '$1');
    expect(endpoints.map((p) => [service(p), p.VpcEndpointType ?? 'Gateway']).sort()).toEqual(
      [['s3', 'Gateway'], ...Object.keys(ISOLATED_INTERFACE_ENDPOINTS).map((name) => [name, 'Interface'])].sort(),
    );
    const s3 = endpoints.find((p) => service(p) === 's3');
    if (!s3) throw new Error('no S3 endpoint');
    expect(s3?.RouteTableIds).toHaveLength(2);
    const s3Statements = (s3.PolicyDocument as { Statement: { Resource: unknown[]; Action: string[] }[] }).Statement;
    expect(s3Statements).toHaveLength(1);
    // The archive bucket of the Region and its objects, nothing else.
    expect(s3Statements[0]?.Resource.map(text)).toEqual([
      text({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':s3:::',
            { 'Fn::FindInMap': ['ArchiveBuckets', { Ref: 'AWS::Region' }, 'name'] },
          ],
        ],
      }),
      text({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':s3:::',
            { 'Fn::FindInMap': ['ArchiveBuckets', { Ref: 'AWS::Region' }, 'name'] },
            '/*',
          ],
        ],
      }),
    ]);
    expect(s3Statements[0]?.Action).not.toContain('s3:*');
    const ebs = endpoints.find((p) => service(p) === 'ebs');
    if (!ebs) throw new Error('no EBS endpoint');
    expect(ebs?.PrivateDnsEnabled).toBe(true);
    expect(ebs?.SubnetIds).toHaveLength(2);
    expect((ebs.PolicyDocument as { Statement: { Action: string[] }[] }).Statement.map((s) => s.Action)).toEqual([
      EBS_ENDPOINT_ACTIONS,
    ]);
  });

  it('lets the functions out only on 443 to the endpoints’ security group and to S3, and the endpoints in only from them', () => {
    const groups = Object.fromEntries(
      ofType(resources, 'AWS::EC2::SecurityGroup').map(([id, r]) => [id.replace(/[0-9A-F]{8}$/, ''), { id, r }]),
    );
    const fnGroup = groups.NetworkFunctionSecurityGroup;
    const endpointGroup = groups.NetworkEndpointSecurityGroup;
    if (!fnGroup || !endpointGroup) throw new Error(`security groups: ${Object.keys(groups)}`);
    expect(fnGroup.r.Properties.SecurityGroupEgress).toBeUndefined();
    expect(fnGroup.r.Properties.SecurityGroupIngress).toBeUndefined();
    const egress = ofType(resources, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r.Properties);
    expect(egress).toHaveLength(2);
    for (const rule of egress) {
      expect(rule).toMatchObject({
        GroupId: { 'Fn::GetAtt': [fnGroup.id, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
      });
      expect(rule.CidrIp).toBeUndefined();
    }
    expect(egress.map((r) => r.DestinationSecurityGroupId ?? r.DestinationPrefixListId)).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [endpointGroup.id, 'GroupId'] },
        { 'Fn::GetAtt': [expect.stringMatching(/^NetworkS3PrefixListLookup/), 'PrefixListId'] },
      ]),
    );
    const ingress = ofType(resources, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({
        GroupId: { 'Fn::GetAtt': [endpointGroup.id, 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [fnGroup.id, 'GroupId'] },
        FromPort: 443,
        ToPort: 443,
      }),
    ]);
    // The endpoints' group sends nothing (CDK's placeholder rule that matches no traffic).
    expect(endpointGroup.r.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '255.255.255.255/32' }),
    ]);
  });

  it('looks the S3 prefix list up with an inline function of read-only rights', () => {
    template.resourceCountIs('Custom::S3PrefixList', 1);
    const [, fn] =
      ofType(resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith('NetworkS3PrefixListFunction')) ?? [];
    expect(text(fn?.Properties.Code)).toContain('DescribeManagedPrefixListsCommand');
    expect(fn?.Properties.VpcConfig).toBeUndefined();
  });

  it('writes flow logs of all traffic to a log group encrypted with the stack’s key', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: { Ref: Match.stringLikeRegexp('^NetworkFlowLogs') },
    });
    const [, group] = ofType(resources, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('NetworkFlowLogs')) ?? [];
    expect(group?.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
    expect(group?.Properties.RetentionInDays).toBe(90);
  });

  it('puts planArchive and the block-archive functions in the VPC, and no other', () => {
    const { inVpc, outside } = functionsByVpc(resources);
    expect(inVpc.sort()).toEqual(
      ofType(resources, 'AWS::Lambda::Function')
        .map(([id]) => id)
        .filter(isEbsFunction)
        .sort(),
    );
    expect(inVpc).toHaveLength(EBS_FUNCTIONS.length);
    expect(outside.filter(isEbsFunction)).toEqual([]);
    for (const id of inVpc) {
      const fn = resources[id];
      if (!fn) throw new Error(id);
      expect(text(fn?.Properties.VpcConfig)).toContain('NetworkFunctionSecurityGroup');
      expect((fn.Properties.VpcConfig as { SubnetIds: unknown[] }).SubnetIds).toHaveLength(2);
      // Its role's policy (with the network interface permissions) exists before it.
      const role = text(fn?.Properties.Role).match(/"(\w+Role[0-9A-F]{8})"/)?.[1] ?? '';
      expect(fn?.DependsOn).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${role.replace(/[0-9A-F]{8}$/, '')}DefaultPolicy`)),
        ]),
      );
    }
  });

  it('gives only the VPC functions’ roles the network interface permissions, inline (no managed policy)', () => {
    const policies = ofType(resources, 'AWS::IAM::Policy');
    const withVpc = policies.filter(([, r]) =>
      text(r.Properties.PolicyDocument).includes('ec2:CreateNetworkInterface'),
    );
    expect(withVpc).toHaveLength(EBS_FUNCTIONS.length);
    for (const [id, policy] of withVpc) {
      expect(EBS_FUNCTIONS.some((task) => id.startsWith(`${task}Role`))).toBe(true);
      const statements = (policy.Properties.PolicyDocument as { Statement: { Sid?: string; Action: unknown }[] })
        .Statement;
      expect(statements.find((s) => s.Sid === 'AttachToVpc')?.Action).toEqual(LAMBDA_VPC_ACTIONS);
    }
    expect(text(resources)).not.toContain('AWSLambdaVPCAccessExecutionRole');
  });

  it('stays within the 1 MB limit of the StackSet’s template', () => {
    const size = checkTemplateSizes(isolated.assembly).find((s) => s.stackName === 'Vaultpilot-ActionsMember');
    expect(size?.bytes).toBeLessThan(1_000_000);
  });
});

describe('actions.network: nat', () => {
  const { template, resources } = nat;

  it('makes private and public subnets in three AZs, the NAT gateways asked for, and an internet gateway', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    const subnets = ofType(resources, 'AWS::EC2::Subnet').map(([, r]) => r.Properties);
    expect(subnets).toHaveLength(6);
    expect(new Set(subnets.map((s) => s.CidrBlock)).size).toBe(6);
    expect(subnets.every((s) => String(s.CidrBlock).endsWith('/25'))).toBe(true);
    expect(text(subnets)).toContain(text({ 'Fn::Select': [2, { 'Fn::GetAZs': '' }] }));
    // Every private route table's default route goes through a NAT gateway.
    const defaults = ofType(resources, 'AWS::EC2::Route').map(([, r]) => r.Properties);
    expect(defaults.filter((r) => r.NatGatewayId)).toHaveLength(3);
    expect(defaults.filter((r) => r.GatewayId)).toHaveLength(3);
  });

  it('has only the S3 gateway endpoint, and lets the functions out on 443 anywhere', () => {
    const endpoints = ofType(resources, 'AWS::EC2::VPCEndpoint').map(([, r]) => r.Properties);
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]?.VpcEndpointType).toBe('Gateway');
    template.resourceCountIs('Custom::S3PrefixList', 0);
    const egress = ofType(resources, 'AWS::EC2::SecurityGroup').flatMap(([id, r]) =>
      id.startsWith('NetworkFunctionSecurityGroup') ? (r.Properties.SecurityGroupEgress as unknown[]) : [],
    );
    expect(egress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  it('puts the same functions in the VPC, in its private subnets', () => {
    const { inVpc } = functionsByVpc(resources);
    expect(inVpc).toHaveLength(EBS_FUNCTIONS.length);
    expect(inVpc.every(isEbsFunction)).toBe(true);
    for (const id of inVpc) {
      expect(text(resources[id]?.Properties.VpcConfig)).not.toContain('Public');
    }
  });
});

describe('ActionsNetwork', () => {
  const make = (props: Partial<ConstructorParameters<typeof ActionsNetwork>[2]>) => {
    const stack = new Stack(new App(), 'S');
    return new ActionsNetwork(stack, 'N', {
      mode: 'isolated',
      cidr: '10.42.0.0/22',
      azs: 2,
      natGateways: 1,
      logKey: new kms.Key(stack, 'K'),
      bucketNames: ['b'],
      ...props,
    });
  };

  it('refuses a range too small for its subnets and more NAT gateways than AZs', () => {
    expect(() => make({ mode: 'nat', cidr: '10.0.0.0/27' })).toThrow(/cannot hold/);
    expect(() => make({ mode: 'nat', azs: 1, natGateways: 2 })).toThrow(/2 NAT gateways for 1 AZs/);
    expect(make({ azs: 1 }).vpc.isolatedSubnets).toHaveLength(1);
  });
});
