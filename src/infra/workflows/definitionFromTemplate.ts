/**
 * The Amazon States Language definition inside a synthesized CloudFormation template, as a plain object: the
 * single AWS::StepFunctions::StateMachine's DefinitionString with its intrinsic functions resolved offline
 * (Lambda ARNs become placeholders), so tests and the local workflow runner can validate and run it.
 */

/** Fixed values of the pseudo parameters a definition may refer to. */
export const PLACEHOLDER_PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '111122223333',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'Vaultpilot-Workflow',
  'AWS::NoValue': '',
};

/** The default placeholder ARN of a resource referenced by logical id (a Lambda function). */
export function placeholderLambdaArn(logicalId: string): string {
  const p = PLACEHOLDER_PSEUDO_PARAMETERS;
  return `arn:${p['AWS::Partition']}:lambda:${p['AWS::Region']}:${p['AWS::AccountId']}:function:${logicalId}`;
}

type Template = { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> };

/**
 * Finds the one state machine in `template` (a synthesized template's JSON) and returns its parsed definition.
 * `Ref` and `Fn::GetAtt …Arn` of Lambda functions become `placeholderArn(logicalId)`; pseudo parameters become
 * PLACEHOLDER_PSEUDO_PARAMETERS. Throws when there is not exactly one state machine, or when anything else
 * (another intrinsic, a reference to a non-Lambda resource) remains.
 */
export function definitionFromTemplate(
  template: object,
  placeholderArn: (logicalId: string) => string = placeholderLambdaArn,
): Record<string, unknown> {
  const resources = (template as Template).Resources ?? {};
  const machines = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) {
    throw new Error(`expected exactly one AWS::StepFunctions::StateMachine in the template, found ${machines.length}`);
  }
  const [machineId, machine] = machines[0] as [string, { Properties?: Record<string, unknown> }];
  const definition = machine.Properties?.DefinitionString;
  if (definition === undefined) {
    throw new Error(
      `state machine ${machineId} has no DefinitionString (Definition or DefinitionS3Location is not supported)`,
    );
  }
  const resolveRef = (logicalId: string, how: string): string => {
    const pseudo = PLACEHOLDER_PSEUDO_PARAMETERS[logicalId];
    if (pseudo !== undefined) return pseudo;
    const type = resources[logicalId]?.Type;
    if (type === 'AWS::Lambda::Function') return placeholderArn(logicalId);
    throw new Error(
      `state machine ${machineId}: cannot resolve ${how} of ${logicalId} (${type ?? 'not in the template'}); ` +
        'only Lambda functions and pseudo parameters are resolved',
    );
  };
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value);
      const [key, arg] = entries[0] ?? [];
      if (entries.length === 1 && key === 'Ref' && typeof arg === 'string') return resolveRef(arg, 'Ref');
      if (entries.length === 1 && key === 'Fn::GetAtt') {
        const [logicalId, attribute] = Array.isArray(arg) ? arg : typeof arg === 'string' ? arg.split('.') : [];
        if (typeof logicalId === 'string' && attribute === 'Arn') return resolveRef(logicalId, 'Fn::GetAtt Arn');
        throw new Error(`state machine ${machineId}: cannot resolve Fn::GetAtt ${JSON.stringify(arg)}`);
      }
      if (entries.length === 1 && key === 'Fn::Join' && Array.isArray(arg) && arg.length === 2) {
        const [separator, parts] = arg as [unknown, unknown];
        if (typeof separator === 'string' && Array.isArray(parts)) return parts.map(resolve).join(separator);
      }
    }
    throw new Error(`state machine ${machineId}: cannot resolve ${JSON.stringify(value)} in its DefinitionString`);
  };
  const text = resolve(definition);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `state machine ${machineId}: the resolved DefinitionString is not JSON: ${(error as Error).message}`,
    );
  }
}
